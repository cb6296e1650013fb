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


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """The flows' Prefect API for the session: this process's local server (flows.local), started once.

    Like ``prefect.testing.utilities.prefect_test_harness``, but its database starts from the migrated
    template (the harness migrates a new one: 15-30 s here) and it shuts down only once it has recorded
    every task run. The command line run in-process by tests (CliRunner) uses the same server.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.local import local_server, settle

    url = local_server(tmp_path_factory.mktemp("prefect-out")).wait_ready()
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield url
        settle()


_SAMPLE_REPORTS: dict[str, dict] = {}


@pytest.fixture(scope="session")
def sample_report():
    """``sample_report(case)``: the report of ``sample_docs/<case>`` as JSON data, reviewed once per session
    (the scanned packets take a while to OCR)."""
    from pipeline.review import review_applicant

    def get(case: str) -> dict:
        if case not in _SAMPLE_REPORTS:
            _SAMPLE_REPORTS[case] = review_applicant(SAMPLE_DOCS / case).model_dump(mode="json")
        return _SAMPLE_REPORTS[case]

    return get
