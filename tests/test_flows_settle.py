"""A local server is left once it recorded the task runs this process submitted to it, and only those.

The test process talks to several Prefect servers one after another (the session's, the test harness's,
a served deployment's own); asking one server for the runs another one holds made the session's
teardown wait out its whole deadline (60 s, "did not record the final state of 27 task run(s)").
"""

from types import SimpleNamespace
from uuid import uuid4

from prefect.settings import PREFECT_API_URL, temporary_settings

from omreview.flows import local, tasks


def _submit_to(url: str) -> object:
    run_id = uuid4()
    fake_task = SimpleNamespace(submit=lambda: SimpleNamespace(task_run_id=run_id))
    with temporary_settings(updates={PREFECT_API_URL: url}):
        tasks.submit(fake_task)
    return run_id


def test_settle_waits_only_for_the_runs_its_own_server_was_given(monkeypatch):
    asked: list[set] = []
    monkeypatch.setattr(local, "wait_recorded", lambda ids, seconds: asked.append(set(ids)) or 0)
    monkeypatch.setattr(tasks, "_submitted", {})
    mine = _submit_to("http://127.0.0.1:4201/api")
    others = {_submit_to("http://127.0.0.1:4202/api") for _ in range(3)}
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4201/api"}):
        local.settle()
        local.settle()  # taken once: nothing left to wait for
    assert asked == [{mine}]
    assert tasks.take_submitted("http://127.0.0.1:4202/api") == others
