"""Names as applicants give them (issue #19, 4): GBK bytes on disk (a Chinese Windows archive unpacked on Linux),
GBK names inside archives, full-width characters, spaces and very long names survive from the folder to
report.json, the results store, the dashboard's table and the exports; the file is opened by its real name."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document as open_docx
from typer.testing import CliRunner

from omreview import archives, cli
from omreview.dashboard.present import document_table
from omreview.errors import InputError
from omreview.exports import export_all
from omreview.intake import record
from omreview.packet import applicant_folders, applicant_id_of, load_packet, packet_hash
from omreview.review import review_applicant, review_packet
from omreview.rules import default_rules
from omreview.store import ResultStore
from tests.conftest import SAMPLE_DOCS

APP_01 = SAMPLE_DOCS / "app-01"
GBK_NAME = "审计报告 2010年度.pdf"  # written on disk as GBK bytes
ESCAPED = "\\xff\\xfe扫描 2011.pdf"  # bytes neither UTF-8 nor GBK, then UTF-8: escaped where undecodable
FULL_WIDTH = "２０１２年度　审计报告（全角） .pdf"
LONG = "运维能力评定申报表" * 9 + ".docx"  # 244 bytes in UTF-8: near the 255-byte limit of a name on disk
SPACES = "人员 名册  (2012).xlsx"
ZIPPED = "附件.zip!/证书/软件著作权 登记证书.pdf"  # its name in GBK inside the archive


def _write_raw(folder: bytes, name: bytes, data: bytes) -> None:
    fd = os.open(folder + b"/" + name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _gbk_zip(path: Path, name: str, data: bytes) -> None:
    """A zip whose one entry is named ``name`` in GBK bytes, the UTF-8 flag unset (as Chinese Windows writes)."""
    raw = name.encode("gbk")
    placeholder = "x" * len(raw)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(placeholder, data)
    path.write_bytes(buffer.getvalue().replace(placeholder.encode(), raw))


@pytest.fixture
def odd_names(tmp_path) -> Path:
    """Sample app-01's documents under hard names, in a folder whose own name is GBK bytes on disk."""
    intake = tmp_path / "intake"
    intake.mkdir()
    folder_raw = os.fsencode(intake) + b"/" + "公司Ａ 申报".encode("gbk")
    os.mkdir(folder_raw)
    _write_raw(folder_raw, GBK_NAME.encode("gbk"), (APP_01 / "资料1.pdf").read_bytes())
    _write_raw(folder_raw, b"\xff\xfe" + "扫描 2011.pdf".encode(), (APP_01 / "资料2.pdf").read_bytes())
    folder = Path(os.fsdecode(folder_raw))
    (folder / FULL_WIDTH).write_bytes((APP_01 / "资料3.pdf").read_bytes())
    (folder / LONG).write_bytes((APP_01 / "资料5.docx").read_bytes())
    (folder / SPACES).write_bytes((APP_01 / "资料7.xlsx").read_bytes())
    _gbk_zip(folder / "附件.zip", "证书/软件著作权 登记证书.pdf", b"%PDF-1.4\n%%EOF\n")
    return folder


def test_names_on_disk_are_shown_decoded_or_escaped():
    assert archives.shown_name("审计报告.pdf") == "审计报告.pdf"
    assert archives.shown_name(os.fsdecode("审计报告.pdf".encode("gbk"))) == "审计报告.pdf"
    assert archives.shown_name(os.fsdecode(b"\xff\xfe.pdf")) == "\\xff\\xfe.pdf"
    assert archives.shown_path(os.fsdecode("目录/".encode() + "文件.pdf".encode("gbk"))) == "目录/文件.pdf"


def test_a_folder_of_gbk_full_width_spaced_and_long_names_is_listed_hashed_and_read(odd_names):
    packet = load_packet(odd_names)

    assert packet.applicant_id == "公司Ａ 申报"
    assert sorted(f.rel for f in packet.files) == sorted([GBK_NAME, ESCAPED, FULL_WIDTH, LONG, SPACES, ZIPPED])
    assert all(f.ok and f.path.read_bytes() for f in packet.files)  # opened by the real names
    gbk = next(f for f in packet.files if f.rel == GBK_NAME)
    assert os.fsencode(gbk.path.name) == GBK_NAME.encode("gbk")
    packet_hash(packet)  # raised UnicodeEncodeError before

    report = review_packet(packet, dt.date(2012, 6, 1), default_rules()).report
    assert report.verdict is review_applicant(APP_01).verdict
    assert {d.file: d.kind.value for d in report.documents}[GBK_NAME] == "financial_statement"
    assert {d.file: d.kind.value for d in report.documents}[LONG] == "application_form"


def test_the_names_survive_into_report_store_page_and_exports(odd_names, tmp_path):
    out = tmp_path / "out"
    store = ResultStore(f"sqlite:///{out / 'omreview.sqlite'}")
    store.migrate()
    packet = load_packet(odd_names)
    report = review_packet(packet, dt.date(2012, 6, 1), default_rules()).report
    record(report, packet_hash(packet), out, store)

    written = json.loads((out / "公司Ａ 申报" / "report.json").read_text(encoding="utf-8"))
    names = [GBK_NAME, ESCAPED, FULL_WIDTH, LONG, SPACES, ZIPPED]
    assert sorted(d["file"] for d in written["documents"]) == sorted(names)
    with sqlite3.connect(out / "omreview.sqlite") as db:
        [(stored,)] = db.execute("select report from applicants").fetchall()
    assert sorted(d["file"] for d in json.loads(stored)["documents"]) == sorted(names)
    [entry] = store.latest_applicants()
    assert sorted(r["文件"] for r in document_table(entry.report)) == sorted(names)

    files = export_all(store, tmp_path / "exports")
    draft = open_docx(next(p for p in files if p.suffix == ".docx"))
    cells = {c.text for t in draft.tables for row in t.rows for c in row.cells}
    assert set(names) <= cells
    book = openpyxl.load_workbook(next(p for p in files if p.suffix == ".xlsx"))
    texts = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert "公司Ａ 申报" in texts
    store.close()


def test_the_intake_lists_gbk_named_applicants_and_loose_entries_decoded(tmp_path, odd_names):
    intake = odd_names.parent
    _write_raw(os.fsencode(intake), "说明.txt".encode("gbk"), b"x")
    empty = os.fsencode(intake) + b"/" + "空目录".encode("gbk")
    os.mkdir(empty)

    folders, loose = applicant_folders(intake)

    assert [applicant_id_of(f) for f in folders] == ["公司Ａ 申报", "空目录"]
    assert loose == ["说明.txt"]
    with pytest.raises(InputError) as refused:
        load_packet(Path(os.fsdecode(empty)))
    assert str(refused.value).endswith("/intake/空目录") and "applicant folder is empty" in str(refused.value)


def test_omreview_run_completes_on_a_folder_of_gbk_bytes_names_and_exports_them(odd_names, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(cli.app, ["run", str(odd_names), "--out", str(out), "--application-date", "2012-06-01"])
    assert result.exit_code == 0, result.output
    assert "公司Ａ 申报" in result.output

    report = json.loads((out / "公司Ａ 申报" / "report.json").read_text(encoding="utf-8"))
    assert GBK_NAME in [d["file"] for d in report["documents"]]
    assert report["verdict"] == review_applicant(APP_01).verdict.value
    with sqlite3.connect(out / "omreview.sqlite") as db:
        [(stored,)] = db.execute("select report from applicants").fetchall()
    assert {GBK_NAME, ESCAPED} <= {d["file"] for d in json.loads(stored)["documents"]}

    result = runner.invoke(cli.app, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [draft] = (out / "exports").rglob("*.docx")
    cells = {c.text for t in open_docx(draft).tables for row in t.rows for c in row.cells}
    assert {GBK_NAME, ESCAPED, FULL_WIDTH, LONG, SPACES, ZIPPED} <= cells


def test_omreview_batch_reviews_an_applicant_folder_named_in_gbk_bytes_and_a_zipped_one(odd_names, tmp_path):
    intake, out = odd_names.parent, tmp_path / "out"
    app_02 = SAMPLE_DOCS / "app-02"  # another applicant's staff: the batch rules find no shared 身份证号
    with zipfile.ZipFile(intake / "公司B.zip", "w") as zf:
        for f in sorted(app_02.iterdir()):
            zf.write(f, f"公司B/{f.name}")
    runner = CliRunner()
    result = runner.invoke(cli.app, ["batch", str(intake), "--out", str(out), "--application-date", "2012-06-01"])
    assert result.exit_code == 0, result.output

    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert [(a["applicant"], a["status"], a["verdict"]) for a in summary["applicants"]] == [
        ("公司B", "reviewed", review_applicant(app_02).verdict.value),
        ("公司Ａ 申报", "reviewed", review_applicant(APP_01).verdict.value)]
    zipped = json.loads((out / "公司B" / "report.json").read_text(encoding="utf-8"))
    first = sorted(app_02.iterdir())[0].name
    assert zipped["documents"][0]["file"] == f"公司B.zip!/公司B/{first}"
    # run again: nothing changed, nothing reviewed (the archive's files hash alike when unpacked anew)
    result = runner.invoke(cli.app, ["batch", str(intake), "--out", str(out), "--application-date", "2012-06-01"])
    assert result.exit_code == 0, result.output
    again = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert [a["status"] for a in again["applicants"]] == ["unchanged", "unchanged"]
