"""The reader contract apart from the registry (issue #16 point 3).

``omreview.extractors.contract`` (``Reader``, ``Extraction``) imports no reader;
``omreview.extractors.registry`` (``READERS``, ``read_document``) imports the readers; no reader imports the
registry, so ``office.container`` and the registry no longer import each other. The second import-linter contract of
``pyproject.toml`` holds this; here it is shown to catch a reader reaching back to the registry.
"""

from __future__ import annotations

from pathlib import Path

from omreview.extractors import Extraction, contract, read_document, registry
from omreview.extractors.office import container
from omreview.model import DocumentKind
from omreview.packet import load_packet
from tests.conftest import SAMPLE_DOCS
from tests.test_layers import link_tree, lint_imports, plant_import


def test_one_reader_type_one_registry_of_readers_by_format() -> None:
    assert registry.Reader is contract.Reader and registry.Extraction is contract.Extraction is Extraction
    assert set(registry.READERS) == {"pdf", "zip", "ole", "other"}
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
    """A newcomer finds the reader of a document kind by its format: pdf/, ocr/, office/ (issue #16 point 3)."""
    import omreview.extractors as extractors

    root = Path(extractors.__file__).parent
    assert {p.name for p in root.iterdir() if (p / "__init__.py").exists()} == {"pdf", "ocr", "office"}
    assert registry.READERS["pdf"].__module__.startswith("omreview.extractors.pdf")
    assert {f.stem for f in (root / "office").glob("*.py")} >= {"form", "roster", "container"}
