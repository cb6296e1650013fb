"""The layers of omreview hold: lint-imports (import-linter) with the contract of pyproject.toml.

The contract, ``[tool.importlinter]``: the core (model, records, rules, amounts, identifiers, errors,
masking, packet ...) imports no other layer; readers (``omreview.extractors``) and checks
(``omreview.validators``) only the core, and not each other; the application (review, intake, store,
exports ...) those; flows and the dashboard the application; the CLI everything. Every module of omreview
is in a layer (a new one fails here until it is placed).

By hand: ``.venv/bin/lint-imports`` (it reads the package as installed: the editable install's link tree).
The tests that break the contract on purpose do it in a tree of links of their own (``link_tree``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def link_tree(dest: Path) -> Path:
    """``dest/omreview/...``: a link to every module of the package, where the installed package has it."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = setuptools["package-dir"]
    for package in setuptools["packages"]:
        # a sub-package without a mapping of its own is in its parent's folder (omreview.extractors.pdf: extractors/pdf)
        parent = max((name for name in folders if package == name or package.startswith(name + ".")), key=len)
        folder = Path(folders[parent], *package[len(parent):].split(".")[1:])
        target = dest.joinpath(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for source in (ROOT / folder).glob("*.py"):
            (target / source.name).symlink_to(source)
    return dest


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def test_every_import_runs_down_the_layers() -> None:
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " kept, 0 broken." in done.stdout


def test_the_links_hold_the_sources(tmp_path: Path) -> None:
    """The contract's own tree, checked like the installed one (a mistake in link_tree would hide a break)."""
    done = lint_imports(link_tree(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " kept, 0 broken." in done.stdout


def plant_import(tree: Path, module: str, imported: str) -> None:
    """Make ``module`` of the link tree import ``imported`` (the link replaced by a copy, the source untouched)."""
    path = tree.joinpath(*module.split(".")).with_suffix(".py")
    text = path.read_text(encoding="utf-8")
    path.unlink()
    path.write_text(text + f"\nimport {imported}  # noqa: E402\n", encoding="utf-8")


def test_an_import_up_the_layers_fails_the_contract(tmp_path: Path) -> None:
    tree = link_tree(tmp_path)
    plant_import(tree, "omreview.errors", "omreview.store")  # the core importing the application
    done = lint_imports(tree)
    assert done.returncode == 1
    assert " kept, 1 broken." in done.stdout
    assert "omreview.errors -> omreview.store (l." in done.stdout


def test_a_module_in_no_layer_fails_the_contract(tmp_path: Path) -> None:
    tree = link_tree(tmp_path)
    (tree / "omreview" / "helpers.py").write_text('"""Not placed in a layer."""\n', encoding="utf-8")
    done = lint_imports(tree)
    assert done.returncode == 1
    assert "omreview.helpers" in done.stdout
