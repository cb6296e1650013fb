"""Batch-level rules: one person on two applicants' rosters; an authority's 30% relaxation quota."""

import gc
import json
import pickle
import shutil
import types

import pytest
from typer.testing import CliRunner

from omreview import cli
from omreview.model import Source
from omreview.rules import default_rules
from omreview.validators.batch import BatchEntry, RowSources, batch_discrepancies
from tests.conftest import SAMPLE_DOCS
from tests.records_factory import id_number

RULES = default_rules()


def _src(row):
    return Source(file="roster.xlsx", sheet="名册", cell=f"C{row}")


def test_same_id_number_on_two_rosters_is_flagged_on_both():
    shared, own = id_number(1), id_number(2)
    entries = [BatchEntry("a", roster_ids={shared: _src(5), own: _src(6)}),
               BatchEntry("b", roster_ids={shared: _src(9)})]
    found = batch_discrepancies(entries, RULES)
    assert [d.figure for d in found["a"]] == ["roster.cross_applicant.row5"]
    assert [d.figure for d in found["b"]] == ["roster.cross_applicant.row9"]
    assert shared not in found["a"][0].message and shared[:4] + "**" in found["a"][0].message


def test_an_applicants_discrepancies_come_in_batch_order_and_are_built_when_asked():
    n1, n2, n3 = id_number(1), id_number(2), id_number(3)
    entries = [BatchEntry("a", roster_ids={n2: _src(5), n1: _src(6)}),
               BatchEntry("b", roster_ids={n1: _src(9), n2: _src(10), n3: _src(11)}),
               BatchEntry("c", roster_ids={n3: _src(2), id_number(4): _src(3)}),
               BatchEntry("d", roster_ids={id_number(5): _src(4)})]
    found = batch_discrepancies(entries, RULES)
    assert list(found) == ["a", "b", "c"] and "d" not in found and found.get("d") is None
    assert [d.figure.removeprefix("roster.cross_applicant.") for d in found["b"]] == ["row10", "row9", "row11"]
    assert "申报企业a的" in found["b"][0].message and "申报企业c的" in found["b"][2].message
    assert [v.source.cell for v in found["b"][2].values] == ["C11", "C2"]
    # not held: a batch's memory grows with its rosters, not with the discrepancies they give
    assert found["b"] == found["b"] and found["b"][0] is not found["b"][0]


def _authority(n, relaxed, name="某市工信局"):
    return [BatchEntry(f"{name}{i}", authority=name, relaxation_requested=i < relaxed) for i in range(n)]


def _sources_held(root) -> int:
    """How many distinct Source objects ``root`` holds: the objects reachable from it (walked by gc),
    classes and modules aside (they are shared by everything)."""
    seen, todo, found = set(), [root], 0
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, type | types.ModuleType):
            continue
        seen.add(id(obj))
        found += isinstance(obj, Source)
        todo.extend(gc.get_referents(obj))
    return found


def test_an_entry_gives_back_each_rows_source_and_holds_a_fraction_of_them():
    # what a batch holds per applicant until its rules run: it must not cost a Source per roster row
    sources = {id_number(i): Source(file="附件3.xlsx", sha256="ab" * 32, sheet="运维人员名册", cell=f"C{i + 3}")
               for i in range(400)}
    sources[id_number(400)] = Source(file="other.xlsx", sheet="名册", cell="D9")
    entry = BatchEntry("a", roster_ids=pickle.loads(pickle.dumps(sources)))  # built from fresh objects
    assert isinstance(entry.roster_ids, RowSources)
    assert dict(entry.roster_ids) == sources and list(entry.roster_ids) == list(sources)
    assert id_number(3) in entry.roster_ids and "110101199001011234" not in entry.roster_ids
    # one Source for each roster file's rows, not one a row (a row keeps its cell), and those pickled
    assert _sources_held(sources) == 401 and _sources_held(entry) == 0
    assert len(pickle.loads(entry.roster_ids._rests)) == 2
    assert dict(pickle.loads(pickle.dumps(entry)).roster_ids) == sources  # Dask ships entries pickled


def test_an_entry_of_sixty_rows_holds_its_numbers_in_a_few_kilobytes():
    # what grows with an intake (issue #20 point 4): a dict of 60 numbers to (rest, cell) took ~14 KB
    import tracemalloc

    sources = pickle.loads(pickle.dumps({id_number(i): Source(file="附件3.xlsx", sha256="ab" * 32, sheet="名册",
                                                              cell=f"C{i + 3}") for i in range(60)}))
    BatchEntry("warm-up", roster_ids=sources)  # the cell names, interned once a batch
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        entry = BatchEntry("a", roster_ids=sources)
        held = sum(stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(before, "lineno"))
    finally:
        tracemalloc.stop()
    assert held < 4_000, held  # the entry, its one Source of the rest, the numbers, the cells' index
    assert entry.roster_ids[id_number(59)].cell == "C62" and len(entry.roster_ids) == 60
    with pytest.raises(KeyError):
        entry.roster_ids[id_number(60)]
    assert id_number(1)[:-1] not in entry.roster_ids and "" not in entry.roster_ids


def test_relaxation_quota_boundary():
    assert batch_discrepancies(_authority(10, 3), RULES) == {}  # exactly 30% is allowed
    found = batch_discrepancies(_authority(10, 4) + _authority(5, 1, "另一局"), RULES)
    assert sorted(found) == ["某市工信局0", "某市工信局1", "某市工信局2", "某市工信局3"]
    assert all(d.figure == "relaxation_quota" for ds in found.values() for d in ds)


def test_batch_cli_flags_a_roster_copied_into_another_applicant(tmp_path):
    intake = tmp_path / "intake"
    shutil.copytree(SAMPLE_DOCS / "app-01", intake / "app-01")
    shutil.copytree(SAMPLE_DOCS / "app-01", intake / "app-01-copy")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.app, ["batch", str(intake), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("app-01", "app-01-copy"):
        report = json.loads((out / name / "report.json").read_text(encoding="utf-8"))
        cross = [d for d in report["discrepancies"] if d["figure"].startswith("roster.cross_applicant")]
        assert len(cross) == int(report["figures"]["om_staff_count"]["value"])
        assert report["verdict"] == "needs_review"
    alone = CliRunner().invoke(cli.app, ["run", str(intake / "app-01"), "--out", str(tmp_path / "single")])
    assert alone.exit_code == 0
    assert json.loads((tmp_path / "single" / "app-01" / "report.json").read_text())["verdict"] == "meets"
