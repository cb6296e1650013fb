import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DOCS = ROOT / "sample_docs"
REALDOCS = ROOT.parent / "shared" / "realdocs"


def tree_fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of every file below ``folder``: proves originals were not touched."""
    return {
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def small_packet(tmp_path):
    """A tiny applicant folder with a few harmless files."""
    folder = tmp_path / "intake" / "acme"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (folder / "sub" / "b.txt").write_text("说明", encoding="utf-8")
    return folder
