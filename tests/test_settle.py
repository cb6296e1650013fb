"""A folder still being copied is left for the next run (issue #15, point 2: the settling time).

A scheduled batch (``omreview serve``) leaves an applicant folder in which anything changed within
``intake.settle_seconds`` of the rules; a batch run by hand does so only with ``--settle SECONDS``.
The summary (stderr and ``OUT/batch.json``) says which folders were left and why.
"""

import json
import os
import time

from typer.testing import CliRunner

from omreview import cli
from omreview import intake as steps
from omreview.packet import last_change
from omreview.rules import default_rules

RULES = default_rules()
WHEN = RULES.default_application_date


def test_a_folder_changed_within_the_settling_time_is_left_for_the_next_run(small_packet):
    now = time.time()
    why = steps.unsettled(small_packet, 300, RULES, now=now)
    assert why is not None and why.startswith("files changed ") and "within the 300 s settling time" in why
    assert why.endswith("left for the next run")
    assert steps.unsettled(small_packet, 300, RULES, now=now + 301) is None

    opened = steps.open_applicant(small_packet, RULES, WHEN, None, settle_seconds=3600)
    assert opened.deferred is not None and opened.packet is None and not opened.to_review
    assert steps.open_applicant(small_packet, RULES, WHEN, None).to_review  # no settling: reviewed now


def test_the_newest_change_at_any_depth_counts_and_kept_old_times_do_not_hide_a_copy(small_packet):
    deep = small_packet / "sub" / "more"
    deep.mkdir()
    late = deep / "late.pdf"
    late.write_bytes(b"%PDF-1.4\n")
    old = time.time() - 86400
    for path in (late, deep, small_packet / "sub", small_packet / "a.pdf", small_packet):
        os.utime(path, (old, old))  # as cp -p and rsync -t leave them
    newest = last_change(small_packet, RULES)
    assert newest >= os.stat(late).st_ctime > old  # the copy itself (ctime) still shows


def test_a_modification_time_in_the_future_does_not_hold_a_folder_back(small_packet):
    now = time.time()
    ahead = now + 30 * 86400  # a file kept its time from a machine whose clock is a month ahead
    os.utime(small_packet / "a.pdf", (ahead, ahead))
    assert last_change(small_packet, RULES, now=now) < ahead
    assert steps.unsettled(small_packet, 300, RULES, now=now + 400) is None


def test_batch_says_which_folders_it_left_for_next_time_and_why(small_packet):
    intake, out = small_packet.parent, small_packet.parent.parent / "out"
    runner = CliRunner()
    result = runner.invoke(cli.app, ["batch", str(intake), "--out", str(out), "--settle", "3600"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())  # as wrapped on a narrow terminal
    assert "acme: not reviewed: files changed" in said
    assert "within the 3600 s settling time (still being copied?); left for the next run" in said
    assert "1 applicant(s): 1 deferred" in said
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    row = summary["applicants"][0]
    assert row["status"] == "deferred" and row["reason"].endswith("left for the next run")
    assert summary["counts"]["deferred"] == 1
    assert not (out / "acme" / "report.json").exists()

    result = runner.invoke(cli.app, ["batch", str(intake), "--out", str(out)])  # by hand: no settling
    assert result.exit_code == 0, result.output
    assert (out / "acme" / "report.json").exists()


def test_the_scheduled_batch_settles_by_default(tmp_path):
    from omreview.flows.serve import deployments

    batch, _ = deployments(tmp_path, tmp_path / "out", cron="0 2 * * *")
    assert batch.parameters["settle_seconds"] == RULES.intake.settle_seconds > 0
    batch, _ = deployments(tmp_path, tmp_path / "out", cron="0 2 * * *", settle_seconds=0)
    assert batch.parameters["settle_seconds"] == 0
