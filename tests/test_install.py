"""How omreview is installed: one import package, and an editable install that says when it is stale.

The wheel installs one import package, omreview (and its dist-info), nothing else at the top level.

Six top-level names (pipeline, extractors, validators, flows, dashboard, samplegen) used to land in
site-packages, some of them names of other PyPI projects that one install would silently overwrite.
The wheel is built from a copy of the sources, so the repository gets no build/ or egg-info of it.
The editable install links every file (pyproject's [tool.distutils.editable_wheel]): the tests start only
when it has every module of the sources (tests/install_check.py), and mypy checks it as installed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests import install_check

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_only_omreview(tmp_path: Path) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    source = tmp_path / "src"
    for name in ("pyproject.toml", "README.md", *config["tool"]["setuptools"]["package-dir"].values()):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(tmp_path / "dist")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("omreview-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    version = config["project"]["version"]
    assert {name.split("/")[0] for name in names} == {"omreview", f"omreview-{version}.dist-info"}
    for expected in ("omreview/cli.py", "omreview/rules.yaml", "omreview/report.schema.json", "omreview/py.typed",
                     "omreview/migrations/env.py", "omreview/extractors/registry.py", "omreview/validators/evaluate.py",
                     "omreview/flows/serve.py", "omreview/dashboard/page.py"):
        assert expected in names
    assert any(name.startswith("omreview/migrations/versions/0") for name in names)
    folders = config["tool"]["setuptools"]["package-dir"]
    every_module = {  # every module of the sources, sub-packages too (extractors/pdf/ -> omreview/extractors/pdf/)
        "/".join([*package.split("."), *path.relative_to(ROOT / folder).parts])
        for package, folder in folders.items() for path in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in path.parts and not any(
            other != package and other.startswith(package + ".") and path.is_relative_to(ROOT / folders[other])
            for other in folders)
    }
    assert every_module - set(names) == set()
    assert not [name for name in names if "noop" in name or "samplegen" in name]
    entry_points = zipfile.ZipFile(wheel).read(f"omreview-{version}.dist-info/entry_points.txt").decode()
    assert "omreview = omreview.launch:main" in entry_points


def test_the_editable_install_has_every_module() -> None:
    assert install_check.mismatch() is None


@pytest.mark.parametrize(("change", "told"), [
    ("add", "extractors/zz_new.py is not installed"),
    ("remove", "omreview.extractors: values.py is installed but not in extractors/"),
])
def test_a_module_added_or_removed_since_the_install_is_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             change: str, told: str) -> None:
    """The sources as a copy, with a module added or removed since the install."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for folder in config["tool"]["setuptools"]["package-dir"].values():
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    if change == "add":
        (tmp_path / "extractors" / "zz_new.py").write_text('"""New."""\n', encoding="utf-8")
    else:
        (tmp_path / "extractors" / "values.py").unlink()
    monkeypatch.setattr(install_check, "ROOT", tmp_path)
    assert install_check.mismatch() == told


def test_every_script_is_type_checked() -> None:
    """scripts/ are top-level modules, each named in [tool.mypy] modules (mypy checks omreview as installed)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(config["tool"]["mypy"]["modules"]) == {p.stem for p in (ROOT / "scripts").glob("*.py")}
