"""``omreview conclude`` and ``omreview reopen``: the 评审结论 without the dashboard, plain English for the operator."""

import re

import pytest
from typer.testing import CliRunner

from omreview import cli
from tests.store_factory import build_store
from tests.test_conclusions import ID_NUMBER, decide_everything

runner = CliRunner()


def _invoke(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


@pytest.fixture
def out(tmp_path):
    store = build_store(tmp_path / "omreview.sqlite", ("app-07", "app-16"))
    decide_everything(store, "app-07")
    store.close()
    return tmp_path


def test_conclude_then_reopen_from_the_command_line(out):
    result = _invoke("conclude", out, "app-07", "--conclusion", "通过", "--opinion", f"符合条件，{ID_NUMBER}已核",
                     "--reviewer", "王评审")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"app-07: concluded 通过 by 王评审 at \d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Shanghai\)\n",
                        result.stdout)
    result = _invoke("reopen", out, "app-07", "--reason", "补充材料", "--reviewer", "李评审")
    assert result.exit_code == 0 and result.stdout.startswith("app-07: reopened by 李评审 at "), result.output
    from omreview.store import ResultStore

    store = ResultStore(f"sqlite:///{out / 'omreview.sqlite'}")
    trail = store.conclusion_events()
    store.close()
    assert [(e.action.value, e.conclusion, e.opinion, e.reason) for e in trail] == [
        ("concluded", "approved", "符合条件，1101**********0021已核", None), ("reopened", None, None, "补充材料")]


@pytest.mark.parametrize(("args", "line"), [
    (["conclude", "{out}", "app-16", "--conclusion", "通过", "--opinion", "x", "--reviewer", "王评审"],
     "error: app-16 has 6 open item(s) without a decision: G4 (manual), B1 (review), B3 (manual), M1 (manual), "
     "T3 (manual), T4 (manual); decide each (accept or override) in the dashboard first"),
    (["conclude", "{out}", "app-07", "--conclusion", "批准", "--opinion", "x", "--reviewer", "王评审"],
     "error: unknown conclusion '批准': use one of 通过, 不通过, 退回补正"),
    (["conclude", "{out}", "app-07", "--conclusion", "通过", "--opinion", " ", "--reviewer", "王评审"],
     "error: the opinion (--opinion) must not be blank"),
    (["conclude", "{out}", "app-99", "--conclusion", "通过", "--opinion", "x", "--reviewer", "王评审"],
     "error: no applicant 'app-99' in the results store: give its folder name as `omreview batch` reviewed it"),
    (["reopen", "{out}", "app-07", "--reason", "x", "--reviewer", "王评审"],
     "error: app-07 has no conclusion to reopen"),
], ids=["items-open", "unknown-conclusion", "blank-opinion", "unknown-applicant", "nothing-to-reopen"])
def test_a_mistake_is_one_english_line_and_exit_2(out, args, line):
    result = _invoke(*[str(out) if a == "{out}" else a for a in args])
    assert result.exit_code == 2
    assert result.stderr.replace("\n", " ").strip() == line
    assert result.stdout == ""


def test_concluding_twice_says_to_reopen_first_and_a_missing_store_is_named(out, tmp_path):
    args = ["app-07", "--conclusion", "通过", "--opinion", "符合", "--reviewer", "王评审"]
    assert _invoke("conclude", out, *args).exit_code == 0
    again = _invoke("conclude", out, *args)
    assert again.exit_code == 2
    assert again.stderr.startswith("error: app-07 is concluded already (通过): reopen it first")
    missing = _invoke("conclude", tmp_path / "nowhere", *args)
    assert missing.exit_code == 2 and "no results store at" in missing.stderr and "omreview batch" in missing.stderr
