"""Read every text-layer page with both position engines and print every difference.

``python scripts/crosscheck_engines.py [PDF or folder ...] [--tolerance 0.005] [--no-records]``

Defaults: every PDF of sample_docs (those inside a .zip applicant too) and of ../shared/realdocs/pdf. For each
PDF, every page with a text layer (an image-only page, whose text pass is empty, is skipped: OCR reads it
whichever the engine) is read by
``pages.plumber_lines`` and ``pages.pdfium_lines`` (the pages it hands to pdfplumber are named, with the
reason); the two lists of ``Line`` must hold the same lines in
the same order, with the same text, and every character's box within ``--tolerance`` points. Then the
statement reader (``pdf.statement.extract``) reads the PDF once with each engine (``pdf.statement.positions``)
and the two extractions (kind, year, error, warnings and the record: every value with its source, page and
box) must be equal. Each difference is printed on a line of its own; the last line counts them, and the
exit status is 1 when there is any.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from omreview.errors import DocumentError  # noqa: E402
from omreview.extractors.pdf.pages import Line, pdfium_pages, plumber_lines, read_texts  # noqa: E402
from omreview.extractors.pdf.statement import extract  # noqa: E402
from omreview.packet import PacketFile, sha256_file  # noqa: E402
from omreview.rules import Rules, default_rules  # noqa: E402

REALDOCS = ROOT.parent / "shared" / "realdocs" / "pdf"
SAMPLES = ROOT / "sample_docs"
ENGINES = ("pdfplumber", "pdfium")
CHUNK = 10


def with_positions(engine: str) -> Rules:
    """The shipped rules with ``pdf.statement.positions`` set to ``engine``."""
    rules = default_rules()
    pdf = rules.labels.statement_pdf.model_copy(update={"positions": engine})
    return rules.model_copy(update={"labels": rules.labels.model_copy(update={"statement_pdf": pdf})})


def zipped_pdfs(folder: Path, into: Path) -> Iterator[tuple[Path, str]]:
    """The PDFs inside the .zip files of ``folder``, written to ``into``; (path, name shown)."""
    for archive in sorted(folder.rglob("*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for n, info in enumerate(zf.infolist()):
                if info.filename.lower().endswith(".pdf"):
                    path = into / f"{archive.stem}-{n}.pdf"
                    path.write_bytes(zf.read(info))
                    yield path, f"{archive.relative_to(folder).as_posix()}!/{n}.pdf"


def pdfs(args: list[str], tmp: Path) -> list[tuple[Path, str]]:
    """(path, name shown) of every PDF to check."""
    if not args:
        found = [(p, f"realdocs/{p.name}") for p in sorted(REALDOCS.glob("*.pdf"))]
        found += [(p, p.relative_to(SAMPLES).as_posix()) for p in sorted(SAMPLES.rglob("*.pdf"))]
        return found + list(zipped_pdfs(SAMPLES, tmp))
    out: list[tuple[Path, str]] = []
    for arg in map(Path, args):
        if arg.is_dir():
            out += [(p, p.as_posix()) for p in sorted(arg.rglob("*.pdf"))]
        elif arg.is_file():
            out.append((arg, arg.as_posix()))
    return out


def _box(box: tuple[float, ...] | None) -> str:
    return "-" if box is None else "(" + ", ".join(f"{v:.3f}" for v in box) + ")"


def line_differences(page: int, plumber: list[Line], pdfium: list[Line], tolerance: float) -> Iterator[str]:
    """Each way the two engines' lines of one page differ."""
    for index in range(max(len(plumber), len(pdfium))):
        a = plumber[index] if index < len(plumber) else None
        b = pdfium[index] if index < len(pdfium) else None
        if a is None or b is None or a.text != b.text:
            yield (f"p{page} line {index}: text\n    pdfplumber {a.text if a else None!r}\n"
                   f"    pdfium     {b.text if b else None!r}")
            continue
        for at, (x, y) in enumerate(zip(a.boxes, b.boxes, strict=True)):
            apart = x and y and max(abs(u - v) for u, v in zip(x, y, strict=True)) > tolerance
            if (x is None) != (y is None) or apart:
                yield (f"p{page} line {index} char {at} {a.text[at]!r} of {a.text.strip()[:40]!r}: box "
                       f"pdfplumber {_box(x)} pdfium {_box(y)}")
                break  # one box a line: the rest usually follow


def _extraction(pf: PacketFile, rules: Rules) -> dict[str, Any]:
    """What the statement reader gave, as plain data (the record with every source)."""
    try:
        ex = extract(pf, rules)
    except DocumentError as exc:
        return {"error": f"DocumentError: {exc}"}
    return {"kind": ex.kind.value, "certificate_type": str(ex.certificate_type), "fiscal_year": ex.fiscal_year,
            "ocr": ex.ocr, "errors": [str(e) for e in ex.errors],
            "record": ex.record.model_dump(mode="json") if ex.record is not None else None}


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"current.equity.source.bbox": [...], ...}``: a nested value by its leaves."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    if isinstance(value, list) and value and isinstance(value[0], dict | list):
        return {k: v for n, item in enumerate(value) for k, v in _flat(item, f"{prefix}{n}.").items()}
    return {prefix.rstrip("."): value}


def record_differences(pf: PacketFile) -> Iterator[str]:
    """Each field in which the two engines' extractions of one PDF differ."""
    plumber, pdfium = (_flat(_extraction(pf, with_positions(engine))) for engine in ENGINES)
    for key in sorted(plumber.keys() | pdfium.keys()):
        if plumber.get(key) != pdfium.get(key):
            yield (f"record {key}: pdfplumber {json.dumps(plumber.get(key), ensure_ascii=False)} "
                   f"pdfium {json.dumps(pdfium.get(key), ensure_ascii=False)}")


def check(path: Path, name: str, tolerance: float, records: bool) -> tuple[int, int, int]:
    """Print the differences of one PDF; (pages compared, pages pdfium handed to pdfplumber, differences)."""
    texts = read_texts(path)
    pages = [n for n, text in enumerate(texts, start=1) if text.strip()]
    plumber: dict[int, list[Line]] = {}
    pdfium: dict[int, list[Line]] = {}
    handed: dict[int, str] = {}
    for at in range(0, len(pages), CHUNK):  # each call has the reader's time budget: a few pages at a time
        plumber |= plumber_lines(path, pages[at:at + CHUNK])
        lines, fallback = pdfium_pages(path, pages[at:at + CHUNK])
        pdfium |= lines | plumber_lines(path, list(fallback))  # what pdfium_lines gives
        handed |= fallback
    found = [f for p in pages for f in line_differences(p, plumber.get(p, []), pdfium.get(p, []), tolerance)]
    if records:
        pf = PacketFile(rel=name, path=path, size=path.stat().st_size, sha256=sha256_file(path))
        found += record_differences(pf)
    skipped = len(texts) - len(pages)
    print(f"{name}: {len(pages)} pages compared{f', {skipped} image-only skipped' if skipped else ''}, "
          f"{len(handed)} read by pdfplumber for pdfium, {len(found)} differences", flush=True)
    for page, why in sorted(handed.items()):
        print(f"  p{page} read by pdfplumber: {why}")
    for line in found:
        print(f"  {line}")
    return len(pages), len(handed), len(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--tolerance", type=float, default=0.005, help="points a box may differ by (default 0.005)")
    parser.add_argument("--no-records", action="store_true", help="compare the lines only, not the records")
    args = parser.parse_args()
    pages = handed = differences = files = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path, name in pdfs(args.paths, Path(tmp)):
            p, h, d = check(path, name, args.tolerance, not args.no_records)
            pages, handed, differences, files = pages + p, handed + h, differences + d, files + 1
    print(f"{differences} differences on {pages} pages of {files} PDFs ({handed} pages pdfium handed to pdfplumber)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
