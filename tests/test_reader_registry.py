"""The reader contract apart from the registry (issue #16 point 3).

``omreview.extractors.contract`` (``Reader``, ``Extraction``) imports no reader;
``omreview.extractors.registry`` (``READERS``, ``read_document``) imports the readers; no reader imports the
registry, so ``office`` and the registry no longer import each other. The second import-linter contract of
``pyproject.toml`` holds this; here it is shown to catch a reader reaching back to the registry.
"""

from __future__ import annotations

from pathlib import Path

from omreview.extractors import Extraction, contract, office, read_document, registry
from omreview.model import DocumentKind
from omreview.packet import load_packet
from tests.conftest import SAMPLE_DOCS
from tests.test_layers import link_tree, lint_imports, plant_import


def test_one_reader_type_one_registry_of_readers_by_format() -> None:
    assert registry.Reader is contract.Reader and registry.Extraction is contract.Extraction is Extraction
    assert set(registry.READERS) == {"pdf", "zip", "ole", "other"}
    assert not hasattr(office, "READERS")  # the kind -> reader table is the registry's: office.reader(by_kind)


def test_the_registry_reads_each_kind_of_an_applicant_folder() -> None:
    kinds = {read_document(pf).kind for pf in load_packet(SAMPLE_DOCS / "app-01").files}
    assert {DocumentKind.APPLICATION_FORM, DocumentKind.STAFF_ROSTER, DocumentKind.FINANCIAL_STATEMENT} <= kinds


def test_a_reader_importing_the_registry_breaks_the_contract(tmp_path: Path) -> None:
    tree = link_tree(tmp_path)
    plant_import(tree, "omreview.extractors.office", "omreview.extractors.registry")
    done = lint_imports(tree)
    assert done.returncode == 1
    assert "readers: isolate < registry < each reader < the reader contract BROKEN" in done.stdout
    assert "omreview.extractors.office -> omreview.extractors.registry (l." in done.stdout
