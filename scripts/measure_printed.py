"""The PDF readers on prints of layouts nobody chose: every sample applicant written through ``samplegen.layouts.fuzz``
with a seed of your choosing, its 申报表 and its 人员名册 printed to PDF by LibreOffice (default page set-up), each
print read as a PDF and compared with the reading of the document it was printed from.

    .venv/bin/python scripts/measure_printed.py --seed printed-2026-12-06-d

Prints one line per print read differently, then ``forms: fields same S, not read M, different D`` (every field of
the form record, values only) and ``rosters: same people P, different Q, not read U``. A field or a roster not read
is missing in the review (``missing``/``incomplete``); a different one is a reading error. Needs ``soffice``.

``--scan`` sends each print scanned instead (``samplegen.scan``: an image-only PDF at 150-200 dpi, skewed, noisy,
JPEG, grey or colour, drawn from the seed) and counts the different fields read with a character below the OCR
confidence floor apart: the review shows those as ``review``, not as read (``different, doubtful D2``).
Measurements are kept in docs/testing.md.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from omreview.extractors import read_document
from omreview.model import DocumentKind
from omreview.packet import PacketFile, load_packet
from omreview.records import FormRecord, RosterRecord
from omreview.rules import default_rules
from samplegen import layouts
from samplegen.generate import write_packet
from samplegen.params import ScanStyle
from samplegen.scan import scan_pdf
from samplegen.scenarios import build_all


def _values(record: FormRecord) -> dict[str, Any]:
    """The form record's values, without where they were read."""
    def strip(o: Any) -> Any:
        if isinstance(o, dict):
            return {k: strip(v) for k, v in o.items() if k not in ("source", "stated_none", "table_count")}
        if isinstance(o, list):
            return [strip(v) for v in o]
        return o
    data: dict[str, Any] = strip(json.loads(record.model_dump_json()))
    data.pop("warnings", None)
    return data


def _confidences(o: Any) -> list[Decimal]:
    """Every OCR confidence of the sources in a field of a record dumped as JSON."""
    if isinstance(o, dict):
        own = [Decimal(o["confidence"])] if o.get("confidence") is not None else []
        return own + [c for v in o.values() for c in _confidences(v)]
    if isinstance(o, list):
        return [c for v in o for c in _confidences(v)]
    return []


def _diff(want: Any, got: Any, at: str = "") -> list[str]:
    """Where two values differ, leaf by leaf (``[2].name: 'a' → 'b'``)."""
    if isinstance(want, dict) and isinstance(got, dict):
        return [d for k in want.keys() | got.keys() for d in _diff(want.get(k), got.get(k), f"{at}.{k}")]
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (w, g) in enumerate(zip(want, got, strict=True)) for d in _diff(w, g, f"{at}[{i}]")]
    if want == got:
        return []
    return [f"{at}: {json.dumps(want, ensure_ascii=False)} → {json.dumps(got, ensure_ascii=False)}"]


def _scanned(pdf: Path, seed: str) -> Path:
    """The print scanned: a style drawn from the seed."""
    rng = random.Random(seed)
    style = ScanStyle(dpi=rng.choice((150, 200)), skew=round(rng.uniform(-1.5, 1.5), 2), color=rng.random() < 0.5,
                      quality=rng.choice((40, 55, 70)), noise=rng.uniform(2, 6), seal_signature=False)
    out = pdf.with_name(pdf.stem + "-scan.pdf")
    scan_pdf(pdf, out, style, seed)
    return out


def _people(record: RosterRecord) -> list[tuple[str, str, str]]:
    return [(r.name, r.id_number, r.education.value) for r in record.rows]


def _print(soffice: str, source: Path, out: Path, profile: Path) -> Path:
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=300)
    return out / (source.stem + ".pdf")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", default="printed", help="any text; the same seed writes the same layouts")
    ap.add_argument("--only", nargs="*", default=None, help="sample ids (app-01 …); all when omitted")
    ap.add_argument("--scan", action="store_true", help="send each print scanned (image-only PDF)")
    args = ap.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("needs LibreOffice (soffice) on the PATH")
    rules = default_rules()
    floor = rules.labels.statement_pdf.ocr.min_confidence
    apps = [layouts.round_books(a, Decimal(10_000)) for a in build_all(2012)]
    if args.only:
        apps = [a for a in apps if a.id in args.only]
    fields = {"same": 0, "not read": 0, "different": 0, "doubtful": 0}
    rosters = {"same": 0, "different": 0, "not read": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for a in apps:
            fuzzed = replace(a, layout=layouts.fuzz(random.Random(f"{args.seed}:{a.id}:0"), a.layout, units=True))
            fuzzed = replace(fuzzed, layout=replace(fuzzed.layout, scans=()))
            folder = Path(tmp) / a.id
            write_packet(fuzzed, folder)
            for pf in load_packet(folder, rules).files:
                if pf.path.parent != folder or pf.path.suffix.lower() == ".pdf":
                    continue  # inside an archive, or no office document
                written = read_document(pf, rules)
                if written.kind not in (DocumentKind.APPLICATION_FORM, DocumentKind.STAFF_ROSTER):
                    continue
                pdf = _print(soffice, pf.path, Path(tmp) / "pdf" / a.id, Path(tmp) / "profile")
                if args.scan:
                    pdf = _scanned(pdf, f"{args.seed}:{a.id}:{pf.rel}")
                printed = read_document(PacketFile(rel=pdf.name, path=pdf, sha256=None, size=None), rules)
                if isinstance(written.record, FormRecord):
                    want = _values(written.record)
                    got = _values(printed.record) if isinstance(printed.record, FormRecord) else {}
                    dumped = json.loads(printed.record.model_dump_json()) if printed.record is not None else {}
                    for key, value in want.items():
                        if got.get(key) == value:
                            fields["same"] += 1
                        elif got.get(key) in (None, []):
                            fields["not read"] += 1
                            print(a.id, pf.rel, "form field not read:", key, flush=True)
                        else:
                            doubtful = any(c < floor for c in _confidences(dumped.get(key)))
                            fields["doubtful" if doubtful else "different"] += 1
                            print(a.id, pf.rel, "form field different" + (" (doubtful)" if doubtful else "") + ":",
                                  key, "; ".join(_diff(value, got[key]))[:600], flush=True)
                elif isinstance(written.record, RosterRecord):
                    if not isinstance(printed.record, RosterRecord):
                        rosters["not read"] += 1
                    elif _people(printed.record) == _people(written.record):
                        rosters["same"] += 1
                    else:
                        rosters["different"] += 1
                        print(a.id, pf.rel, "roster read differently:", len(written.record.rows), "people →",
                              len(printed.record.rows), flush=True)
    print(f"seed {args.seed}{' (scanned)' if args.scan else ''}: forms: fields same {fields['same']}, "
          f"not read {fields['not read']}, different {fields['different']}, different doubtful {fields['doubtful']}; "
          f"rosters: same people {rosters['same']}, "
          f"different {rosters['different']}, not read {rosters['not read']}")
    return 0 if fields["different"] == 0 and rosters["different"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
