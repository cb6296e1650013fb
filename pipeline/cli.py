"""The ``omreview`` command line.

``run`` and ``batch`` go through the Prefect flows (``flows/``) against the configured Prefect API
(``PREFECT_API_URL``) or, without one, a local server whose home is ``OUT/.prefect``
(``omreview.flows.local``; ``run``'s stays for the next command: ``omreview.flows.resident``). User
mistakes are caught before any server starts: one plain line, exit 2.

``run`` and ``batch`` hold the output folder's lock (``omreview.outlock``: a second command into the
same OUT refuses, exit 2, or waits with ``--wait``) and stop at Ctrl-C or SIGTERM within seconds: one
line (``interrupted: 3 of 5 applicants reviewed and stored; …``), exit status 130 or 143; the next run
resumes (``omreview.processes``).

Every other failure of a command also ends in one plain line (cause, path or URL, what to do), its
traceback in a log file the line names, exit status 2 for the user's mistake and 1 for the
environment (``omreview.failures``): the commands' group (``_PlainFailures``) catches what a command
raised, knowing the command's ``--out`` and ``--db`` from their options.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from omreview import failures, handoff, outlock
from omreview.errors import InputError, RulesError
from omreview.intake import BatchSummary, Glance, Outcome, rules_for
from omreview.packet import applicant_folders, load_packet, nameable
from omreview.processes import Interrupted, exit_now, run_stoppable, stop_deadline, stop_on_signals, stop_signal
from omreview.report import schema_text
from omreview.rules import Rules

out_console = Console()
err_console = Console(stderr=True)


def fresh_consoles() -> None:
    """Consoles for the standard output and error as they are now (the warm runner's run: the command's)."""
    global out_console, err_console
    out_console, err_console = Console(), Console(stderr=True)
_OUT, _DB = "omreview.out", "omreview.db"  # where a command's --out and --db are kept for _PlainFailures


class _PlainFailures(typer.core.TyperGroup):
    """Every command's failure ends in one plain line on stderr and its traceback in a log (``omreview.failures``)."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]  # typer's Context is its click's
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # the command's own exit, a usage error
            raise
        except Exception as exc:
            out, db = ctx.meta.get(_OUT), ctx.meta.get(_DB)
            store_url = db
            if store_url is None and out is not None:
                from omreview.store import default_url

                store_url = default_url(out)
            failure = failures.report(exc, out, store_url)
            err_console.print(f"[bold red]error:[/] {escape(failure.line)}", highlight=False, soft_wrap=True)
            raise typer.Exit(failure.code) from None


def _remember(key: str) -> Any:
    def callback(ctx: typer.Context, value: Any) -> Any:
        ctx.meta[key] = value
        return value
    return callback


app = typer.Typer(cls=_PlainFailures, add_completion=False, no_args_is_help=True,
                  help="Review O&M capability applications.")

OutOption = Annotated[Path, typer.Option("--out", "-o", help="folder for the reports (created if needed)",
                                         callback=_remember(_OUT))]
DateOption = Annotated[
    str | None,
    typer.Option("--application-date", help="YYYY-MM-DD; default from the rules file (2012-06-01)"),
]
RulesOption = Annotated[
    str | None, typer.Option("--rules-version", help="refuse to run unless the rules file has this version"),
]
WaitOption = Annotated[bool, typer.Option(
    "--wait", help="if another omreview command is writing to OUT, wait for it to end instead of refusing")]
SETTLE_HELP = "leave an applicant folder in which anything changed within SECONDS for the next run (still being copied)"


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _preflight(out: Path) -> None:
    """Before any Prefect server starts: the output folder can be written and has room, the results store opens."""
    from omreview.store import check_store, default_url

    failures.check_output_folder(out)
    check_store(default_url(out))


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"application date must be YYYY-MM-DD, got {text!r}") from exc


def _rules(version: str | None) -> Rules:
    try:
        return rules_for(version)
    except (RulesError, InputError) as exc:
        raise _fail(str(exc)) from exc


def _summary(glance: Glance, path: Path, note: str = "") -> str:
    unreadable = f", {glance.unreadable} unreadable file(s)" if glance.unreadable else ""
    return (f"{glance.applicant_id}: [bold]{glance.verdict.value}[/] — {glance.documents} file(s){unreadable}"
            f"{note} → {path}")


@app.command()
def run(
    folder: Annotated[Path, typer.Argument(help="one applicant folder")],
    out: OutOption,
    application_date: DateOption = None,
    rules_version: RulesOption = None,
    wait: WaitOption = False,
) -> None:
    """Review one applicant folder and write OUT/<applicant id>/report.json (and the results store)."""
    rules = _rules(rules_version)
    try:
        when = _date(application_date)
        packet = load_packet(folder, rules)  # a user mistake is told before any Prefect server starts
        folder = nameable(folder)  # a name in GBK bytes: the flow's parameters must be UTF-8
    except InputError as exc:
        raise _fail(str(exc)) from exc
    _preflight(out)
    from omreview.flows.local import prefect_session, run_workers

    to_read = sum(1 for pf in packet.files if not pf.error)
    with _one_at_a_time(out, "run", wait, total=1):
        # the reading processes start before Prefect is imported, once a stop signal ends the command in order
        _prestart_readers(min(to_read, run_workers()), rules)
        with prefect_session(out, resident=True):
            from omreview.flows.applicant import applicant_flow

            try:
                report = run_stoppable(applicant_flow, folder=folder, application_date=when,
                                       rules_version=rules.version, out=out)
            except InputError as exc:
                raise _fail(str(exc)) from exc
    out_console.print(_summary(Glance.of(report), Path(out) / report.applicant.id / "report.json"), highlight=False)
    _warm_next(out)


def _warm_next(out: Path) -> None:
    """Start the warm runner of OUT's Prefect home for the next ``omreview run`` (``omreview.handoff``), if the
    command was started as ``omreview`` and a resident server is wanted."""
    env = handoff.started_env()
    if env is None:
        return
    from omreview.flows.local import prefect_home
    from omreview.flows.resident import idle_seconds

    try:
        handoff.start(prefect_home(out), env, idle_seconds())
    except (OSError, InputError) as exc:  # the review is done and stored; the next run is only slower
        _note(f"the warm runner for the next run did not start: {exc}")


@app.command()
def batch(
    intake: Annotated[Path, typer.Argument(help="intake folder: one sub-folder per applicant")],
    out: OutOption,
    application_date: DateOption = None,
    rules_version: RulesOption = None,
    workers: Annotated[int | None, typer.Option(min=1, help="documents read at once (default: CPUs, at most 4)")]
    = None,
    dask: Annotated[str | None, typer.Option(
        help="run the tasks on Dask: 'local' (a local cluster) or a scheduler address tcp://host:8786; "
             "needs the \\[dask] extra")] = None,
    settle: Annotated[float, typer.Option(min=0, metavar="SECONDS", help=SETTLE_HELP + "; default 0: review all now")]
    = 0.0,
    wait: WaitOption = False,
) -> None:
    """Review the new or changed applicant folders of an intake folder (unchanged ones are skipped);
    write one report each, save them to the results store and write OUT/batch.json."""
    rules = _rules(rules_version)
    try:
        when = _date(application_date)
        folders, loose = applicant_folders(intake, rules, skip=[out])
    except InputError as exc:
        raise _fail(str(exc)) from exc
    for name in loose:
        err_console.print(f"[yellow]note:[/] {name} is not an applicant folder; skipped", highlight=False)
    _preflight(out)
    from omreview.flows.local import prefect_session, run_workers

    with _one_at_a_time(out, "batch", wait, total=len(folders)) as tally, _dask_cluster(dask, workers) as scheduler:
        if not dask:  # (on Dask, each worker reads in reading processes of its own)
            _prestart_readers(min(workers or run_workers(), len(folders)), rules)
        with prefect_session(out):
            from omreview.flows import progress
            from omreview.flows.batch import batch_flow, with_runner

            flow = with_runner(batch_flow, workers=workers, dask=scheduler())
            with _progress_bar(tally) as observer, progress.observe(observer):
                summary = run_stoppable(flow, intake_folder=intake, out=out, application_date=when,
                                        rules_version=rules.version, settle_seconds=settle)
    _print_batch(summary)
    if summary.failed:
        raise typer.Exit(1)


@contextmanager
def _dask_cluster(dask: str | None, workers: int | None) -> Iterator[Callable[[], str | None]]:
    """The scheduler address of ``--dask`` as a function (``None`` without it); a local cluster starts now."""
    if not dask:
        yield lambda: None
        return
    from omreview.flows.dask import cluster, require
    from omreview.flows.local import run_workers  # (not flows.applicant: Prefect is imported after the server starts)

    try:
        require()
    except InputError as exc:
        raise _fail(str(exc)) from exc
    with cluster(dask, workers or run_workers()) as scheduler:
        yield scheduler


def _prestart_readers(count: int, rules: Rules) -> None:
    """Start ``count`` reading processes now, as forks of this process while it has one thread (the readers are
    imported already here: ready at once), before Prefect starts its threads."""
    from omreview.extractors.isolate import reader_pool, start_readers_by_fork

    start_readers_by_fork()
    reader_pool().prestart(count, rules)


class _Tally:
    """What a command did, for the line it ends with if it is stopped."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.unchanged: set[str] = set()  # the batch's applicants whose stored report stands

    def line(self, stored: set[str] | None = None) -> str:
        if stored is None:  # a second signal: no time to wind down, what the tasks stored so far
            tasks = sys.modules.get("omreview.flows.tasks")
            stored = tasks.stored_applicants() if tasks is not None else set()
        done = min(len(self.unchanged | stored), self.total)
        return (f"interrupted: {done} of {self.total} applicant{'' if self.total == 1 else 's'} reviewed and "
                "stored; run the same command again to resume")


@contextmanager
def _one_at_a_time(out: Path, command: str, wait: bool, total: int) -> Iterator[_Tally]:
    """The block holds OUT's lock (``omreview.outlock``) and ends at Ctrl-C or SIGTERM within
    ``processes.stop_seconds()``: one line on stderr, exit status 130 or 143 (``omreview.processes``)."""
    tally = _Tally(total)
    with stop_on_signals(last_words=tally.line):
        try:
            with outlock.hold(out, command, wait=wait, on_wait=_note):
                yield tally
        except outlock.Busy as exc:
            raise _fail(str(exc)) from None
        except Interrupted as exc:
            _wind_down(exc.signum, tally)
        except Exception:
            # raised once the command was asked to stop: the stop's doing (a library that wrapped the handler's
            # Interrupted, as pydantic does when it comes in a serializer of Prefect's settings), not a failure
            signum = stop_signal()
            if signum is None:
                raise
            _wind_down(signum, tally)


def _wind_down(signum: int, tally: _Tally) -> NoReturn:
    from omreview.flows.local import wind_down

    stored = wind_down(stop_deadline())
    exit_now(128 + signum, tally.line(stored))


def _note(message: str) -> None:
    err_console.print(f"[yellow]note:[/] {escape(message)}", highlight=False, soft_wrap=True)


class _Bar:
    """The batch's progress bar (on stderr; drawn only on a terminal)."""

    def __init__(self, tally: _Tally) -> None:
        self.tally = tally
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=err_console, transient=True)
        self.task = self.progress.add_task("reviewing", total=None)

    def __enter__(self) -> _Bar:
        if err_console.is_terminal:  # elsewhere (a pipe, a log file) it would only leave an empty line
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress.live.is_started:
            self.progress.stop()

    def __call__(self, event: str, value: int | str, outcome: str | None) -> None:
        if event == "total":
            self.progress.update(self.task, total=int(value))
        else:
            if outcome == Outcome.UNCHANGED:
                self.tally.unchanged.add(str(value))
            self.progress.update(self.task, advance=1, description=f"{value} {outcome}")


def _progress_bar(tally: _Tally) -> _Bar:
    return _Bar(tally)


def _print_batch(summary: BatchSummary) -> None:
    for row in sorted(summary.rows, key=lambda r: r.applicant):
        if row.outcome is Outcome.REJECTED:
            err_console.print(f"[yellow]{row.applicant}:[/] {row.error}", highlight=False)
        elif row.outcome is Outcome.DEFERRED:
            err_console.print(f"[yellow]{row.applicant}: not reviewed:[/] {row.error}", highlight=False)
        elif row.outcome is Outcome.FAILED:
            if row.path is None:
                where = "its traceback could not be written (no space left?)"
            elif row.path.name != "error.log":  # intake.write_error_log's fallback
                where = f"details in {row.path} (its folder in OUT could not be written)"
            else:
                where = f"details in {row.path}"
            err_console.print(f"[red]{row.applicant}: internal error ({row.error_type}); {escape(where)}[/]",
                              highlight=False, soft_wrap=True)
        elif row.kept is not None and row.path is not None:
            note = " (unchanged)" if row.outcome is Outcome.UNCHANGED else ""
            out_console.print(_summary(row.kept.glance, row.path, note), highlight=False)
    counts = ", ".join(f"{summary.count(o)} {o.value}" for o in Outcome if summary.count(o))
    err_console.print(f"{len(summary.rows)} applicant(s): {counts}", highlight=False)


@app.command()
def serve(
    intake: Annotated[Path, typer.Option(help="intake folder reviewed on schedule")],
    out: OutOption,
    cron: Annotated[str, typer.Option(help="schedule of the batch (cron), in the --timezone time zone")]
    = "0 2 * * *",
    timezone: Annotated[str | None, typer.Option(
        help="time zone of the cron schedule (IANA name); default: the review body's, Asia/Shanghai unless "
             "OMREVIEW_TIME_ZONE says otherwise")] = None,
    application_date: DateOption = None,
    settle: Annotated[float | None, typer.Option(min=0, metavar="SECONDS", help=SETTLE_HELP
                                                 + "; default: the rules' intake.settle_seconds")] = None,
    poll_seconds: Annotated[float | None, typer.Option(
        min=0.1, metavar="SECONDS", help="how often to look for new runs; default 1, or "
                                         "PREFECT_RUNNER_POLL_FREQUENCY if set")] = None,
) -> None:
    """Serve the batch flow on a schedule and the applicant flow for reviewers (needs PREFECT_API_URL)."""
    rules = _rules(None)
    try:
        when = _date(application_date)
        if timezone is not None:
            from omreview.zh import zone

            zone(timezone)
    except InputError as exc:
        raise _fail(str(exc)) from exc
    if not intake.is_dir():  # it may still be empty: applicants arrive before the scheduled run
        raise _fail(f"intake folder not found: {intake}")
    from omreview.flows.serve import MissingServer, serve_deployments

    try:
        serve_deployments(intake=intake, out=out, cron=cron, timezone=timezone, application_date=when,
                          rules_version=rules.version, settle_seconds=settle, poll=poll_seconds)
    except MissingServer as exc:
        raise _fail(str(exc)) from exc


@app.command()
def schema() -> None:
    """Print the JSON Schema of report.json."""
    typer.echo(schema_text(), nl=False)


StoreOutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="a batch's reports folder (its store OUT/omreview.sqlite)",
                              callback=_remember(_OUT))
]
DbOption = Annotated[str | None, typer.Option("--db", help="results store URL, instead of --out",
                                              callback=_remember(_DB))]


@app.command()
def dashboard(
    out: StoreOutOption = None,
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="bind address; any but 127.0.0.1 needs --credentials")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8501,
    credentials: Annotated[Path | None, typer.Option(help="reviewers' credentials file")] = None,
    intake: Annotated[Path | None, typer.Option(help="intake folder of the applicant folders (source images)")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM certificate: serve HTTPS (with --tls-key)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="the certificate's PEM private key")] = None,
    session_secret: Annotated[Path | None, typer.Option(
        help="file of the sign-in cookie's secret, created owner-only if missing "
             "(default OUT/.omreview-dashboard.key, or beside the credentials file)")] = None,
    session_hours: Annotated[float | None, typer.Option(
        help="how long a reviewer's sign-in lasts, in hours (default 12)")] = None,
) -> None:
    """Serve the reviewers' dashboard over the results store (127.0.0.1 unless --credentials)."""
    from omreview.dashboard.app import launch
    from omreview.store import existing_url

    code = launch(existing_url(out, db), host, port, credentials, intake, out=out,  # failures: _PlainFailures
                  session_secret=session_secret, session_hours=session_hours, tls_cert=tls_cert, tls_key=tls_key)
    raise typer.Exit(code)


@app.command()
def export(
    out: StoreOutOption = None,
    db: DbOption = None,
    to: Annotated[Path | None, typer.Option("--to", help="folder for the exports (default OUT/exports)")] = None,
    batch_id: Annotated[int | None, typer.Option("--batch", help="only applicants last reviewed in this batch")] = None,
    include_withdrawn: Annotated[bool, typer.Option(
        "--include-withdrawn", help="also applicants whose folder was gone from their intake at a batch")] = False,
) -> None:
    """Write 评审汇总.xlsx and a 评审报告 draft (.docx) per applicant, personal data masked."""
    from omreview.exports import run_export

    dest, paths = run_export(out, db, to, batch_id, include_withdrawn)  # failures: _PlainFailures
    out_console.print(f"{len(paths)} file(s) written to {dest}", highlight=False)



StoreOutArgument = Annotated[Path, typer.Argument(help="a batch's reports folder (its store OUT/omreview.sqlite)",
                                                  callback=_remember(_OUT), show_default=False)]
ApplicantArgument = Annotated[str, typer.Argument(help="the applicant's id (its folder name)", show_default=False)]
ReviewerOption = Annotated[str, typer.Option("--reviewer", help="who records it", show_default=False)]


@contextmanager
def _conclusion_store(out: Path, db: str | None) -> Iterator[Any]:
    """The results store of OUT (or --db), migrated; a refused conclusion ends in its English line, exit 2."""
    from omreview.conclusions import ConclusionRefused
    from omreview.store import ResultStore, existing_url

    store = ResultStore(existing_url(out, db))
    try:
        store.migrate()
        yield store
    except ConclusionRefused as exc:
        raise _fail(escape(exc.operator)) from exc
    finally:
        store.close()


@app.command()
def conclude(
    out: StoreOutArgument,
    applicant: ApplicantArgument,
    conclusion: Annotated[str, typer.Option(
        "--conclusion", help="the 评审结论: 通过, 不通过 or 退回补正 (rules.yaml review.conclusions)",
        show_default=False)],
    opinion: Annotated[str, typer.Option("--opinion", help="the reviewer's opinion (评审意见)", show_default=False)],
    reviewer: ReviewerOption,
    db: DbOption = None,
) -> None:
    """Record the 评审结论 of an applicant whose every open item has a decision; it closes the applicant."""
    from omreview.conclusions import conclude as record
    from omreview.conclusions import conclusion_label
    from omreview.zh import local_time, time_zone

    with _conclusion_store(out, db) as store:
        event = record(store, applicant, conclusion, opinion, reviewer)
    out_console.print(f"{applicant}: concluded {conclusion_label(event.conclusion or '')} by {escape(event.reviewer)} "
                      f"at {local_time(event.acted_at)} ({time_zone().key})", highlight=False)


@app.command()
def reopen(
    out: StoreOutArgument,
    applicant: ApplicantArgument,
    reason: Annotated[str, typer.Option("--reason", help="why it is reopened", show_default=False)],
    reviewer: ReviewerOption,
    db: DbOption = None,
) -> None:
    """Reopen a concluded applicant, with a reason (its conclusion stays in the audit trail)."""
    from omreview.conclusions import reopen as record
    from omreview.zh import local_time, time_zone

    with _conclusion_store(out, db) as store:
        event = record(store, applicant, reason, reviewer)
    out_console.print(f"{applicant}: reopened by {escape(event.reviewer)} at {local_time(event.acted_at)} "
                      f"({time_zone().key})", highlight=False)

if __name__ == "__main__":  # pragma: no cover
    app()
