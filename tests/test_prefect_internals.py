"""The Prefect internals omreview uses (``omreview.flows.prefect_internals``) are still there, as used, in the
installed Prefect.

Each test names the internal it checks: after a Prefect upgrade, a failure here says which one changed
(and ``omreview.flows.prefect_internals`` says what it is for) instead of a command that hangs, loses its last
task-run states or ignores a setting. Nothing here starts a server.
"""

import ast
import importlib.metadata
import importlib.util
import inspect
import logging
from pathlib import Path

import pytest

from omreview.flows import prefect_internals as internals

PREFECT = f"Prefect {importlib.metadata.version('prefect')}"


def _changed(api: str, how: str) -> str:
    return f"{PREFECT}: {api} changed ({how}); see flows/prefect_internals.py for what omreview uses it for"


def _prefect_source(module: str) -> Path:
    """The source file of a Prefect module, found without importing it (the server's modules take seconds)."""
    root = Path(importlib.util.find_spec("prefect").origin).parent
    path = root.joinpath(*module.split(".")[1:]).with_suffix(".py")
    assert path.is_file(), _changed(module, "module gone")
    return path


def _function(path: Path, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name]
    assert found, _changed(name, f"no function {name} in {path.name}")
    return found[0]


def test_the_server_app_factory_reads_the_environment_variables_we_set():
    module, _, factory = internals.SERVER_APP.partition(":")
    create_app = _function(_prefect_source(module), factory)
    params = {a.arg for a in [*create_app.args.args, *create_app.args.kwonlyargs]}
    assert {"ephemeral", "final"} <= params, _changed(internals.SERVER_APP, f"parameters {sorted(params)}")
    read = {n.value for n in ast.walk(create_app) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    for name in (*internals.SERVER_PRIVATE_ENV, *internals.SERVER_FINAL_ENV):
        assert name in read, _changed(f"{internals.SERVER_APP} reading ${name}", "not read any more")


def test_prefect_migrates_its_database_with_alembics_version_table():
    database = _prefect_source("prefect.server.database.interface").parent
    assert (database / "alembic.ini").is_file(), _changed("prefect.server.database alembic.ini", "gone")
    env = next(database.glob("*migrations/env.py"), None)
    assert env is not None, _changed("prefect.server.database migrations env.py", "gone")
    assert "version_table" not in env.read_text(encoding="utf-8"), _changed(
        f"the {internals.SCHEMA_VERSION_TABLE} table of Prefect's database", "a version_table of its own")


@pytest.mark.parametrize(("module", "name"), internals.CLIENT_QUEUES)
def test_the_client_queues_drain_as_we_call_them(module, name):
    worker = getattr(importlib.import_module(module), name, None)
    assert worker is not None, _changed(f"{module}.{name}", "gone")
    params = inspect.signature(worker.drain_all).parameters
    assert {"timeout", "at_exit"} <= set(params), _changed(f"{module}.{name}.drain_all", f"parameters {list(params)}")
    assert [drain(0.1) for drain in internals.client_queues()]  # nothing queued: each returns at once


def test_prefect_logs_to_the_console_through_the_handler_we_quieten():
    handler = internals.console_handler_class()
    assert issubclass(handler, logging.Handler)
    config = _prefect_source("prefect.logging.handlers").with_name("logging.yml").read_text(encoding="utf-8")
    assert f"{handler.__module__}.{handler.__name__}" in config, _changed(
        "prefect.logging.handlers.PrefectConsoleHandler", "not the console handler of Prefect's logging.yml")


def test_the_flow_run_context_names_its_task_runner():
    from prefect.context import FlowRunContext

    assert "task_runner" in FlowRunContext.model_fields, _changed("prefect.context.FlowRunContext.task_runner", "gone")
    assert internals.on_thread_pool() is False  # outside a flow run


def test_the_flow_run_keeps_its_task_runs_where_we_let_go_of_them():
    from prefect.context import FlowRunContext
    from prefect.task_runners import ThreadPoolTaskRunner

    for name in ("run_results", "task_run_assets"):
        assert name in FlowRunContext.model_fields, _changed(f"prefect.context.FlowRunContext.{name}", "gone")
    assert "self._cancel_events" in inspect.getsource(ThreadPoolTaskRunner.__init__), _changed(
        "prefect.task_runners.ThreadPoolTaskRunner._cancel_events", "gone")
    source = inspect.getsource(internals.forget_task_run)
    assert "run_results" in source and "task_run_assets" in source and "_cancel_events" in source


def test_the_runner_installs_its_handle_sigterm_and_says_when_it_started():
    from prefect.runner import Runner

    params = inspect.signature(Runner).parameters
    assert "pause_on_shutdown" in params, _changed("prefect.runner.Runner(pause_on_shutdown=...)", "gone")
    assert "self.handle_sigterm" in inspect.getsource(Runner.start), _changed(
        "prefect.runner.Runner.start installing self.handle_sigterm for SIGTERM", "not installed so")
    runner = Runner(pause_on_shutdown=True)
    assert internals.runner_started(runner) is False, _changed("prefect.runner.Runner.started", "not False at first")
    calls: list[str] = []
    handler = internals.before_runner_sigterm(runner, lambda: calls.append("hook"))
    assert runner.handle_sigterm is handler
    with pytest.raises(SystemExit):  # Prefect's own handling: a runner that has not started exits at once
        handler()
    assert calls == ["hook"]


def test_every_setting_of_the_local_server_is_a_prefect_setting(monkeypatch):
    import prefect.settings

    from omreview.flows.local import SERVER_SETTINGS

    public = {k: v for k, v in SERVER_SETTINGS.items() if k not in internals.SERVER_PRIVATE_ENV}
    for name, value in public.items():
        monkeypatch.setenv(name, value)
    settings = prefect.settings.Settings()
    for name, value in public.items():
        setting = getattr(prefect.settings, name, None)
        assert setting is not None, _changed(f"the setting {name}", "not a Prefect setting any more")
        got = setting.value_from(settings)
        wanted = value.lower() in ("1", "true") if isinstance(got, bool) else type(got)(value)
        assert got == wanted, _changed(f"the setting {name}", f"the environment variable gives it {got!r}")


def test_the_flow_engine_runs_an_existing_flow_run_and_answers_its_state():
    from prefect.flow_engine import run_flow

    params = inspect.signature(run_flow).parameters
    assert {"flow", "flow_run", "return_type"} <= set(params), _changed("prefect.flow_engine.run_flow",
                                                                       f"parameters {list(params)}")
    assert "state" in str(params["return_type"].annotation), _changed("prefect.flow_engine.run_flow(return_type=)",
                                                                     "no 'state'")
    source = inspect.getsource(internals.run_flow_run)
    assert 'return_type="state"' in source and "flow_run=flow_run" in source
