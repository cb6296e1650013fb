"""The per-applicant flows: one folder reviewed into OUT/<id>/report.json, the store and a markdown artifact.

- ``applicant_flow``: what ``omreview run`` runs (every setting a parameter);
- ``reviewer_flow``: what a reviewer runs from the Prefect UI (``omreview-applicant/reviewer``, served by
  ``omreview serve``). Its form asks only for the applicant and the application date; the intake, the output
  folder, the results store and the rules are the deployment's (``Served``, set by ``omreview serve``), not
  the reviewer's to edit.

Both always review (it is asked for on purpose) and upsert the store row of that packet; batch-level rules
are the batch's job. Every run is named after its applicant and ends with one line giving the verdict in
Chinese and where the report is. A reviewer's run holds the applicant's concurrency slot on the Prefect
server (``applicant_slot``: one run per applicant at a time; a second one waits, and says so; ``omreview
run`` needs none: it holds OUT's lock for the whole command). A reviewer's mistake (an unknown id, a missing
or empty folder, an applicant busy for longer than ``SLOT_WAIT_SECONDS``) ends the run Failed with one plain
ERROR line and the reason as the state's message, no traceback. What the reviewer reads in the run's log is
Chinese (the reasons a reviewer's run gives itself, the wait, the verdict line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterName,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.states import Failed, State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from omreview import intake, outlock, zh
from omreview.errors import InputError
from omreview.flows import tasks
from omreview.flows.local import run_workers
from omreview.masking import mask_path
from omreview.model import Report
from omreview.packet import applicant_id_of, find_applicant, load_packet
from omreview.review import Review
from omreview.rules import Rules
from omreview.store import default_url

DEFAULT_WORKERS = run_workers()
SLOT_PREFIX = "omreview-applicant:"  # + the applicant id: the global concurrency limit (1) of its runs
SLOT_WAIT_SECONDS = 600.0  # a reviewer's run waits this long for another run of the same applicant


def thread_pool(max_workers: int) -> TaskRunner[PrefectFuture[Any]]:
    """A thread-pool task runner, typed as ``flow(task_runner=...)`` takes it.

    Prefect annotates that parameter as the invariant ``TaskRunner[PrefectFuture[Any]]``, which its own
    ``ThreadPoolTaskRunner`` (a ``TaskRunner[PrefectConcurrentFuture[R]]``) does not match: a cast, as
    Prefect's ``Flow.__init__`` does for its default runner.
    """
    return cast("TaskRunner[PrefectFuture[Any]]", ThreadPoolTaskRunner(max_workers=max_workers))


def _run_name() -> str:
    """A run's name: its applicant's id (``app-07``), masked as everywhere."""
    parameters = flow_run.parameters
    given = parameters.get("applicant") or parameters.get("folder") or "?"
    text = str(given).rstrip("/\\")
    return applicant_id_of(Path(text)) if text else "?"


@flow(name="omreview-applicant", flow_run_name=_run_name, task_runner=thread_pool(DEFAULT_WORKERS))
def applicant_flow(
    folder: Path,
    application_date: dt.date | None = None,
    rules_version: str | None = None,
    out: Path = Path("out"),
    db_url: str | None = None,
) -> Report:
    """Review one applicant folder (its documents read in parallel) and record the report, holding OUT's lock
    (``omreview.outlock``): a reviewer's run waits for a batch writing to the same folder. A folder that
    cannot be reviewed raises ``InputError`` (the command line says it in one line)."""
    with outlock.hold(Path(out), "applicant (flow run)", wait=True, on_wait=_info):
        report = _review(folder, application_date, rules_version, out, db_url)
    _verdict_line(report, Path(out))
    return report


# --- the reviewer's deployment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """What ``omreview serve`` fixes for the reviewer's deployment: not in the run form."""

    intake: Path
    out: Path
    rules_version: str
    db_url: str | None = None


_served: list[Served] = []  # set by omreview serve (the process that runs the reviewer's runs)


def serve_as(served: Served | None) -> None:
    """Fix (or, with ``None``, forget) the intake, output folder, store and rules of the reviewer's runs."""
    _served[:] = [] if served is None else [served]


@flow(name="omreview-applicant", flow_run_name=_run_name, task_runner=thread_pool(DEFAULT_WORKERS))
def reviewer_flow(applicant: str, application_date: dt.date) -> Report | State[Any]:
    """Review one applicant of the served intake; the report goes to the served output folder.

    Args:
        applicant: The applicant's id, i.e. the name of its folder in the intake folder (e.g. app-07), or the
            full path of an applicant folder elsewhere (e.g. /srv/intake/late/app-22).
        application_date: The date the application was filed, as YYYY-MM-DD (e.g. 2012-06-01); the
            deployment's default is the one omreview serve was started with.
    """
    if not _served:
        raise RuntimeError("the reviewer's deployment runs under omreview serve (which fixes its intake, output "
                           "folder, store and rules); run omreview serve, or omreview run for one folder")
    served = _served[0]
    try:
        folder = applicant_folder(applicant, served.intake, served.rules_version)
        with applicant_slot(applicant_id_of(folder)), \
                outlock.hold(served.out, "applicant (flow run)", wait=True, on_wait=_info):
            report = _review(folder, application_date, served.rules_version, served.out, served.db_url)
    except InputError as exc:
        reason = str(exc)
        get_run_logger().error(reason)
        return Failed(message=reason)
    _verdict_line(report, served.out)
    return report


def applicant_folder(applicant: str, intake_folder: Path, rules_version: str | None = None) -> Path:
    """The folder of ``applicant``: an id (a sub-folder of the intake) or a folder's path; ``InputError``, in
    words, unless it is a folder with documents in it."""
    given = applicant.strip()
    if not given:
        raise InputError(f"未填写申报企业：请填写受理目录 {intake_folder} 中的子目录名（如 app-07），"
                         "或申报材料目录的完整路径")
    as_path = Path(given).expanduser()
    if as_path.is_absolute():
        folder = as_path
        if not folder.is_dir():
            raise InputError(f"找不到申报材料目录 {mask_path(given)}：请填写本机可见目录的完整路径，"
                             f"或受理目录 {intake_folder} 中的子目录名（如 app-07）")
    else:
        folder = Path(intake_folder) / as_path
        if not folder.is_dir():  # sent as 公司A.zip, or a name on disk in GBK bytes: as the batch lists it
            folder = find_applicant(Path(intake_folder), given) or folder
        inside = Path(intake_folder).resolve() in folder.resolve().parents
        if not inside or not (folder.is_dir() or folder.is_file()):
            raise InputError(f"受理目录 {intake_folder} 中没有 {mask_path(given)}：请填写其中的子目录名（如 app-07），"
                             "或申报材料目录的完整路径")
    rules = intake.rules_for(rules_version)
    try:
        load_packet(folder, rules)  # an empty or unreadable folder, said in words
    except InputError as exc:
        if not _has_documents(folder, rules):
            raise InputError(f"申报材料目录 {mask_path(given)} 中没有文件：请先放入申报材料，再运行") from None
        raise InputError(mask_path(str(exc))) from None
    return folder


def _has_documents(folder: Path, rules: Rules) -> bool:
    """Whether ``folder`` holds a file that is not debris (hidden, OS or Office files: ``intake.ignored``)."""
    try:
        return any(p.is_file() and not rules.intake.ignored(p.name) for p in folder.rglob("*"))
    except OSError:
        return True  # unreadable: load_packet's reason says so


# --- what both flows share -------------------------------------------------------------------------------------


def _info(message: str) -> None:
    get_run_logger().info(message)


@contextmanager
def applicant_slot(applicant_id: str) -> Iterator[None]:
    """Hold the applicant's slot (a global concurrency limit of 1 on the Prefect server) for the block: a second
    run for the same applicant waits for the first, saying so in its log, and gives up (``InputError``) after
    ``SLOT_WAIT_SECONDS``.

    A slot held while no other run of the applicant is Running was left by a run that never ended (its process
    killed, or the Prefect server restarted, which forgets the slots' leases but not their count): it is freed,
    and said so, instead of being waited for in vain."""
    name = SLOT_PREFIX + applicant_id
    with get_client(sync_client=True) as client:
        try:
            busy = client.read_global_concurrency_limit_by_name(name).active_slots >= 1
        except ObjectNotFound:  # the applicant's first run on this server
            busy = False
            _ensure_limit(client, name)
        if busy and not _other_runs(client, applicant_id):
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))
            _info(f"{applicant_id} 的审查名额被一次未正常结束的运行占用，已释放")
            busy = False
    if busy:
        _info(f"{applicant_id} 的另一次审查正在进行，本次运行等它结束后开始")
    try:
        with concurrency(name, occupy=1, timeout_seconds=SLOT_WAIT_SECONDS, strict=True):
            yield
    except TimeoutError:
        raise InputError(f"{applicant_id} 的另一次审查已运行超过 {SLOT_WAIT_SECONDS / 60:.0f} 分钟：请等它结束"
                         "（或在 Prefect 界面中取消它），再重新运行") from None


def _other_runs(client: Any, applicant_id: str) -> list[Any]:
    """The runs of an applicant flow named ``applicant_id`` that are Running, this one aside."""
    me = flow_run.id
    return list(client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=["omreview-applicant"])),
        flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[applicant_id]),
                                      state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])),
                                      id=FlowRunFilterId(not_any_=[UUID(me)] if me else None)),
        limit=5))


def _ensure_limit(client: Any, name: str) -> None:
    with suppress(ObjectAlreadyExists):  # another run created it a moment ago
        client.upsert_global_concurrency_limit_by_name(name, 1)


def _verdict_line(report: Report, out: Path) -> None:
    path = Path(out).resolve() / report.applicant.id / "report.json"
    get_run_logger().info(f"{report.applicant.id}：{zh.verdict_label(report.verdict)}，报告 {path}")


def _review(folder: Path, application_date: dt.date | None, rules_version: str | None, out: Path,
            db_url: str | None) -> Report:
    rules = intake.rules_for(rules_version)
    when = application_date or rules.default_application_date
    url = db_url or default_url(out)
    tasks.submit(tasks.prepare_store, url, None, rules.version).result()
    opened = tasks.submit(tasks.open_applicant, Path(folder), rules.version, when, None).result()
    if opened.packet is None:
        raise InputError(opened.error or f"cannot open {folder}")
    reads = [tasks.submit(tasks.read_document, pf, rules.version) for pf in opened.packet.files]
    pairs = [future.result() for future in reads]
    review: Review = tasks.submit(tasks.assess_applicant, tasks.handoff(opened), tasks.handoff(pairs), when,
                                  rules.version, Path(out), url, None).result().take()
    intake.clear_error_log(Path(out), opened.applicant_id)
    return review.report  # its markdown artifact comes from the assess task
