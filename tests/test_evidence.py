"""Evidence whole (#17 point 4), the plain functions: a PDF page whole at each zoom with the region highlighted,
paging bounds, the page cache; the .docx form's table and the roster's rows around a cited cell, masked and the
cell marked; the OCR confidence of a value read by OCR; a changed original refused.

The sources are those of the committed sample reports (``tests/fixtures/reports``) on ``sample_docs``.
"""

import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pypdfium2 as pdfium
import pytest
from PIL import Image

from omreview.dashboard import sources
from omreview.dashboard.evidence import confidence_markdown, evidence_table, kind, window_html
from omreview.dashboard.sources import (
    PAGE_MAX_SIDE,
    ZOOMS,
    SourceUnavailable,
    docx_table_window,
    ocr_confidence,
    original,
    page_count,
    read_roster_row,
    render_page,
    roster_window,
    zoom_scale,
)
from omreview.identifiers import mask_id_number
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS
from tests.store_factory import fixture_path

RULES = default_rules()
APP07 = SAMPLE_DOCS / "app-07"


def _report(name: str) -> dict:
    return json.loads(fixture_path(name).read_text(encoding="utf-8"))


def _evidence(name: str, check: str) -> list[dict]:
    return next(c for c in _report(name)["checks"] if c["id"] == check)["evidence"]


def _texts(window: sources.TableWindow) -> list[str]:
    return [c.text for r in window.rows for c in r.cells]


def _png(data: bytes) -> Image.Image:
    import io

    return Image.open(io.BytesIO(data)).convert("RGB")


# ---- the .docx form


def test_a_form_cell_is_shown_in_its_table_highlighted_with_names_masked():
    src = next(s for s in _evidence("app-07", "M2b") if s["cell"] == "D3")  # 运维技术负责人's 职称
    assert (src["table"], src["cell"]) == (3, "D3")
    window = docx_table_window(original(APP07, src["file"], src["sha256"]), src["file"], src["table"], src["cell"],
                               RULES)
    assert window.cited.text == "高级工程师" and window.cited.address == "D3" and window.cited_text == "高级工程师"
    assert window.title == "表4（四、主要负责人情况）" and window.where == "D3"
    assert [r.number for r in window.rows] == [1, 2, 3, 4]  # the whole (small) table, its header first
    assert [c.text for c in window.rows[0].cells][:2] == ["类别", "姓名"] and window.rows[0].cells[0].header
    # the key persons' names are masked as the roster's are; the other cells as written
    assert [r.cells[1].text for r in window.rows[1:]] == ["胡**", "侯**", "丁**"]
    assert not {"胡玉一", "侯一伟", "丁勇晨"} & set(_texts(window))
    assert [c.text for c in window.rows[2].cells] == ["运维技术负责人", "侯**", "运维技术总监", "高级工程师",
                                                      "计算机科学与技术", "—", "7年"]
    assert sum(c.cited for r in window.rows for c in r.cells) == 1


def test_a_form_window_keeps_the_header_merges_cells_and_marks_the_rows_left_out():
    src = next(s for s in _evidence("app-07", "P1") if s["cell"] == "B10")  # 有效期至
    window = docx_table_window(APP07 / src["file"], src["file"], 0, "B10", RULES)
    assert window.cited_text == "2014年12月31日"
    assert [r.number for r in window.rows] == [1, 7, 8, 9, 10, 11, 12, 13]
    assert [r.gap_before for r in window.rows][:3] == [False, True, False]
    [title] = window.rows[0].cells  # 企业基本情况 spans both columns
    assert (title.text, title.colspan) == ("企业基本情况", 2)
    page = window_html(window, "来源表格")
    assert 'colspan="2"' in page and page.count("data-cited") == 1
    cited = page[page.index("data-cited"):]
    assert "2014年12月31日" in cited[:cited.index("</td>")] and "#fff3a0" in cited[:cited.index("</td>")]


def test_every_identifier_and_name_of_a_form_table_is_masked(tmp_path):
    doc = docx.Document()
    for rows in ([["姓名", "身份证号", "职称", "备注"],
                  ["张三丰", "11010519491231002X", "高级工程师", "证件 110105194912310021"]],
                 [["法定代表人", "李四", "联系电话", "13800000000"], ["职务", "董事长", "姓名", "王小五"]],
                 [["类别", "主要负责人", "技术负责人"], ["姓名", "赵六", "钱七七"], ["职称", "高级工程师", "工程师"]]):
        t = doc.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
        doc.add_paragraph("")
    path = tmp_path / "form.docx"
    doc.save(path)
    window = docx_table_window(path, "form.docx", 0, "C2", RULES)
    assert _texts(window)[4:] == ["张**", mask_id_number("11010519491231002X"), "高级工程师", "证件 1101**********0021"]
    assert window.cited_text == "高级工程师"
    pairs = docx_table_window(path, "form.docx", 1, "D1", RULES)  # labels left of their values
    assert _texts(pairs) == ["法定代表人", "李*", "联系电话", "13800000000", "职务", "董事长", "姓名", "王**"]
    roles = docx_table_window(path, "form.docx", 2, "B3", RULES)  # the roles as columns
    assert _texts(roles) == ["类别", "主要负责人", "技术负责人", "姓名", "赵*", "钱**", "职称", "高级工程师", "工程师"]


def test_a_form_cell_that_is_not_there_is_told():
    with pytest.raises(SourceUnavailable, match="没有第9个表格"):
        docx_table_window(APP07 / "材料_3.docx", "材料_3.docx", 8, "A1", RULES)
    with pytest.raises(SourceUnavailable, match="表4 没有单元格 Z99"):
        docx_table_window(APP07 / "材料_3.docx", "材料_3.docx", 3, "Z99", RULES)
    with pytest.raises(SourceUnavailable, match="无法读取"):
        docx_table_window(APP07 / "材料_4.xlsx", "材料_4.xlsx", 0, "A1", RULES)


# ---- the .xlsx roster


def _raw_ids(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {str(v) for row in wb.active.iter_rows(values_only=True) for v in row if v and len(str(v)) == 18}
    finally:
        wb.close()


def test_a_roster_cell_is_shown_among_its_rows_cited_by_seq_and_row_masked():
    src = _report("app-07")["discrepancies"][0]["values"][0]["source"]
    assert (src["sheet"], src["cell"], src["text"]) == ("人员名册", "D35", None)
    path = original(APP07, src["file"], src["sha256"])
    window = roster_window(path, src["file"], src["sheet"], src["cell"], RULES)
    assert window.where == "第35行（序号31） D列" and window.title == "工作表 人员名册"
    assert window.cited_text == "4101**********9697" and window.cited.address == "D35"
    assert [r.number for r in window.rows] == [3, 32, 33, 34, 35, 36, 37, 38]  # the header, then 3 either side
    assert window.rows[1].gap_before and window.rows[0].cells[3].text == "身份证号" and window.rows[0].cells[0].header
    # the row shows as the masked roster view shows it
    row = read_roster_row(path, src["file"], src["sheet"], src["cell"], RULES).masked()
    assert row.where == "第35行（序号31）" and row.seq == "31"
    assert tuple(c.text for c in window.rows[4].cells) == row.values
    assert not _raw_ids(path) & set(_texts(window))
    names = {r.cells[1].text for r in window.rows[1:]}
    assert all(n[0] != "*" and set(n[1:]) == {"*"} for n in names)
    assert window.rows_total == 71


def test_a_roster_window_stays_within_the_sheet():
    top = roster_window(APP07 / "材料_4.xlsx", "材料_4.xlsx", "人员名册", "D4", RULES)
    assert [r.number for r in top.rows] == [3, 4, 5, 6, 7] and not any(r.gap_before for r in top.rows)
    assert top.where == "第4行（序号1） D列"
    last = roster_window(APP07 / "材料_4.xlsx", "材料_4.xlsx", "人员名册", "B71", RULES)
    assert [r.number for r in last.rows][-1] == 71 and last.cited.text.endswith("*")
    with pytest.raises(SourceUnavailable, match="没有第90行"):
        roster_window(APP07 / "材料_4.xlsx", "材料_4.xlsx", "人员名册", "D90", RULES)
    with pytest.raises(SourceUnavailable, match="没有工作表 名单"):
        roster_window(APP07 / "材料_4.xlsx", "材料_4.xlsx", "名单", "D4", RULES)


# ---- the PDF page viewer

PDF_SRC = {"file": "材料_1.pdf", "page": 5, "bbox": [355.96, 270.97, 406.64, 280.47]}


def _red(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    region = image.crop(box)
    return sum(1 for r, g, b in region.get_flattened_data() if r > 200 and g < 40 and b < 40)


def test_the_page_is_shown_whole_at_each_zoom_with_the_region_highlighted():
    path = APP07 / PDF_SRC["file"]
    with pdfium.PdfDocument(str(path)) as pdf:
        width_pt, height_pt = pdf[4].get_size()
    sizes = []
    for zoom in ZOOMS:
        page = render_page(path, 5, zoom=zoom, bbox=tuple(PDF_SRC["bbox"]))
        image = _png(page.png)
        assert image.size == (page.width, page.height)
        assert abs(page.width - width_pt * zoom_scale(zoom)) <= 1
        assert abs(page.height - height_pt * zoom_scale(zoom)) <= 1
        assert (page.page, page.pages, page.highlighted, page.capped) == (5, 5, True, False)
        x0, top, x1, bottom = (v * page.scale for v in PDF_SRC["bbox"])
        assert _red(image, (int(x0) - 10, int(top) - 10, int(x1) + 10, int(bottom) + 10)) > 20
        assert _red(image, (0, 0, page.width, int(top) - 20)) == 0  # nothing marked elsewhere
        sizes.append(page.width)
    assert sizes == sorted(sizes) and sizes[1] == 794  # A4 at 100% (96 dpi)
    assert _red(_png(render_page(path, 4, zoom=100).png), (0, 0, 794, 1123)) == 0  # another page: nothing marked


def test_paging_stays_within_the_document_and_zoom_within_its_steps():
    path = APP07 / "材料_1.pdf"
    assert page_count(path) == 5
    assert render_page(path, 1).page == 1 and render_page(path, 5).pages == 5
    for page in (0, 6):
        with pytest.raises(SourceUnavailable, match=f"没有第{page}页"):
            render_page(path, page)
    with pytest.raises(ValueError, match="zoom"):
        render_page(path, 1, zoom=333)


def test_pages_are_rendered_once_per_sha256_page_and_zoom(tmp_path):
    sources.PAGE_CACHE.clear()
    path = APP07 / "材料_1.pdf"
    render_page(path, 2, zoom=150)
    render_page(path, 2, zoom=150, bbox=(100.0, 100.0, 200.0, 110.0))
    copy = tmp_path / "same.pdf"
    shutil.copy(path, copy)
    render_page(copy, 2, zoom=150)  # the same bytes elsewhere: the same page
    assert sources.PAGE_CACHE.renders == 1
    render_page(path, 2, zoom=200)
    render_page(path, 3, zoom=150)
    assert sources.PAGE_CACHE.renders == 3


def test_a_huge_page_is_shown_within_the_size_cap(tmp_path):
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(5000, 3000)
    path = tmp_path / "huge.pdf"
    pdf.save(str(path))
    pdf.close()
    page = render_page(path, 1, zoom=200)
    assert page.capped and max(page.width, page.height) <= PAGE_MAX_SIDE
    assert page.width * page.height <= sources.PAGE_MAX_PIXELS


# ---- the files shown are the files reviewed


@pytest.mark.parametrize("name", ["材料_1.pdf", "材料_3.docx", "材料_4.xlsx"])
def test_a_changed_original_is_refused_for_every_kind(tmp_path, name):
    folder = tmp_path / "app-07"
    shutil.copytree(APP07, folder)
    sha = next(d for d in _report("app-07")["documents"] if d["file"] == name)["sha256"]
    assert original(folder.resolve(), name, sha)
    with open(folder / name, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(SourceUnavailable, match="原件自审查以来已改变"):
        original(folder.resolve(), name, sha)


# ---- OCR confidence


def test_ocr_confidence_is_a_percentage_low_below_the_rules_floor():
    src = {"file": "2010.pdf", "page": 4, "text": "63,295,788.13", "confidence": "0.62"}
    low = ocr_confidence(src, RULES)
    assert low is not None and low.low and low.text == "OCR置信度 62.00%（低于90.00%，请核对原件）"
    sure = ocr_confidence({**src, "confidence": 0.975}, RULES)
    assert sure is not None and not sure.low and sure.text == "OCR置信度 97.50%"
    assert ocr_confidence({**src, "confidence": None}, RULES) is None
    assert confidence_markdown(src, RULES) == ":red[**⚠ OCR置信度 62.00%（低于90.00%，请核对原件）**]"
    # the floor is the rules', not a literal
    ocr = RULES.labels.statement_pdf.ocr.model_copy(update={"min_confidence": Decimal("0.5")})
    lenient = RULES.model_copy(update={"labels": RULES.labels.model_copy(
        update={"statement_pdf": RULES.labels.statement_pdf.model_copy(update={"ocr": ocr})})})
    assert not ocr_confidence(src, lenient).low  # type: ignore[union-attr]


def test_the_evidence_table_gives_ocr_confidence_beside_each_value_read_by_ocr():
    rows = evidence_table([{"file": "a.pdf", "page": 4, "text": "营业收入 1.00", "confidence": "0.62"},
                           {"file": "a.pdf", "page": 4, "text": "营业成本 2.00"},
                           {"file": "r.xlsx", "sheet": "人员名册", "cell": "D35", "text": None}], RULES)
    assert [r["OCR置信度"] for r in rows] == ["⚠ OCR置信度 62.00%（低于90.00%，请核对原件）", "", ""]
    assert rows[2]["原文"] == "（名册单元格，打开“显示来源原件”查看）"
    assert "OCR置信度" not in evidence_table(_evidence("app-07", "P1"), RULES)[0]  # no column without OCR


def test_each_source_kind_has_its_view():
    report = _report("app-07")
    assert kind(report["figures"]["om_revenue.2009"]["source"]) == "pdf"
    assert kind(report["figures"]["registered_capital"]["source"]) == "docx"
    assert kind(report["discrepancies"][0]["values"][0]["source"]) == "xlsx"
    assert kind(report["figures"]["om_staff_count"]["source"]) is None  # a whole sheet: no cell to show


def test_a_photographed_page_and_a_converted_form_are_shown_as_their_reader_read_them(soffice):
    """A source on a photo (app-26's 2010 statement, one JPEG a page, one stored sideways) is drawn on the page its
    reader read (an upright image-only PDF made from the photo), and a source in a .doc/.wps form's table on the
    .docx LibreOffice made of it; the originals are untouched and the copies are made once."""
    from omreview.crops import original, source_crop
    from omreview.packet import sha256_file

    folder = SAMPLE_DOCS / "app-26"
    before = {p.name: sha256_file(p) for p in folder.iterdir()}
    photo = "2010年度_2.jpg"  # stored turned a quarter, EXIF orientation 6
    shown = original(folder, photo, before[photo])
    assert shown.suffix == ".pdf" and shown.parent != folder
    with pdfium.PdfDocument(str(shown)) as pdf:
        width, height = pdf[0].get_size()
    assert height > width  # upright, as the reader read it
    png = source_crop(folder, {"file": photo, "page": 1, "bbox": [100, 200, 300, 215], "sha256": before[photo]})
    assert Image.open(io.BytesIO(png)).width > 0
    assert original(folder, photo, before[photo]) == shown  # made once
    form = next(name for name in before if name.endswith(".wps"))
    copy = original(folder, form, before[form])
    assert copy.suffix == ".docx"
    window = sources.docx_table_window(copy, form, 0, "B1", default_rules())
    assert window.rows and window.file == form
    assert {p.name: sha256_file(p) for p in folder.iterdir()} == before
