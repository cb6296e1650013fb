"""``python -m samplegen --out sample_docs --golden tests/golden/samples [--seed 2012]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .generate import write_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="samplegen", description="Write synthetic applicant packets and "
                                     "their expected outcomes (wipes the previously generated ones).")
    parser.add_argument("--out", type=Path, default=Path("sample_docs"), help="folder for the packets")
    parser.add_argument("--golden", type=Path, default=Path("tests/golden/samples"),
                        help="folder for the expected outcomes")
    parser.add_argument("--seed", type=int, default=2012)
    args = parser.parse_args(argv)
    applicants = write_all(args.out, args.golden, args.seed)
    print(f"wrote {len(applicants)} packets to {args.out} and their outcomes to {args.golden}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
