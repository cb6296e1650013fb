"""Shared fixtures, and the test tiers.

Every test is marked here, from one table, by what it needs; nobody remembers a marker per test:

- ``prefect``: runs flows on a Prefect server (the session's, or one of its own);
- ``postgres``: needs the PostgreSQL server of ``OMREVIEW_TEST_POSTGRES`` (``.ci/run`` starts it);
- ``browser``: drives Debian's chromium (``.ci/run`` installs it);
- ``ocr``: runs the OCR engine over scanned pages;
- ``realdocs``: reads the real public documents in ../shared/realdocs;
- ``slow``: any of the above, or a test that reviews whole packets in reading processes, or takes
  seconds for another reason. ``pytest -m "not slow"`` is the fast tier (the README's fast command).

Every test has a time limit (pytest-timeout, ``[tool.pytest.ini_options]``): a hung test fails with its
name instead of hanging the run.
"""

import hashlib
import os
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DOCS = ROOT / "sample_docs"
REALDOCS = ROOT.parent / "shared" / "realdocs"
# the resident Prefect servers that `omreview run` in a test leaves (omreview.flows.resident) stop 30 s after
# its last command, not 15 minutes: the commands a test runs one after another still share one
os.environ.setdefault("OMREVIEW_LOCAL_SERVER_IDLE", "30")


@pytest.fixture(autouse=True)
def _main_module_kept():
    """Streamlit's AppTest runs a page as ``__main__`` and leaves it in ``sys.modules``: a test after it that
    starts processes with "spawn" (OCR in two processes) had each child run dashboard/page.py as its main module
    and die. The test process's own ``__main__`` is put back after every test."""
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main


# module -> what its tests need
MODULE_MARKS: dict[str, tuple[str, ...]] = {
    "test_format_twins": ("ocr", "soffice"),  # app-26 photographed: its statement read by OCR
    "test_flows": ("prefect",),
    "test_flows_harness": ("prefect",),
    "test_flows_intake": ("prefect",),
    "test_flows_local": ("prefect",),
    "test_flows_postgres": ("prefect", "postgres"),
    "test_flows_privacy": ("prefect",),
    "test_flows_serve": ("prefect",),
    "test_run_fast": ("prefect",),  # omreview run on its resident local Prefect server, started and stopped
    "test_warm_runner": ("prefect",),  # omreview run handed to the warm runner of its output folder
    "test_serve_reviewer": ("prefect",),  # omreview serve against a Prefect server of its own, stopped and started
    "test_interrupt": ("prefect",),  # commands stopped by signals at several points, then run again
    "test_prefect_internals": ("slow",),  # imports Prefect's client, runner and settings (seconds); no server
    "test_dashboard_browser": ("browser",),
    "test_evidence_browser": ("browser",),
    "test_reviewer_day_browser": ("browser",),  # filter → open → evidence → decide → conclude → export
    "test_dashboard_evidence": ("slow",),  # Streamlit's AppTest runs the applicant page (~3 s a test)
    "test_dashboard_overview": ("slow",),  # Streamlit's AppTest runs the overview page (~3 s a test)
    "test_dashboard_review": ("slow",),  # Streamlit's AppTest runs the applicant page (~1-2 s a test)
    "test_dashboard_contracts": ("slow",),  # Streamlit's AppTest runs the applicant page (~2 s a test)
    "test_ocr": ("ocr",),
    "test_ocr_cost": ("ocr",),
    "test_ocr_packet": ("ocr",),
    "test_statement_pdf_realdocs": ("realdocs", "slow"),  # annual reports of 200 pages, one of them scanned
}
# fixture -> what a test that uses it (directly or through another fixture) needs
FIXTURE_MARKS: dict[str, tuple[str, ...]] = {
    "prefect_api": ("prefect",),
    "cjk_font": ("slow",),
    "soffice": ("slow",),  # LibreOffice converts a legacy office file in about a second
}
# single tests, by node id (without parameters unless one parameter differs from the rest)
TEST_MARKS: dict[str, tuple[str, ...]] = {
    "tests/test_contracts.py::test_a_scanned_contract_is_read_by_ocr_each_page_once": ("ocr",),  # ~6 s of OCR
    "tests/test_contracts.py::test_a_scanned_bundle_is_split_and_read": ("ocr",),  # ~11 s of OCR
    "tests/test_install.py::test_the_wheel_holds_only_omreview": ("slow",),  # builds the wheel (~5 s)
    # a local Dask cluster of one worker started and stopped (~4 s)
    "tests/test_dask_order.py::test_a_local_cluster_starts_at_once_and_its_workers_run_without_profiler_and_monitors":
        ("slow",),
    # every text-layer sample statement read with both position engines (~60 PDFs, two readings each)
    "tests/test_pdfium_engine.py::test_both_engines_give_the_same_record_for_every_sample_statement": ("slow",),
    # omreview run / batch with their local Prefect server over names in GBK bytes and archives (~9 s, ~20 s)
    "tests/test_names.py::test_omreview_run_completes_on_a_folder_of_gbk_bytes_names_and_exports_them": ("slow",),
    "tests/test_names.py::test_omreview_batch_reviews_an_applicant_folder_named_in_gbk_bytes_and_a_zipped_one": (
        "slow",),
    # read ../shared/realdocs
    "tests/test_form_docx.py::test_real_blank_forms_are_not_application_forms": ("realdocs",),
    "tests/test_form_docx.py::test_real_blank_forms_give_no_value": ("realdocs",),
    "tests/test_form_docx.py::test_real_registration_form_filled_in_its_own_layout": ("realdocs",),
    "tests/test_form_docx.py::test_real_property_certificate_filled_in_its_own_layout": ("realdocs",),
    "tests/test_form_docx.py::test_real_change_form_filled_in_its_own_layout": ("realdocs",),
    "tests/test_form_docx.py::test_real_legacy_word_form_is_converted_and_read": ("realdocs",),
    "tests/test_form_pdf.py::test_a_real_form_of_other_hands_printed_reads_as_its_docx": ("realdocs",),
    "tests/test_roster_xlsx.py::test_real_workbooks_that_are_not_staff_rosters": ("realdocs",),
    "tests/test_roster_xlsx.py::test_real_blank_legacy_roster_of_another_purpose_is_converted_and_no_staff_roster":
        ("realdocs",),
    "tests/test_roster_xlsx.py::test_real_employee_import_template_is_a_roster_of_its_one_example_row": ("realdocs",),
    "tests/test_classify_attachments.py::test_real_docx_forms_are_not_attachments": ("realdocs",),
    "tests/test_classify_attachments.py::test_real_reports_are_not_attachments": ("realdocs",),
    "tests/test_classify_attachments.py::test_real_scanned_table_is_not_an_attachment": ("realdocs", "ocr"),
    "tests/test_certificates.py::test_real_blank_registry_extract_gives_no_value": ("realdocs",),
    "tests/test_certificates.py::test_scanned_certificate_read_by_ocr": ("ocr", "slow"),  # scans OCR'd (~2-4 s)
    # a scanned statement's pages as a TIFF and as JPEGs one a page, read by OCR (~15 s each, the PDF ~15 s more)
    "tests/test_images.py::test_a_multi_page_tiff_reads_to_the_scanned_pdfs_figures_with_its_frames_as_pages": ("ocr",),
    "tests/test_images.py::test_a_statement_photographed_page_by_page_is_one_document_naming_each_page": ("ocr",),
    # the command line's run and batch: flows on the command's own Prefect server, reading processes
    "tests/test_cli.py::test_run_writes_a_schema_valid_report_listing_every_file": ("prefect",),
    "tests/test_cli.py::test_batch_reviews_every_applicant_and_accounts_for_loose_files": ("prefect",),
    "tests/test_cli.py::test_one_broken_applicant_does_not_stop_the_batch": ("prefect",),
    "tests/test_cli.py::test_console_script_is_installed": ("prefect",),
    "tests/test_out_lock.py::test_two_batches_into_one_out": ("prefect",),
    "tests/test_batch_rules.py::test_batch_cli_flags_a_roster_copied_into_another_applicant": ("prefect",),
    "tests/test_intake_debris.py::test_batch_with_its_output_inside_the_intake_reviews_only_the_applicants":
        ("prefect",),
    "tests/test_settle.py::test_batch_says_which_folders_it_left_for_next_time_and_why": ("prefect",),
    "tests/test_settle.py::test_the_scheduled_batch_settles_by_default": ("prefect",),  # imports Prefect
    # attachments scanned (image-only PDFs), read through the OCR pipeline
    "tests/test_classify_attachments.py::test_scanned_attachment_is_its_kind": ("ocr",),
    # the layout fuzzer: one scenario (app-01) in the fast tier, the others and whole packets in the slow one
    "tests/test_samplegen_layouts.py::test_every_fuzzed_layout_reads_to_the_same_record[app-07-form]": ("slow",),
    "tests/test_samplegen_layouts.py::test_every_fuzzed_layout_reads_to_the_same_record[app-07-roster]": ("slow",),
    "tests/test_samplegen_layouts.py::test_every_fuzzed_layout_reads_to_the_same_record[app-07-statement]": ("slow",),
    "tests/test_samplegen_layouts.py::test_every_fuzzed_layout_reads_to_the_same_record[app-13-form]": ("slow",),
    "tests/test_samplegen_layouts.py::test_every_fuzzed_layout_reads_to_the_same_record[app-13-roster]": ("slow",),
    "tests/test_samplegen_layouts.py::test_every_fuzzed_layout_reads_to_the_same_record[app-13-statement]": ("slow",),
    "tests/test_samplegen_layouts.py::test_fuzzed_packets_get_the_oracles_verdict_and_check_statuses": ("slow",),
    # the scanned sample packet
    "tests/test_sample_reports.py::test_report_matches_expected_outcome[app-21]": ("ocr",),
    "tests/test_sample_reports.py::test_report_matches_expected_outcome[app-24]": ("ocr",),
    "tests/test_sample_reports.py::test_report_matches_expected_outcome[app-26]": ("ocr",),
    # seconds each for a reason of their own: the whole sample set generated, documents read in
    # reading processes that are started and stopped, a 3,000-page PDF
    "tests/test_samplegen.py::test_generation_is_deterministic_and_matches_the_committed_packets": ("slow", "soffice"),
    "tests/test_sample_reports.py::test_committed_report_fixtures_are_what_reviewing_their_sample_gives": ("slow",),
    "tests/test_samplegen.py::test_statements_open_with_pdfplumber": ("slow",),
    "tests/test_statement_pdf.py::test_cid_garbage_text_layer_is_unreadable": ("slow",),
    # every sample statement read alone: the fast tier's sample reviews read them all already
    "tests/test_statement_pdf.py::test_sample_statement": ("slow",),
    "tests/test_hostile_inputs.py::test_document_over_the_time_limit_is_stopped_and_the_next_reads": ("slow",),
    "tests/test_hostile_inputs.py::test_document_over_the_memory_limit_is_an_error_and_the_next_reads": ("slow",),
    "tests/test_hostile_inputs.py::test_crashing_reader_is_an_error_and_a_bug_surfaces_as_a_bug": ("slow",),
    "tests/test_hostile_inputs.py::test_packet_mixing_hostile_and_good_files_reads_the_good_ones": ("slow",),
    "tests/test_hostile_inputs.py::test_hostile_file_is_the_same_error_isolated": ("slow",),
    "tests/test_hostile_inputs.py::test_threads_share_one_isolated_reader": ("slow",),
    # the real dashboard in chromium, its routes fetched without the session
    "tests/test_session_routes.py::test_signed_in_data_is_not_served_without_the_session": ("browser",),
    # the sign-in cookie in chromium: reload, new tab, sign-out, a tampered or expired cookie, HTTPS
    "tests/test_dashboard_session.py::test_a_sign_in_survives_a_reload_and_a_new_tab_until_signing_out": ("browser",),
    "tests/test_dashboard_session.py::test_a_tampered_or_expired_cookie_signs_out_with_its_reason": ("browser",),
    "tests/test_dashboard_session.py::test_over_https_the_cookie_is_secure_and_the_sign_in_holds": ("browser",),
    # a Prefect home's modes: omreview.flows.local imports Prefect (seconds), one starts its server
    "tests/test_data_at_rest.py::test_a_prefect_home_seeded_from_the_template_is_owner_only": ("prefect",),
    "tests/test_data_at_rest.py::test_the_local_prefect_server_keeps_its_home_owner_only": ("prefect",),
    # Streamlit's AppTest runs the dashboard's page (imports and a store: ~3 s)
    "tests/test_withdrawn.py::test_the_dashboard_overview_has_a_toggle_for_withdrawn_applicants": ("slow",),
    "tests/test_overview_frame.py::test_the_dashboard_grid_sorts_money_as_numbers": ("slow",),
    # the conclusion trail in a PostgreSQL results store of its own
    "tests/test_conclusions.py::test_the_conclusion_trail_round_trips_on_postgresql": ("postgres",),
    "tests/test_data_at_rest.py::test_an_identifier_in_file_and_folder_names_is_masked_in_report_store_and_pages":
        ("slow",),  # reviews a whole packet in reading processes
}
# a parameter value -> marks: the statement tests run on both position engines, the rules' default
# (pdfplumber) in the fast tier and pdfium beside it in the slow one
PARAM_MARKS: dict[str, tuple[str, ...]] = {
    "pdfium": ("slow",),
    # the sample applicants whose form and roster are Word/Excel 97-2003 or WPS files: read through LibreOffice
    "app-25": ("soffice",),
    "app-26": ("soffice",),
}
NEEDS_SLOW = {"prefect", "postgres", "browser", "ocr", "soffice"}


def _params(item) -> set[str]:
    callspec = getattr(item, "callspec", None)
    return {str(v) for v in callspec.params.values()} if callspec else set()


def pytest_sessionstart(session):
    """omreview is installed as linked files (pyproject.toml): a module added since needs the install again."""
    from tests.install_check import INSTALL, mismatch

    if problem := mismatch():
        pytest.exit(f"error: the installed omreview is older than the sources ({problem}): run {INSTALL}",
                    returncode=2)


def pytest_ignore_collect(collection_path, config):
    """The fast tier does not even import the modules that are slow as a whole (Prefect's server, OCR)."""
    marks = set(MODULE_MARKS.get(collection_path.stem, ()))
    if config.getoption("markexpr", "") == "not slow" and ("slow" in marks or marks & NEEDS_SLOW):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = Path(str(item.fspath)).stem
        marks = set(MODULE_MARKS.get(module, ()))
        for name in getattr(item, "fixturenames", ()):
            marks.update(FIXTURE_MARKS.get(name, ()))
        marks.update(TEST_MARKS.get(item.nodeid, TEST_MARKS.get(item.nodeid.split("[")[0], ())))
        for value in _params(item):
            marks.update(PARAM_MARKS.get(value, ()))
        if marks & NEEDS_SLOW:
            marks.add("slow")
        for mark in sorted(marks):
            item.add_marker(mark)


@cache
def _cjk_renders() -> bool:
    """Whether pdfium draws a Chinese character of a font the PDF does not embed (STSong-Light).

    The test statements and the sample generator's scans use that font, as many real PDFs do; pdfium
    draws it with a CJK font of the machine (Debian's fonts-noto-cjk, which .ci/run installs). Without
    one the characters are left blank and what OCR reads differs from machine to machine.
    """
    from tests.fontless import cjk_drawn

    return cjk_drawn()


@pytest.fixture(scope="session")
def cjk_font() -> None:
    """Skips the test when Chinese text of an unembedded font cannot be drawn here (see ``_cjk_renders``)."""
    if not _cjk_renders():
        pytest.skip("no CJK font for unembedded Chinese text: apt-get install fonts-noto-cjk (.ci/run does)")


@pytest.fixture(autouse=True)
def _soffice_when_marked(request):
    """A test marked ``soffice`` (by its module, or a sample applicant sent in .doc/.wps) gets the ``soffice``
    fixture: skipped, saying how to install LibreOffice, where it is absent."""
    if request.node.get_closest_marker("soffice") is not None:
        request.getfixturevalue("soffice")


@pytest.fixture(scope="session")
def soffice() -> str:
    """The LibreOffice command that converts legacy office files (``omreview.extractors.office.convert``); skips
    the test when it is not installed."""
    from omreview.extractors.office.convert import converter_command
    from omreview.rules import default_rules

    command = converter_command(default_rules())
    if command is None:
        pytest.skip("no LibreOffice to convert .doc/.xls: apt-get install libreoffice-writer-nogui "
                    "libreoffice-calc-nogui (.ci/run does)")
    return command


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
    """The flows' Prefect API for the session: this process's local server (omreview.flows.local), started once.

    Like ``prefect.testing.utilities.prefect_test_harness``, but its database starts from the migrated
    template (the harness migrates a new one: 15-30 s here) and it shuts down only once it has recorded
    every task run. The command line run in-process by tests (CliRunner) uses the same server.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from omreview.flows.local import local_server, settle

    url = local_server(tmp_path_factory.mktemp("prefect-out")).wait_ready()
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield url
        settle()


_SAMPLE_REPORTS: dict[str, dict] = {}


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory, worker_id):
    """``sample_report(case)``: the report of ``sample_docs/<case>`` as JSON data, reviewed once per test run
    (the scanned packets take a while to OCR: app-21 100 s on a slow day).

    Under pytest-xdist each worker is a session of its own; the workers of one run share the report through
    the run's temporary folder (the parent of each worker's), the first to ask reviewing it while the others
    wait on its lock. One worker, or none: this process's memory only."""
    from omreview.review import review_applicant

    shared = None if worker_id == "master" else tmp_path_factory.getbasetemp().parent / "sample-reports"

    def review(case: str) -> dict:
        return review_applicant(SAMPLE_DOCS / case).model_dump(mode="json")

    def get(case: str) -> dict:
        if case not in _SAMPLE_REPORTS:
            _SAMPLE_REPORTS[case] = review(case) if shared is None else _reviewed_once(shared, case, review)
        return _SAMPLE_REPORTS[case]

    return get


def _reviewed_once(folder: Path, case: str, review) -> dict:
    """``review(case)`` by the first of the run's workers to ask, kept in ``folder/<case>.json``: the others
    wait on the case's lock (fcntl, released when its holder exits, even by a crash) and read the file."""
    import fcntl
    import json

    folder.mkdir(exist_ok=True)
    kept = folder / f"{case}.json"
    with open(folder / f"{case}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if kept.exists():
            return json.loads(kept.read_text(encoding="utf-8"))
        report = review(case)
        partial = kept.with_suffix(".part")
        partial.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
        partial.replace(kept)
        return report
