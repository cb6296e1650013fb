"""The reader contract apart from the registry (issue #16 point 3).

``omreview.extractors.contract`` (``Reader``, ``Extraction``) imports no reader;
``omreview.extractors.registry`` (``READERS``, ``read_document``) imports the readers; no reader imports the
registry, so ``office.container`` and the registry no longer import each other. The second import-linter contract of
``pyproject.toml`` holds this; here it is shown to catch a reader reaching back to the registry.
"""

from __future__ import annotations

from pathlib import Path

from omreview.extractors import Extraction, contract, read_document, registry
from omreview.extractors.contract import ReadError, ReadStatus
from omreview.extractors.office import container
from omreview.model import DocumentKind
from omreview.packet import load_packet
from tests.conftest import SAMPLE_DOCS
from tests.test_layers import link_tree, lint_imports, plant_import


def test_one_reader_type_one_registry_of_readers_by_format() -> None:
    assert registry.Reader is contract.Reader and registry.Extraction is contract.Extraction is Extraction
    assert set(registry.READERS) == {"pdf", "zip", "ole", "image", "other"}
    assert not hasattr(container, "READERS")  # the kind -> reader table is the registry's: container.reader(by_kind)


def test_the_registry_reads_each_kind_of_an_applicant_folder() -> None:
    kinds = {read_document(pf).kind for pf in load_packet(SAMPLE_DOCS / "app-01").files}
    assert {DocumentKind.APPLICATION_FORM, DocumentKind.STAFF_ROSTER, DocumentKind.FINANCIAL_STATEMENT} <= kinds


def test_a_reader_importing_the_registry_breaks_the_contract(tmp_path: Path) -> None:
    tree = link_tree(tmp_path)
    plant_import(tree, "omreview.extractors.office.container", "omreview.extractors.registry")
    done = lint_imports(tree)
    assert done.returncode == 1
    assert "readers: isolate < registry < readers by format < contract, labels, values BROKEN" in done.stdout
    assert "omreview.extractors.office.container -> omreview.extractors.registry (l." in done.stdout


def test_a_shared_piece_importing_a_reader_breaks_the_contract(tmp_path: Path) -> None:
    """Label matching is shared by every format's reader: it may not lean on one of them (the PDF reader here)."""
    tree = link_tree(tmp_path)
    plant_import(tree, "omreview.extractors.labels", "omreview.extractors.pdf.statement")
    done = lint_imports(tree)
    assert done.returncode == 1
    assert "readers: isolate < registry < readers by format < contract, labels, values BROKEN" in done.stdout
    assert "omreview.extractors.labels -> omreview.extractors.pdf.statement (l." in done.stdout


def test_readers_are_grouped_by_format() -> None:
    """A newcomer finds the reader of a document kind by its format: pdf/, ocr/, office/ (issue #16 point 3), and
    the readers of attachments (contracts, certificates) whatever their format in attachments/ (issue #18)."""
    import omreview.extractors as extractors

    root = Path(extractors.__file__).parent
    assert {p.name for p in root.iterdir() if (p / "__init__.py").exists()} == {"pdf", "ocr", "office", "attachments"}
    assert registry.READERS["pdf"].__module__.startswith("omreview.extractors.pdf")
    assert {f.stem for f in (root / "office").glob("*.py")} >= {"form", "roster", "container"}


def test_a_reading_result_is_structured_read_partial_or_failed() -> None:
    """A status and a list of errors, not a free-text field: pages not read make a PARTIAL result (the record
    stands), an error about the whole file a FAILED one (issue #16 point 3)."""
    read = Extraction(kind=DocumentKind.FINANCIAL_STATEMENT)
    partial = Extraction(kind=DocumentKind.FINANCIAL_STATEMENT, errors=(ReadError("pages 3-4 were not read", (3, 4)),))
    failed = Extraction.failed("the PDF is damaged and cannot be read", pages=5)
    assert [e.status for e in (read, partial, failed)] == [ReadStatus.READ, ReadStatus.PARTIAL, ReadStatus.FAILED]
    assert (read.error, partial.error, failed.error) == (None, None, "the PDF is damaged and cannot be read")
    assert (read.problems, partial.problems, failed.problems) == ([], ["pages 3-4 were not read"], [])
    assert failed.pages == 5 and failed.errors[0].whole_file and not partial.errors[0].whole_file


def test_a_bad_file_fails_with_its_reason_in_the_report(tmp_path: Path) -> None:
    from omreview.model import DocStatus
    from omreview.packet import PacketFile
    from omreview.review import document_of

    bad = tmp_path / "statement.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00" * 64)
    pf = PacketFile(rel=bad.name, path=bad, size=bad.stat().st_size, sha256=None)
    extraction = read_document(pf)
    assert extraction.status is ReadStatus.FAILED and extraction.record is None
    doc, record = document_of(pf, registry.default_rules(), read=read_document)
    assert doc.status is DocStatus.ERROR and doc.error == extraction.error and record is None
    assert "problems" not in doc.model_dump(mode="json")
