"""Rewrite imports and module paths from the six top-level packages to the one ``omreview`` package.

``python scripts/rename_to_omreview.py`` (from the repository root; idempotent, so it can be re-run on a
newer checkout). The folders stay where they are; pyproject.toml maps them (``pipeline/`` is ``omreview``,
``extractors/`` is ``omreview.extractors``, ...). This rewrites, in every tracked .py and .md file:

- import statements: ``from pipeline.x import``, ``from pipeline import``, ``import pipeline``,
  ``import flows.tasks`` ...;
- dotted module paths anywhere (strings for ``monkeypatch.setattr``, ``python -m dashboard.auth``, Prefect
  entrypoints, preload lists, docstrings): ``pipeline.rules`` -> ``omreview.rules``, ``extractors.base`` ->
  ``omreview.extractors.base``; only where the name after the dot is a module of that folder, so a
  variable named ``flows`` is left alone;
- ``pipeline.__version__`` -> ``omreview.__version__``.

Then ``ruff check --select I --fix`` re-sorts the rewritten imports (omreview is first-party).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {  # folder -> its import name
    "pipeline": "omreview",
    "extractors": "omreview.extractors",
    "validators": "omreview.validators",
    "flows": "omreview.flows",
    "dashboard": "omreview.dashboard",
}
SUFFIXES = {".py", ".md"}
SKIP = {"scripts/rename_to_omreview.py"}


def modules_of(folder: str) -> set[str]:
    base = ROOT / folder
    names = {p.stem for p in base.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("__")}
    return names


def rewrite(text: str, modules: dict[str, set[str]]) -> str:
    for folder, new in PACKAGES.items():
        # import statements: the package name right after from/import (covers `import pipeline`)
        text = re.sub(rf"(?m)^(\s*(?:from|import)\s+){folder}\b(?=[\s.])", rf"\g<1>{new}", text)
        # dotted module paths: folder.module where module is one of the folder's
        names = "|".join(sorted(modules[folder], key=len, reverse=True))
        text = re.sub(rf"(?<![\w.]){folder}\.({names})\b", rf"{new}.\g<1>", text)
    return text.replace("pipeline.__version__", "omreview.__version__")


def main() -> int:
    modules = {folder: modules_of(folder) for folder in PACKAGES}
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    changed = []
    for name in tracked.splitlines():
        path = ROOT / name
        if path.suffix not in SUFFIXES or name in SKIP or not path.is_file():
            continue
        old = path.read_text(encoding="utf-8")
        new = rewrite(old, modules)
        if new != old:
            path.write_text(new, encoding="utf-8")
            changed.append(name)
    py = [n for n in changed if n.endswith(".py")]
    if py:
        ruff = str(Path(sys.executable).with_name("ruff"))
        subprocess.run([ruff, "check", "-q", "--select", "I", "--fix", *py], cwd=ROOT)
    print(f"{len(changed)} files rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
