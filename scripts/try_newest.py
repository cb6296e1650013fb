"""Run the tests against the newest releases and say which package broke what (not run by CI).

    .venv/bin/python scripts/try_newest.py [--tier fast|full] [--keep DIR] [-- PYTEST ARGS]

1. A throw-away virtualenv gets the locked versions (requirements/lock.txt) and omreview.
2. uv resolves the project anew, ignoring the lock and requirements/pins.txt: the newest releases
   pyproject.toml's ranges allow. The packages whose version would change are listed.
3. All of them are installed and the tests run (the fast tier by default). If they pass, the upgrade
   is safe as far as the tests know: ``python scripts/lock.py --upgrade`` (and move the pins).
4. If tests fail, each changed package is tried alone on top of the lock, running only the failing
   tests, and the script prints which package breaks which test. An upgrade is a decision, not an
   accident: move a pin or fix the code, then refresh the lock.

Exit status: 0 when the newest releases pass, 1 when some test fails with them, 2 on a set-up error.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lock import LOCK, ROOT, compile_command

TIERS = {"fast": ["-m", "not slow"], "full": []}
_LINE = re.compile(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)")


def versions(path: Path) -> dict[str, str]:
    """name -> version of a requirements file written by uv (environment markers ignored)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _LINE.match(line)
        if m:
            out.setdefault(m.group(1).lower(), m.group(2))
    return out


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, text=True, **kwargs)


class Env:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.python = str(folder / "bin" / "python")

    def create(self) -> None:
        venv.create(self.folder, with_pip=True, clear=True)
        self.locked()
        self.pip("install", "-q", "--no-deps", "--no-build-isolation", "-e", str(ROOT))

    def locked(self) -> None:
        """Back to the lock's versions (pip moves only the packages that differ)."""
        self.pip("install", "-q", "--require-hashes", "-r", str(LOCK))

    def pip(self, *args: str) -> None:
        done = run([self.python, "-m", "pip", *args], capture_output=True)
        if done.returncode != 0:
            raise SystemExit(f"pip {' '.join(args)} failed:\n{done.stderr[-2000:]}")

    def failing(self, pytest_args: list[str]) -> list[str]:
        """The node ids of the tests that fail or error (pytest's short summary)."""
        done = run([self.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *pytest_args],
                   capture_output=True)
        ids = [line.split(" ", 2)[1] for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
        if done.returncode not in (0, 1) and not ids:
            ids = [f"(pytest exited {done.returncode}: {done.stdout.strip().splitlines()[-1:]})"]
        return [i.split(" - ")[0] for i in ids]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="fast")
    parser.add_argument("--keep", type=Path, help="build the virtualenv here and keep it")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="omreview-newest-") as tmp:
        newest = Path(tmp) / "newest.txt"
        run(compile_command(newest, pins=False, extra=["--upgrade", "--no-annotate"]), check=True)
        locked, latest = versions(LOCK), versions(newest)
        changed = {name: (locked.get(name, "-"), v) for name, v in sorted(latest.items()) if locked.get(name) != v}
        if not changed:
            print("the lock already has the newest releases")
            return 0
        print("newer releases:")
        for name, (old, new) in changed.items():
            print(f"  {name:32} {old} -> {new}")
        env = Env(args.keep or Path(tmp) / "venv")
        env.create()
        env.pip("install", "-q", "-r", str(newest))
        tests = [*TIERS[args.tier], *args.pytest_args]
        broken = env.failing(tests)
        if not broken:
            print(f"\nthe {args.tier} tests pass with all of them: python scripts/lock.py --upgrade, and move the pins")
            return 0
        print(f"\n{len(broken)} test(s) fail with all of them:")
        for node in broken:
            print(f"  {node}")
        print("\neach package alone on top of the lock, running those tests:")
        blamed = False
        for name, (_old, new) in changed.items():
            env.locked()
            env.pip("install", "-q", f"{name}=={new}")
            alone = env.failing(broken)
            if alone:
                blamed = True
                print(f"  {name} {new} breaks:")
                for node in alone:
                    print(f"    {node}")
        if not blamed:
            print("  no single package: the failures need several of them together")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
