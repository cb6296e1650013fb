"""The complexity bound (issue #16): `ruff check` fails a function whose McCabe complexity is over 20.

The bound lives in pyproject.toml (`[tool.ruff.lint]` selects C90, `[tool.ruff.lint.mccabe]` max-complexity = 20);
these tests run ruff with that file on a function just over and one just at the bound.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _function(name: str, complexity: int) -> str:
    """Source of a function of the given McCabe complexity: one path plus one per `if`."""
    branches = "".join(f"    if kind == {i}:\n        total += {i}\n" for i in range(complexity - 1))
    return f"def {name}(kind: int) -> int:\n    total = 0\n{branches}    return total\n"


def _ruff(path: Path) -> subprocess.CompletedProcess[str]:
    """`ruff check` of one file with the project's configuration."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the dev requirements)")
    return subprocess.run(
        [ruff, "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_function_over_twenty_fails_ruff_check(tmp_path: Path) -> None:
    source = tmp_path / "branchy.py"
    source.write_text(_function("too_branchy", 21), encoding="utf-8")
    result = _ruff(source)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "C901 `too_branchy` is too complex (21 > 20)" in result.stdout


def test_a_function_at_twenty_passes_ruff_check(tmp_path: Path) -> None:
    source = tmp_path / "bounded.py"
    source.write_text(_function("at_the_bound", 20), encoding="utf-8")
    result = _ruff(source)
    assert result.returncode == 0, result.stdout + result.stderr
