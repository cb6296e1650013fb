"""Refresh the lock: ``python scripts/lock.py`` (from the project's .venv, which has uv).

``requirements/lock.txt`` holds the exact version and the sha256 of every package the README's two
commands and ``.ci/run`` install (the application, every extra and the dev tools), resolved for every
platform and Python the project supports (uv's universal resolution). It is made from

- ``pyproject.toml`` with all its extras: the ranges omreview accepts as a library;
- ``requirements/build.in``: setuptools, which builds omreview itself;
- ``requirements/pins.txt``: constraints the lock must keep, with the reason for each (OCR).

Packages already in the lock keep their version unless ``--upgrade`` (everything) or
``--upgrade-package NAME`` (one) is given; then run the tests and commit the lock with what changed.
Why uv rather than pip-tools: one resolution valid on Linux x86_64 and aarch64 and every supported
Python with the hashes of each wheel, in a second rather than minutes; the lock it writes is a plain
requirements file, so installing from it needs only pip (``pip install --require-hashes``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
SOURCES = ("pyproject.toml", "requirements/build.in")
PINS = "requirements/pins.txt"


def uv() -> str:
    here = Path(sys.executable).parent / "uv"
    found = str(here) if here.exists() else shutil.which("uv")
    if found is None:
        sys.exit("uv is not installed: run this with the project's .venv/bin/python (uv is a dev dependency)")
    return found


def compile_command(output: Path, *, pins: bool = True, extra: list[str] | None = None) -> list[str]:
    """The uv command that writes a lock of the project's requirements to ``output``."""
    command = [uv(), "pip", "compile", *SOURCES, "--all-extras", "--universal", "--python-version", "3.11",
               "--generate-hashes", "--no-header", "--quiet", "-o", str(output)]
    if pins:
        command += ["-c", PINS]
    return command + (extra or [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="resolve every package anew (newest allowed)")
    parser.add_argument("--upgrade-package", action="append", default=[], metavar="NAME",
                        help="let this package move to its newest allowed release (repeatable)")
    args = parser.parse_args()
    extra = ["--upgrade"] if args.upgrade else []
    for name in args.upgrade_package:
        extra += ["--upgrade-package", name]
    subprocess.run(compile_command(LOCK, extra=extra), cwd=ROOT, check=True)
    print(f"wrote {LOCK.relative_to(ROOT)}: run the tests, then commit it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
