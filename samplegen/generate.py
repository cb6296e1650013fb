"""Write every sample packet and its golden outcome; all bytes depend only on the seed."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from . import attachments, formats
from .form_docx import write_form
from .oracle import expected_batch
from .params import FISCAL_YEARS, Applicant
from .roster_xlsx import write_project_list, write_roster
from .scan import scan_pdf
from .scenarios import build_all
from .statement_pdf import write_statement

ZIP_TIME = (2012, 5, 20, 9, 30, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_ID = re.compile(r"app-\d+")


def normalise_zip(path: Path) -> None:
    """Rewrite an OOXML zip with fixed member times and a fixed modified stamp, so its bytes are stable."""
    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members:
            if name == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>2012-05-20T09:30:00Z\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(info, data)


def _readme(a: Applicant) -> str:
    return (f"{a.facts.name}申报材料说明\n\n1. 本次提交的材料均为电子版，纸质原件备查。\n"
            "2. 各年度审计报告、人员名册及合同清单均已按要求提供。\n3. 如有疑问请与我公司综合部联系。\n")


def write_statement_file(a: Applicant, year: int, folder: Path) -> None:
    """The year's statement: a PDF drawn with a text layer, then scanned when the layout says so, or photographed
    one JPEG a page."""
    path = folder / a.files.statements[year]
    style = a.layout.scan(year)
    if style is None and year not in a.layout.photos:
        write_statement(a, year, path)
        return
    with tempfile.TemporaryDirectory() as tmp:
        drawn = Path(tmp) / "drawn.pdf"
        write_statement(a, year, drawn)
        if year in a.layout.photos:
            pages = a.files.photo_pages(year, a.layout.statement.pages)
            formats.photograph(drawn, [folder / name for name in pages], seed=f"photo:{a.id}:{year}")
        else:
            assert style is not None
            scan_pdf(drawn, path, style, seed=f"scan:{a.id}:{year}")


def _office(path: Path, modern: str, write: Callable[[Path], None]) -> None:
    """Write the document as .docx/.xlsx (``modern``), then in the format ``path``'s suffix names when another."""
    drawn = path.with_suffix(modern)
    write(drawn)
    normalise_zip(drawn)
    if drawn != path:
        formats.convert(drawn, path)


def write_packet(a: Applicant, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _office(folder / a.files.form, ".docx", lambda path: write_form(a, path))
    for year in FISCAL_YEARS:
        if a.has_statement(year):
            write_statement_file(a, year, folder)
    if a.has_roster:
        _office(folder / a.files.roster, ".xlsx", lambda path: write_roster(a, path))
    if a.files.project_list:
        write_project_list(a, folder / a.files.project_list)
        normalise_zip(folder / a.files.project_list)
    if a.files.readme:
        (folder / a.files.readme).write_text(_readme(a), encoding="utf-8")
    attachments.write(a, folder)
    for path in sorted(folder.glob("*.docx")):
        if a.attachments is not None and path.name in a.attachments.names():
            normalise_zip(path)
    if a.files.archive:
        formats.zip_gbk(folder, a.files.archive)


def golden_text(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"


def expected_outcomes(seed: int) -> dict[str, str]:
    """Applicant id -> golden JSON text, computed in memory."""
    return {r["applicant_id"]: golden_text(r) for r in expected_batch(build_all(seed))}


def write_all(out: Path, golden: Path, seed: int) -> list[Applicant]:
    """Wipe the generated packets and golden files, then write them again."""
    applicants = build_all(seed)
    out.mkdir(parents=True, exist_ok=True)
    golden.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.is_dir() and _ID.fullmatch(old.name):
            shutil.rmtree(old)
    for old in golden.glob("app-*.json"):
        old.unlink()
    for a in applicants:
        write_packet(a, out / a.id)
    for result in expected_batch(applicants):
        (golden / f"{result['applicant_id']}.json").write_text(golden_text(result), encoding="utf-8")
    return applicants
