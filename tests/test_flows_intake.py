"""The plain steps the flows sequence (omreview.intake), tested without Prefect."""

import datetime as dt
import threading

import pytest

from omreview import intake as steps
from omreview.errors import InputError
from omreview.extractors.isolate import IsolatedReader, ReaderPool, reader_pool
from omreview.model import Source
from omreview.packet import load_packet
from omreview.review import review
from omreview.rules import default_rules
from omreview.store import ResultStore
from omreview.validators.batch import BatchEntry, apply, batch_discrepancies
from tests.conftest import SAMPLE_DOCS
from tests.records_factory import id_number

RULES = default_rules()


def _src(row):
    return Source(file="roster.xlsx", sheet="名册", cell=f"C{row}")


def test_batch_figure_prefixes_match_what_the_batch_rules_add():
    shared = id_number(1)
    entries = [BatchEntry("a", authority="局", relaxation_requested=True, roster_ids={shared: _src(5)}),
               BatchEntry("b", authority="局", relaxation_requested=True, roster_ids={shared: _src(9)})]
    figures = {d.figure for ds in batch_discrepancies(entries, RULES).values() for d in ds}
    assert {f.split(".row")[0] for f in figures} == {"roster.cross_applicant", "relaxation_quota"}
    assert all(f.startswith(steps.BATCH_FIGURE_PREFIXES) for f in figures)


def test_base_report_takes_the_batch_discrepancies_off_again():
    result = review(SAMPLE_DOCS / "app-01", None, RULES)
    other = BatchEntry("other", roster_ids=dict(result.batch_entry.roster_ids))
    extra = batch_discrepancies([result.batch_entry, other], RULES)["app-01"]
    final = apply(result.report, extra)
    assert final.verdict == "needs_review" and result.report.verdict == "meets"
    assert steps.base_report(final) == result.report
    assert steps.base_report(result.report) is result.report


def test_final_report_replaces_the_batch_discrepancies_a_report_had():
    result = review(SAMPLE_DOCS / "app-01", None, RULES)
    other = BatchEntry("other", roster_ids=dict(result.batch_entry.roster_ids))
    flagged = steps.final_report(result.report, batch_discrepancies([result.batch_entry, other], RULES)["app-01"])
    assert flagged.verdict == "needs_review"
    assert steps.final_report(flagged, []) == result.report  # the other applicant left the intake


def test_a_kept_report_is_small_and_comes_back_equal():
    report = review(SAMPLE_DOCS / "app-07", None, RULES).report
    kept = steps.Kept.of(report)
    assert kept.get() == report
    assert len(kept.data) < len(report.model_dump_json()) / 4  # held compressed for the rest of a batch
    row = steps.Row("app-07", steps.Outcome.REVIEWED, report=report)
    assert row.report == report and row.summary()["verdict"] == report.verdict.value
    assert steps.Row("x", steps.Outcome.FAILED).report is None


def test_an_unchanged_applicant_gives_the_batch_rules_the_same_entry(tmp_path):
    store = ResultStore(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.migrate()
    when = RULES.default_application_date
    opened = steps.open_applicant(SAMPLE_DOCS / "app-07", RULES, when, store)
    assert opened.to_review and opened.stored is None
    result = steps.assess(opened, [steps.read_file(pf, RULES) for pf in opened.packet.files], when, RULES,
                          tmp_path / "out", store)
    again = steps.open_applicant(SAMPLE_DOCS / "app-07", RULES, when, store)
    assert not again.to_review and again.stored == result.report
    assert steps.stored_batch_entry(again, RULES) == result.batch_entry
    later = steps.open_applicant(SAMPLE_DOCS / "app-07", RULES, dt.date(2013, 3, 1), store)
    assert later.to_review  # another application date is another review
    reader_pool().close()


def test_batch_inputs_change_with_any_packet_rules_or_date(tmp_path):
    when = RULES.default_application_date
    a = steps.open_applicant(SAMPLE_DOCS / "app-01", RULES, when, None)
    b = steps.open_applicant(SAMPLE_DOCS / "app-02", RULES, when, None)
    base = steps.batch_inputs([a, b], RULES, when)
    assert steps.batch_inputs([b, a], RULES, when) == base
    assert steps.batch_inputs([a], RULES, when) != base
    assert steps.batch_inputs([a, b], RULES, dt.date(2013, 1, 1)) != base
    assert steps.previous_batch_inputs(tmp_path) is None
    (tmp_path / "batch.json").write_text('{"batch_inputs": "x"}')
    assert steps.previous_batch_inputs(tmp_path) == "x"


def test_a_folder_that_cannot_be_reviewed_is_rejected_not_raised(tmp_path):
    (tmp_path / "empty").mkdir()
    opened = steps.open_applicant(tmp_path / "empty", RULES, RULES.default_application_date, None)
    assert opened.error and "empty" in opened.error and not opened.to_review


def test_rules_version_must_be_the_shipped_one():
    assert steps.rules_for(None) is RULES and steps.rules_for(RULES.version) is RULES
    with pytest.raises(InputError, match="not available"):
        steps.rules_for("0.0")


def test_concurrent_reads_each_have_a_reading_process_and_reuse_it():
    pool = ReaderPool()
    pf = next(f for f in load_packet(SAMPLE_DOCS / "app-01").files if f.rel.endswith(".xlsx"))
    barrier = threading.Barrier(2)
    real = IsolatedReader.read
    seen = []

    def read_together(self, *a, **kw):  # both threads inside a read at once
        seen.append(id(self))
        barrier.wait(timeout=60)
        return real(self, *a, **kw)

    IsolatedReader.read = read_together
    try:
        threads = [threading.Thread(target=pool.read, args=(pf, RULES)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        IsolatedReader.read = real
    assert len(set(seen)) == 2 and pool.size == 2  # one reader per concurrent read
    for _ in range(3):
        pool.read(pf, RULES)
    assert pool.size == 2  # then reused
    pool.close()
    assert pool.size == 0


def test_the_plain_review_and_the_flows_read_in_the_same_reading_processes(tmp_path):
    pool = reader_pool()
    pool.close()
    folder = SAMPLE_DOCS / "app-01"
    plain = review(folder, None, RULES)  # the plain path (omreview run)
    assert plain.report.documents and pool.size == 1  # read one after another: one reading process
    flow_read = [steps.read_file(pf, RULES) for pf in load_packet(folder).files]  # the flows' read-document task
    assert [doc for doc, _ in flow_read] == plain.report.documents
    assert pool.size == 1  # the same process, kept warm: no second pool or shared reader
    pool.close()
    assert pool.size == 0
