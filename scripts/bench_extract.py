"""Time the statement PDF reader against a pypdfium2 full-text pass (the floor), per PDF.

``python scripts/bench_extract.py [PDF or folder ...] [--repeat 3]``

Defaults: every PDF of ../shared/realdocs/pdf and sample_docs, plus three 40-page audited statements
cut from the real annual reports (审计报告 + statements + notes, written to a temporary folder), which
is what an applicant's 审计报告 PDF usually looks like. For each PDF: pages, seconds for
``omreview.extractors.pdf.statement.extract`` with each position engine (``pdf.statement.positions``: pdfplumber,
pdfium), seconds for opening the PDF and reading every page's text with pypdfium2, and the ratios; then
the position engines alone: CPU milliseconds a page for ``pages.plumber_lines`` and ``pages.pdfium_lines``
over every page with a text layer, their ratio, and how many pages pdfium handed to pdfplumber
(``pages.pdfium_pages``). Times are process CPU seconds (best of ``--repeat``), so other load on the machine
blurs them less. Prints numbers; it is not a test. ``--write`` puts the per-page table and its summary,
with the machine and the date, into the ``bench:extract`` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from perfdoc import write_section  # noqa: E402

from omreview.errors import DocumentError  # noqa: E402
from omreview.extractors.pdf.pages import pdfium_lines, pdfium_pages, plumber_lines, read_texts  # noqa: E402
from omreview.extractors.pdf.statement import extract  # noqa: E402
from omreview.packet import PacketFile, sha256_file  # noqa: E402
from omreview.rules import Rules, default_rules  # noqa: E402

REALDOCS = ROOT.parent / "shared" / "realdocs" / "pdf"
SAMPLES = ROOT / "sample_docs"
# 40 pages from the auditor's report on: (annual report, first page)
CUTS = (("jinhua_ar2024.pdf", 75), ("sifang_ar2019.pdf", 56), ("jinyu_ar2020.pdf", 63))
ENGINES = ("pdfplumber", "pdfium")
_T = TypeVar("_T")


def with_positions(engine: str) -> Rules:
    rules = default_rules()
    pdf = rules.labels.statement_pdf.model_copy(update={"positions": engine})
    return rules.model_copy(update={"labels": rules.labels.model_copy(update={"statement_pdf": pdf})})


def cpu(fn: Callable[[], _T], repeat: int) -> tuple[float, _T | None]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        best = min(best, time.process_time() - start)
    return best, result


def floor(path: Path) -> None:
    """Open the PDF and read every page's text with pypdfium2."""
    pdf = pdfium.PdfDocument(path)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        pdf.close()


def ours(pf: PacketFile, rules: Rules) -> str:
    try:
        ex = extract(pf, rules)
    except DocumentError as exc:
        return f"DocumentError: {exc}"
    return f"{ex.kind.value} {ex.fiscal_year or ''}".strip() + (f" error: {ex.error}" if ex.error else "")


def cut_statements(folder: Path) -> list[Path]:
    """40-page audited statements (report, statements, notes) cut from the real annual reports."""
    out = []
    for name, first in CUTS:
        source = REALDOCS / name
        if not source.is_file():
            continue
        src = pdfium.PdfDocument(source)
        new = pdfium.PdfDocument.new()
        new.import_pages(src, list(range(first - 1, first + 39)))
        path = folder / f"{Path(name).stem}_p{first}-{first + 39}.pdf"
        new.save(path)
        new.close()
        src.close()
        out.append(path)
    return out


def pdfs(args: list[str], folder: Path) -> list[tuple[Path, Path]]:
    if not args:
        found = [(p, REALDOCS) for p in sorted(REALDOCS.glob("*.pdf"))]
        found += [(p, folder) for p in cut_statements(folder)]
        return found + [(p, SAMPLES) for p in sorted(SAMPLES.rglob("*.pdf"))]
    out = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            out += [(p, path) for p in sorted(path.rglob("*.pdf"))]
        elif path.is_file():
            out.append((path, path.parent))
    return out


def engines_per_page(path: Path, repeat: int) -> tuple[int, float, float, int]:
    """(text-layer pages, CPU ms a page with pdfplumber, with pdfium, pages pdfium handed to pdfplumber)."""
    pages = [n for n, text in enumerate(read_texts(path), start=1) if text.strip()]
    if not pages:
        return 0, 0.0, 0.0, 0
    chunks = [pages[at:at + 10] for at in range(0, len(pages), 10)]  # each call within the reader's time budget
    plumber, _ = cpu(lambda: [plumber_lines(path, chunk) for chunk in chunks], repeat)
    pdfium, _ = cpu(lambda: [pdfium_lines(path, chunk) for chunk in chunks], repeat)
    handed = sum(len(pdfium_pages(path, chunk)[1]) for chunk in chunks)
    return len(pages), 1000 * plumber / len(pages), 1000 * pdfium / len(pages), handed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines-only", action="store_true", help="only the position engines, a page at a time")
    parser.add_argument("--write", action="store_true", help="write the bench:extract section of docs/performance.md")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        found = pdfs(args.paths, Path(tmp))
        if not args.engines_only:
            whole(found, args.repeat)
        rows, summary = per_page(found, args.repeat)
    if args.write:
        machine = (f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load {load:.1f} at the start and "
                   f"{os.getloadavg()[0]:.1f} at the end (other helpers' work); CPU seconds, best of {args.repeat}")
        write_section("extract", [
            f"`python scripts/bench_extract.py --engines-only --write` ({machine}). Each position engine alone "
            "(`pages.plumber_lines`, `pages.pdfium_lines`) over every page with a text layer:", "",
            "| PDF | text pages | pdfplumber ms/page | pdfium ms/page | pdfplumber / pdfium | pages pdfium handed "
            "to pdfplumber |", "|---|---|---|---|---|---|", *rows, "", summary])


def per_page(found: list[tuple[Path, Path]], repeat: int) -> tuple[list[str], str]:
    """CPU a page of each position engine alone, every page with a text layer; (markdown rows, summary)."""
    print(f"\n{'pdf':40} {'pages':>5} {'plumber ms/p':>12} {'pdfium ms/p':>11} {'ratio':>6} {'handed':>6}")
    total = {"pages": 0, "plumber": 0.0, "pdfium": 0.0, "handed": 0}
    rows: list[str] = []
    for path, root in found:
        pages, plumber, pdfium, handed = engines_per_page(path, repeat)
        if not pages:
            continue
        total["pages"] += pages
        total["plumber"] += plumber * pages
        total["pdfium"] += pdfium * pages
        total["handed"] += handed
        ratio = plumber / pdfium if pdfium else float("inf")
        rel = path.relative_to(root).as_posix()
        print(f"{rel[-40:]:40} {pages:5d} {plumber:12.1f} {pdfium:11.1f} {ratio:6.1f} {handed:6d}", flush=True)
        rows.append(f"| {rel} | {pages} | {plumber:.1f} | {pdfium:.1f} | {ratio:.1f} | {handed} |")
    summary = "no page with a text layer"
    if total["pages"]:
        plumber, pdfium = total["plumber"] / total["pages"], total["pdfium"] / total["pages"]
        summary = (f"All {total['pages']} text-layer pages: pdfplumber {plumber:.1f} ms a page, pdfium {pdfium:.1f} ms "
                   f"a page (**{plumber / pdfium:.1f}x** faster); {total['handed']} pages handed to pdfplumber.")
    print(summary)
    return rows, summary


def whole(found: list[tuple[Path, Path]], repeat: int) -> None:
    """The statement reader with each engine against the floor, per PDF."""
    rules = {engine: with_positions(engine) for engine in ENGINES}
    print(f"{'pdf':40} {'pages':>5} {'floor s':>8} {'plumber s':>9} {'ratio':>6} {'pdfium s':>8} {'ratio':>6}  outcome")
    ratios: dict[str, list[float]] = {e: [] for e in ENGINES}
    for path, root in found:
        with pdfium.PdfDocument(path) as pdf:
            pages = len(pdf)
        rel = path.relative_to(root).as_posix()
        pf = PacketFile(rel=rel, path=path, size=path.stat().st_size, sha256=sha256_file(path))
        floor_s, _ = cpu(partial(floor, path), repeat)
        row: list[str] = []
        outcome: str | None = ""
        for engine in ENGINES:
            seconds, outcome = cpu(partial(ours, pf, rules[engine]), repeat)
            ratio = seconds / floor_s if floor_s else float("inf")
            ratios[engine].append(ratio)
            row.append(f"{seconds:9.3f} {ratio:6.1f}" if engine == "pdfplumber" else f"{seconds:8.3f} {ratio:6.1f}")
        print(f"{rel[-40:]:40} {pages:5d} {floor_s:8.3f} {' '.join(row)}  {outcome}", flush=True)
    for engine, values in ratios.items():
        if values:
            print(f"{engine}: median ratio {statistics.median(values):.1f} over {len(values)} PDFs")


if __name__ == "__main__":
    main()
