"""A 人员名册 written in Word: the table of a .docx read by the roster's rules (``office.roster.from_tables``).

Applicants send the roster in whatever form they have it; a Word table is as common as a workbook. The table
below is laid out as nobody here would write a workbook: its title is the table's first row, merged across;
the header takes two rows (姓名 merged down, 学历学位 merged over 学历 and 学位); a 合计 row closes it. The same
six people as the workbook layouts (``tests.test_roster_layouts``) must come out with the same values.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest

from omreview.dashboard.sources import docx_table_window
from omreview.extractors import read_document
from omreview.identifiers import mask_id_number
from omreview.model import DocumentKind
from omreview.packet import load_packet
from omreview.review import review_applicant
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS
from tests.test_roster_layouts import EXPECTED, PEOPLE

RULES = default_rules()
HEAD = ["序号", "姓名", "性别", "身份证号码", "学历学位", "", "技术职称", "所学专业", "岗位", "运维工作年限"]
SUB = ["", "", "", "", "学历", "学位", "", "", "", ""]


def _table(doc: docx.document.Document, people: list[dict], first_seq: int = 1, title: bool = True) -> None:
    top = 1 if title else 0
    t = doc.add_table(rows=top + 2 + len(people) + 1, cols=len(HEAD))
    if title:
        t.cell(0, 0).merge(t.cell(0, len(HEAD) - 1)).text = "运维技术人员名册"
    for c, (head, sub) in enumerate(zip(HEAD, SUB, strict=True)):
        if head and not sub and c != 4:
            t.cell(top, c).merge(t.cell(top + 1, c)).text = head
    t.cell(top, 4).merge(t.cell(top, 5)).text = "学历学位"
    t.cell(top + 1, 4).text, t.cell(top + 1, 5).text = "学历", "学位"
    for i, p in enumerate(people):
        values = [str(first_seq + i), p["name"], "男", p["id"], p["edu"], "", p["title"], p["spec"], p["post"],
                  str(p["years"])]
        for c, text in enumerate(values):
            t.cell(top + 2 + i, c).text = text
    total = top + 2 + len(people)
    t.cell(total, 0).merge(t.cell(total, 1)).text = "合计"
    t.cell(total, 2).text = f"{len(people)}人"


def _roster_docx(path: Path, split: bool = False) -> Path:
    doc = docx.Document()
    doc.add_paragraph("附件4")
    doc.add_paragraph("填报单位（盖章）：某某信息技术有限公司")
    if split:  # the table given again on the next page, with its header
        _table(doc, PEOPLE[:4], title=True)
        doc.add_page_break()
        _table(doc, PEOPLE[4:], first_seq=5, title=False)
    else:
        _table(doc, PEOPLE)
    doc.add_paragraph("填表人：        审核人：        日期：2026年9月30日")
    doc.save(path)
    return path


def _read(path: Path):
    return read_document(load_packet(path.parent, RULES).files[0], RULES)


def test_a_roster_written_as_a_word_table_gives_the_same_people_as_a_workbook(tmp_path):
    (tmp_path / "roster").mkdir()
    found = _read(_roster_docx(tmp_path / "roster" / "名册.docx"))
    assert found.kind is DocumentKind.STAFF_ROSTER, found.error
    rows = found.record.rows
    assert [(r.name, r.id_number, r.education_raw, r.education, r.title_raw, r.title_level, r.specialty, r.post,
             r.om_years) for r in rows] == EXPECTED
    assert [r.seq for r in rows] == ["1", "2", "3", "4", "5", "6"]
    # cited by the table and the cell on its grid, as the form's cells are: no sheet
    first = rows[0].source
    assert (first.file, first.sheet, first.table, first.cell) == ("名册.docx", None, 0, "D4")
    assert found.record.table == 0 and found.record.sheet == "表1"
    assert any("合计" in s for s in found.record.skipped_rows)


def test_a_word_roster_over_two_tables_with_one_header_is_read_as_one(tmp_path):
    (tmp_path / "a").mkdir()
    found = _read(_roster_docx(tmp_path / "a" / "人员名册.docx", split=True))
    assert found.kind is DocumentKind.STAFF_ROSTER
    assert [r.name for r in found.record.rows] == [p["name"] for p in PEOPLE]
    assert [r.source.table for r in found.record.rows] == [0, 0, 0, 0, 1, 1]
    assert found.record.warnings[0].startswith("名册分在2个表格（表1、表2）")


def test_a_word_table_of_names_without_identity_numbers_is_not_a_roster(tmp_path):
    doc = docx.Document()
    t = doc.add_table(rows=3, cols=3)
    for r, row in enumerate([["姓名", "学历", "职称"], ["张伟", "本科", "工程师"], ["李娜", "大专", "工程师"]]):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    (tmp_path / "b").mkdir()
    doc.save(tmp_path / "b" / "名单.docx")
    assert _read(tmp_path / "b" / "名单.docx").kind is not DocumentKind.STAFF_ROSTER


def test_the_review_counts_the_word_roster_and_cites_its_table(tmp_path):
    folder = tmp_path / "app"
    shutil.copytree(SAMPLE_DOCS / "app-01", folder)
    for xlsx in folder.glob("*.xlsx"):
        xlsx.unlink()  # app-01's roster workbook: the Word roster stands in its place
    _roster_docx(folder / "人员名册.docx")
    report = review_applicant(folder)
    t2 = next(c for c in report.checks if c.id == "T2")
    assert t2.values["om_staff_count"] == 6 and t2.values["college_or_above_count"] == 5
    assert t2.status == "fail"  # six people read, fewer than 50: a count that was found, not a miss
    assert (t2.evidence[0].file, t2.evidence[0].table, t2.evidence[0].sheet) == ("人员名册.docx", 0, None)


@pytest.mark.parametrize("cell", ["D5", "B5"])
def test_the_dashboard_shows_a_word_roster_row_under_its_header_masked(tmp_path, cell):
    (tmp_path / "c").mkdir()
    path = _roster_docx(tmp_path / "c" / "名册.docx")
    window = docx_table_window(path, "名册.docx", 0, cell, RULES)
    header = [c.text for row in window.rows for c in row.cells if c.header]
    assert header == ["序号", "姓名", "性别", "身份证号码", "学历学位", "技术职称", "所学专业", "岗位", "运维工作年限"]
    texts = [c.text for row in window.rows for c in row.cells]
    assert "运维技术人员名册" not in texts  # the title row above the header is not shown
    for person in PEOPLE:  # the title row is no heading: the names under the header are still masked
        assert person["name"] not in texts and person["id"] not in texts
    assert mask_id_number(PEOPLE[1]["id"]) in texts
