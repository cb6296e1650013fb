"""Whether the installed omreview has every module of the sources (tests/conftest.py asks before any test).

The editable install links each file into a tree laid out as the package (pyproject's
``[tool.distutils.editable_wheel]``), so a module added, renamed or removed since the install is missing
there, or left behind, until the install command runs again.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ".venv/bin/pip install -q --no-deps --no-build-isolation -e ."


def _files(folder: Path, skip: set[str]) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.py")
            if "__pycache__" not in p.parts and p.relative_to(folder).parts[0] not in skip}


def mismatch() -> str | None:
    """The first difference between the sources and the installed package, told plainly, or None."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    for module, folder in mapping.items():
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            return f"{module} is not installed"
        installed = Path(next(iter(spec.submodule_search_locations)))
        children = {m.rsplit(".", 1)[1] for m in mapping if m.rpartition(".")[0] == module}
        sources, present = _files(ROOT / folder, children), _files(installed, children)
        if sources - present:
            return f"{folder}/{min(sources - present)} is not installed"
        if present - sources:
            return f"{module}: {min(present - sources)} is installed but not in {folder}/"
    return None
