"""A 人员名册 printed to PDF (``omreview.extractors.pdf.roster``): a ruled Word table of 40 people, narrow columns,
printed by LibreOffice over several pages, the header on the first page only and rows broken at the pages' feet.
Every person must come out with their 身份证号 whole, in order, each citing their page and row box."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import pdfplumber
import pytest
from docx.shared import Cm
from stdnum.cn import ric

from omreview.dashboard.present import personal_page
from omreview.extractors import read_document
from omreview.model import DocumentKind
from omreview.packet import load_packet
from omreview.records import Education
from omreview.rules import default_rules

RULES = default_rules()
SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋"
EDUCATION = ["大学本科", "大专", "硕士研究生", "中专"]


def _id(seq: int) -> str:
    body = f"32010619850301{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


PEOPLE = [(SURNAMES[i % 10] + GIVEN[i // 10 % 10] + GIVEN[i % 7], _id(100 + i), EDUCATION[i % 4]) for i in range(40)]


@pytest.fixture(scope="module")
def roster_pdf(tmp_path_factory, soffice) -> Path:
    folder = tmp_path_factory.mktemp("pdf-roster")
    doc = docx.Document()
    doc.add_paragraph("运维技术人员名册")
    table = doc.add_table(rows=1 + len(PEOPLE) + 1, cols=6)
    table.style = "Table Grid"
    for c, head in enumerate(["序号", "姓名", "身份证号码", "最高学历", "技术职称", "从事运维工作年限"]):
        table.cell(0, c).text = head
    for i, (name, number, education) in enumerate(PEOPLE, 1):
        for c, text in enumerate([str(i), name, number, education, "工程师", str(i % 12 + 1)]):
            table.cell(i, c).text = text
    table.cell(len(PEOPLE) + 1, 0).text = "合计"
    for row in table.rows:  # narrow columns: a 身份证号 wraps over four lines, so rows are tall and break at a page
        for cell in row.cells:
            cell.width = Cm(1.6)
    source = folder / "名册.docx"
    doc.save(source)
    profile = (folder / "profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
                    str(folder / "pdf"), str(source)], check=True, capture_output=True, timeout=180)
    return folder / "pdf" / "名册.pdf"


def test_a_roster_printed_to_pdf_gives_every_person_whole(roster_pdf):
    with pdfplumber.open(roster_pdf) as pdf:  # what the printed table is: pages, a row broken at a page's foot
        firsts = [t.extract()[0] for p in pdf.pages[1:] for t in p.find_tables()]
        pages_printed = len(pdf.pages)
    assert pages_printed > 1
    assert any(not row[0] and not row[1] and row[2] for row in firsts), firsts  # a row goes on at a page's top
    found = read_document(load_packet(roster_pdf.parent, RULES).files[0], RULES)
    assert found.kind is DocumentKind.STAFF_ROSTER, found.error
    assert found.pages == pages_printed  # the report lists its pages, as for any PDF
    rows = found.record.rows
    assert [(r.name, r.id_number, r.education_raw) for r in rows] == PEOPLE
    assert [r.seq for r in rows] == [str(i) for i in range(1, 41)]
    assert rows[0].education is Education.BACHELOR and rows[3].education is Education.BELOW
    assert any("合计" in s for s in found.record.skipped_rows)
    pages = [r.source.page for r in rows]
    assert pages[0] == 1 and pages == sorted(pages) and pages[-1] > 1 and found.record.page == 1
    assert all(r.source.bbox is not None and r.source.sheet is None and r.source.cell is None for r in rows)


def test_a_pdf_without_an_identity_column_is_not_opened_as_a_roster():
    from omreview.extractors.pdf.roster import may_be_roster

    assert may_be_roster(["序号 姓名 身份证\n号码 学历"], RULES)
    assert not may_be_roster(["合并利润表 营业收入", "姓名 职务"], RULES)


def test_the_dashboard_draws_no_page_of_a_pdf_roster_or_form():
    report = {"documents": [{"file": "名册.pdf", "kind": "staff_roster"},
                            {"file": "审计.pdf", "kind": "financial_statement"},
                            {"file": "申报表.pdf", "kind": "application_form"}]}
    assert personal_page(report, {"file": "名册.pdf", "page": 2, "bbox": [1, 2, 3, 4]}) == "人员名册"
    assert personal_page(report, {"file": "申报表.pdf", "page": 1, "bbox": [1, 2, 3, 4]}) == "申报表"
    assert personal_page(report, {"file": "审计.pdf", "page": 2}) is None
    assert personal_page(report, {"file": "名册.pdf", "sheet": "Sheet1", "cell": "C4"}) is None


def test_a_roster_inside_a_longer_pdf_is_looked_for_on_its_own_pages_only(roster_pdf, tmp_path, monkeypatch):
    import pypdfium2 as pdfium

    from tests.conftest import SAMPLE_DOCS

    other = next(SAMPLE_DOCS.glob("app-01/*.pdf"))  # a statement's pages: no 身份证号 column named on them
    bundle = pdfium.PdfDocument.new()
    for source in (other, roster_pdf, other):
        with pdfium.PdfDocument(source) as part:
            bundle.import_pages(part, [0] if source == other else None)
    (tmp_path / "d").mkdir()
    bundle.save(tmp_path / "d" / "材料汇编.pdf")
    bundle.close()
    seen: list[int] = []
    real = pdfplumber.page.Page.find_tables

    def find_tables(page, *a, **kw):
        seen.append(page.page_number)
        return real(page, *a, **kw)

    monkeypatch.setattr(pdfplumber.page.Page, "find_tables", find_tables)
    with pdfplumber.open(roster_pdf) as pdf:
        roster_pages = len(pdf.pages)
    from omreview.extractors.pdf.pages import read_texts
    from omreview.extractors.pdf.roster import read

    pf = load_packet(tmp_path / "d", RULES).files[0]
    found = read(pf, read_texts(pf.path), RULES)
    assert found is not None and [r.id_number for r in found.record.rows] == [p[1] for p in PEOPLE]
    # from the roster's first page to the first page after it that holds none of it: the page before is not
    # searched, the statement page after it once (it ends the roster)
    assert seen == list(range(2, 2 + roster_pages + 1))
    assert found.record.page == 2


@pytest.mark.parametrize(("heads", "id_width"), [
    (["序号", "姓名", "身份证号码", "最高学历", "技术职称"], 8),  # the 身份证号 cut at its cell's edge in print
    (["序号", "姓名", "身份证号码", "技术职称"], 22),  # no education column (one part of a sheet, the rest lost)
])
def test_a_print_that_lost_part_of_the_roster_is_not_read_rather_than_read_wrong(tmp_path, soffice, heads, id_width):
    # found by printing the fuzzed sample workbooks with LibreOffice: a cut 身份证号 counts as a wrong one and a
    # roster without its education column as 0% at 大专 or above; either would fail T2 on what the print lost
    rows = [[str(i), name, number, education, "工程师"][: len(heads)]
            for i, (name, number, education) in enumerate(PEOPLE[:6], 1)]
    pdf = _print_sheet(tmp_path / "p", soffice, heads, rows, {"C": id_width})
    found = read_document(load_packet(pdf.parent, RULES).files[0], RULES)
    assert found.kind is not DocumentKind.STAFF_ROSTER


SPECIALTIES = ["计算机科学与技术", "信息管理与信息系统", "通信工程", "电子信息工程"]


def _print_sheet(folder: Path, soffice: str, heads: list[str], rows: list[list[str]], widths: dict[str, float],
                 merged: tuple[str, ...] = ()) -> Path:
    """A bordered sheet as a spreadsheet prints it (LibreOffice, default page set-up: A4, "down, then over")."""
    import openpyxl
    from openpyxl.styles import Border, Side

    box = Border(*(Side(style="thin"),) * 4)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["运维人员名册"])
    ws.append(heads)
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.border = box
    for column, width in widths.items():
        ws.column_dimensions[column].width = width
    for cells in merged:
        ws.merge_cells(cells)
    folder.mkdir()
    source = folder / "名册.xlsx"
    wb.save(source)
    subprocess.run([soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(folder / "pdf"), str(source)], check=True, capture_output=True, timeout=180)
    return folder / "pdf" / "名册.pdf"


@pytest.mark.parametrize("order", ["name-first", "id-last"])
def test_a_sheet_too_wide_for_its_paper_printed_in_parts_is_read_whole(tmp_path, soffice, order):
    # found by printing the fuzzed sample workbooks: a sheet wider than A4 comes out as its left columns for every
    # row, then its right columns; the person's 姓名, 身份证号 and 学历 may each be in another part
    fields = {"seq": "序号", "name": "姓名", "id": "身份证号码", "gender": "性别", "school": "毕业院校",
              "spec": "所学专业", "title": "技术职称", "post": "从事岗位", "edu": "最高学历"}
    keys = (["seq", "name", "gender", "school", "spec", "id", "title", "post", "edu"] if order == "id-last" else
            ["seq", "name", "id", "gender", "school", "spec", "title", "post", "edu"])
    people = PEOPLE if order == "name-first" else PEOPLE + [  # 80 people: each part over two pages
        (name[::-1], _id(300 + i), education) for i, (name, _, education) in enumerate(PEOPLE)]
    rows = []
    for i, (name, number, education) in enumerate(people, 1):
        values = {"seq": str(i), "name": name, "id": number, "gender": "男", "school": "北京信息科技大学",
                  "spec": "通信工程", "title": "工程师", "post": "系统管理员", "edu": education}
        rows.append([values[k] for k in keys])
    columns = "ABCDEFGHI"
    pdf = _print_sheet(tmp_path / "p", soffice, [fields[k] for k in keys], rows,
                       {columns[i]: 22 if k in ("id", "school", "post") else 14 for i, k in enumerate(keys)})
    with pdfplumber.open(pdf) as printed:  # what the print is: parts, the education column not beside the names
        texts = [page.extract_text() for page in printed.pages]
    first = next(n for n, t in enumerate(texts) if "最高学历" in t)
    assert "姓名" not in texts[first] and len(texts) >= 2
    found = read_document(load_packet(pdf.parent, RULES).files[0], RULES)
    assert found.kind is DocumentKind.STAFF_ROSTER, found.error
    assert [(r.name, r.id_number, r.education_raw) for r in found.record.rows] == people
    assert all(r.source.page <= first for r in found.record.rows)  # each person cites a page of the first part
    assert len({r.source.page for r in found.record.rows}) == (1 if order == "name-first" else 2)


def test_text_clipped_at_a_cells_edge_is_read_in_its_own_cell(tmp_path, soffice):
    # a spreadsheet prints a text too long for its cell up to the edge; the page's text holds the rest, which runs
    # into the next cell (计算机科学与 | 技王伟) or past the table's edge (the last column's 身份证号)
    people = PEOPLE[:8]
    rows = [[str(i), SPECIALTIES[i % 4], name, education, number]
            for i, (name, number, education) in enumerate(people, 1)]
    pdf = _print_sheet(tmp_path / "p", soffice, ["序号", "所学专业", "姓名", "学历", "身份证号"], rows,
                       {"A": 5, "B": 10, "C": 8, "D": 10, "E": 9})
    with pdfplumber.open(pdf) as printed:
        cut = printed.pages[0].find_tables()[0].extract()
    assert any(row[2] and row[2][0] in "技信工" for row in cut)  # the overflow lands in the next cell
    assert any(row[4] and len(row[4]) < 18 for row in cut)  # and the 身份证号 past the table's edge
    found = read_document(load_packet(pdf.parent, RULES).files[0], RULES)
    assert found.kind is DocumentKind.STAFF_ROSTER, found.error
    assert [(r.name, r.id_number, r.education_raw) for r in found.record.rows] == people


def test_a_merged_row_keeps_every_column_in_place(tmp_path, soffice):
    # the cells are read from the characters: a row whose cells are merged (a 合计 row over three columns) must still
    # give a cell for every column, as pdfplumber's own text does, or the columns after it would shift
    people = PEOPLE[:6]
    rows = [[str(i), name, number, education] for i, (name, number, education) in enumerate(people, 1)]
    rows.append(["合计", "", "", "6人"])
    pdf = _print_sheet(tmp_path / "p", soffice, ["序号", "姓名", "身份证号码", "学历"], rows,
                       {"B": 10, "C": 24, "D": 12}, merged=(f"A{len(rows) + 2}:C{len(rows) + 2}",))
    from omreview.extractors.pdf.roster import _tables

    with pdfplumber.open(pdf) as printed:
        (cells, _), = _tables(printed.pages[0])
    assert cells[-1] == ("合计", "", "", "6人")
    found = read_document(load_packet(pdf.parent, RULES).files[0], RULES)
    assert [(r.name, r.id_number, r.education_raw) for r in found.record.rows] == people
    assert any("合计" in s for s in found.record.skipped_rows)
