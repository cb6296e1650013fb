"""``omreview batch`` in local mode as a user runs it: its own Prefect server, home in OUT/.prefect,
no traceback or ERROR line, every task run recorded before the server stops, none left running."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import SAMPLE_DOCS
from tests.process_tree import alive

EXE = Path(sys.executable).with_name("omreview")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_local_mode_batch_is_clean_and_leaves_nothing_behind(tmp_path):
    intake = tmp_path / "intake"
    for name in ("app-06", "app-17"):
        shutil.copytree(SAMPLE_DOCS / name, intake / name)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))}

    # killed midway: its server notices and stops by itself
    proc = subprocess.Popen([EXE, "batch", str(intake), "--out", str(out), "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not list(out.glob("*/report.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    children = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert children, "no Prefect server was started"
    deadline = time.monotonic() + 20
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(c) for c in children), "a child of the killed command is still running"

    done = subprocess.run([EXE, "batch", str(intake), "--out", str(out)], env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    assert "app-06: meets" in done.stdout and "app-17: incomplete" in done.stdout
    with sqlite3.connect(out / ".prefect" / "prefect.db") as c:
        last = c.execute("select id from flow_run order by created desc limit 1").fetchone()[0]
        states = dict(c.execute("select state_type, count(*) from task_run where flow_run_id = ? group by state_type",
                                (last,)).fetchall())
        finished = c.execute("select state_type from flow_run where id = ?", (last,)).fetchone()[0]
    assert finished == "COMPLETED"
    assert set(states) == {"COMPLETED"} and states["COMPLETED"] >= 4, states


def test_a_command_never_lets_prefect_start_its_own_server(tmp_path):
    """Inside a command's session a Prefect client without an API URL (a thread outside the session's settings,
    a stopped command's wind-down) fails instead of starting Prefect's ephemeral server, a child the command's
    os._exit would leave running. Prefect's default profile allows that server."""
    code = textwrap.dedent(f"""
        import threading
        from pathlib import Path
        from omreview.flows.local import prefect_session
        with prefect_session(Path({str(tmp_path / "out")!r})):
            from prefect.client.orchestration import get_client
            from prefect.settings import Settings
            print("ephemeral", Settings().server.ephemeral.enabled)
            outcome = []
            def outside():  # a new thread: Prefect's settings of the process, not the session's
                try:
                    get_client(sync_client=True)
                    outcome.append("client")
                except ValueError as exc:
                    outcome.append("refused" if "No Prefect API URL" in str(exc) else repr(exc))
            t = threading.Thread(target=outside)
            t.start()
            t.join()
            print("outside", outcome[0])
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "ephemeral False" in done.stdout and "outside refused" in done.stdout, done.stdout


def test_a_server_stopped_by_its_process_gets_what_the_process_queued_for_it_first(tmp_path):
    """A process that stops a local server of its own (the tests' servers, a notebook) first delivers the events
    and logs its Prefect client still holds for it: else Prefect's exit hook tries to deliver them to nobody, a
    traceback per attempt, for as long as the queue lasts (a test session once hung for minutes at exit)."""
    code = textwrap.dedent(f"""
        from pathlib import Path
        from prefect.events import emit_event
        from prefect.settings import PREFECT_API_URL, temporary_settings
        from omreview.flows.local import LocalServer
        server = LocalServer(Path({str(tmp_path / "home")!r}))
        server.start()
        url = server.wait_ready()
        with temporary_settings(updates={{PREFECT_API_URL: url}}):
            for i in range(50):
                emit_event(event="omreview.test", resource={{"prefect.resource.id": f"omreview.test.{{i}}"}})
            server.stop()
        print("stopped")
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240,
                          check=False)
    assert done.returncode == 0 and "stopped" in done.stdout, done.stderr
    assert "Connect call failed" not in done.stderr and "pending items" not in done.stderr, done.stderr[-2000:]


def test_a_temporary_server_whose_command_died_before_it_started_stops_itself():
    """The launcher is given the command's pid: a server whose command was gone before it started (killed at
    once, as a stop at start-up can) stops instead of running on as an orphan."""
    from omreview.flows.local import _LAUNCHER, _free_port
    from omreview.flows.prefect_internals import SERVER_APP

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that is not this server's parent
    server = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(_free_port()), SERVER_APP, str(gone.pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert server.wait(timeout=60) != 0
    finally:
        server.kill()


def test_a_prefect_client_losing_its_server_shows_late_and_not_at_all_once_the_command_is_stopping(monkeypatch):
    # systemd signals the server and the command at once: Prefect's events client may log that it lost the
    # server before the command's own signal handler has run; the command's one line must stay the only one
    import io
    import logging

    from omreview.flows import local
    from omreview.flows.prefect_internals import console_handler_class

    stream = io.StringIO()
    console = console_handler_class()(stream=stream)
    logger = logging.getLogger(local.BACKGROUND_LOGGER)
    logger.addHandler(console)
    stopping = [False]
    monkeypatch.setattr(local, "stopping", lambda: stopping[0])
    try:
        with local.quiet_console():
            logger.error("Service 'EventsWorker' failed with 9 pending items.")
            assert stream.getvalue() == ""  # held back
            time.sleep(local.BACKGROUND_DELAY + 0.5)
            assert "Service 'EventsWorker' failed with 9 pending items." in stream.getvalue()  # not stopping: shown

            stream.truncate(0), stream.seek(0)
            logger.error("Service 'EventsWorker' failed with 3 pending items.")
            stopping[0] = True  # the signal's handler runs just after
            time.sleep(local.BACKGROUND_DELAY + 0.5)
            logger.error("Service 'APILogWorker' failed with 1 pending items.")
            assert stream.getvalue() == ""  # the stop's line is the only one
    finally:
        logger.removeHandler(console)
