"""Verdicts on layouts nobody chose: every sample applicant written through ``samplegen.layouts.fuzz``
with a seed of your choosing, reviewed in process, and compared with the oracle's expected outcome.

    .venv/bin/python scripts/measure_layouts.py --seed unseen-2026-12-04 --per-app 2

Prints one line per wrong applicant and a last line ``verdicts R/N, check statuses r/n``. Statements are
written with a text layer (OCR is measured by ``bench_ocr.py``). Measurements are kept in docs/testing.md.

``--print form roster`` sends those documents as applicants print them: each is converted to PDF by LibreOffice
(``soffice``, default page set-up) and the original taken out of the folder, so the PDF readers are measured on
every fuzzed layout of the Word form and the roster workbook. With ``--scan`` those prints are sent scanned
instead (``samplegen.scan``: an image-only PDF, its dpi, skew, colour, noise and JPEG quality drawn from the seed), so
the OCR readers of a scanned form and roster are measured end to end. A check a doubtful OCR reading sends to a
reviewer counts as such (``review`` where the oracle expects ``pass`` or ``fail``: listed, counted apart).
"""
from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from omreview.extractors import read_document
from omreview.model import DocumentKind
from omreview.packet import load_packet
from omreview.review import review_applicant
from omreview.rules import default_rules
from samplegen import layouts
from samplegen.generate import write_packet
from samplegen.oracle import expected_batch
from samplegen.params import ScanStyle
from samplegen.scan import scan_pdf
from samplegen.scenarios import build_all

_PRINTED = {"form": DocumentKind.APPLICATION_FORM, "roster": DocumentKind.STAFF_ROSTER}


def _print_to_pdf(folder: Path, kinds: set[DocumentKind], profile: Path, scan_seed: str | None = None) -> None:
    """Each document of ``kinds`` in ``folder`` replaced by its print to PDF (LibreOffice, default page set-up), or by
    that print scanned (``scan_seed``: the scan's style is drawn from it and the file's name)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("--print needs LibreOffice (soffice) on the PATH")
    rules = default_rules()
    for pf in load_packet(folder, rules).files:
        if pf.path.parent != folder or pf.path.suffix.lower() == ".pdf" or read_document(pf, rules).kind not in kinds:
            # a document inside an archive stays as written
            continue
        out = folder / "printed"
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), str(pf.path)], check=True, capture_output=True, timeout=300)
        printed = out / (pf.path.stem + ".pdf")
        pf.path.unlink()
        if scan_seed is None:
            printed.rename(pf.path.with_suffix(".pdf"))
        else:
            rng = random.Random(f"{scan_seed}:{pf.rel}")
            style = ScanStyle(dpi=rng.choice((150, 200)), skew=round(rng.uniform(-1.5, 1.5), 2),
                              color=rng.random() < 0.5, quality=rng.choice((40, 55, 70)), noise=rng.uniform(2, 6),
                              seal_signature=False)
            scan_pdf(printed, pf.path.with_suffix(".pdf"), style, f"{scan_seed}:{pf.rel}")
            printed.unlink()
        out.rmdir()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", default="unseen", help="any text; the same seed writes the same layouts")
    ap.add_argument("--per-app", type=int, default=2, help="fuzzed layouts per sample applicant")
    ap.add_argument("--only", nargs="*", default=None, help="sample ids (app-01 …); all when omitted")
    ap.add_argument("--print", nargs="*", default=[], choices=sorted(_PRINTED), dest="printed",
                    help="documents sent printed to PDF (LibreOffice) instead of as written")
    ap.add_argument("--scan", action="store_true", help="the printed documents sent scanned (image-only PDF)")
    args = ap.parse_args()
    rules = default_rules()
    rules = rules.model_copy(update={"limits": rules.limits.model_copy(update={"isolate_documents": False})})
    apps = [layouts.round_books(a, Decimal(10_000)) for a in build_all(2012)]
    if args.only:
        apps = [a for a in apps if a.id in args.only]
    right = total = checks_right = checks_total = reviewed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for a in apps:
            exp = expected_batch([a])[0]
            for i in range(args.per_app):
                fuzzed = replace(a, layout=layouts.fuzz(random.Random(f"{args.seed}:{a.id}:{i}"), a.layout, units=True))
                fuzzed = replace(fuzzed, layout=replace(fuzzed.layout, scans=()))
                folder = Path(tmp) / f"{a.id}-{i}"
                write_packet(fuzzed, folder)
                if args.printed:
                    _print_to_pdf(folder, {_PRINTED[k] for k in args.printed}, Path(tmp) / "profile",
                                  f"{args.seed}:{a.id}:{i}" if args.scan else None)
                report = review_applicant(folder, rules=rules)
                got = {c.id: c.status.value for c in report.checks}
                wrong = {k: (got.get(k), v) for k, v in exp["checks"].items() if got.get(k) != v}
                total += 1
                right += report.verdict.value == exp["verdict"]
                checks_total += len(exp["checks"])
                checks_right += len(exp["checks"]) - len(wrong)
                reviewed += sum(1 for g, e in wrong.values() if g == "review" and e in ("pass", "fail"))
                if wrong or report.verdict.value != exp["verdict"]:
                    print(a.id, i, report.verdict.value, "expected", exp["verdict"], "checks (got, expected):", wrong,
                          flush=True)
    printed = f" ({' and '.join(args.printed)} {'printed and scanned' if args.scan else 'printed to PDF'})" \
        if args.printed else ""
    print(f"seed {args.seed}{printed}: verdicts {right}/{total}, check statuses {checks_right}/{checks_total} "
          f"(of the others, {reviewed} sent to a reviewer where the oracle has pass or fail)")
    return 0 if right == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
