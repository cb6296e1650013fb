"""The tasks: one per applicant reviewed (or, on Dask, one per document read and one per applicant assessed) and a
few per batch, each a call to a plain function.

How a batch is cut into tasks depends on where they run. On the command's thread pool an applicant is
one ``review-applicant`` task: a task run costs Prefect ~10-20 ms of CPU on each side (client and
server) whatever it does, as much as reading a text-layer document, and the documents of one machine are
read by the same few reading processes however they are cut. Its documents are read one after another
in the thread's reading process; each document's error (a file that cannot be read, a bug in a reader)
and each retry of a document on I/O is a line of the task run's log, naming the file (its path masked).
On Dask, where tasks are spread over machines and a scanned document costs seconds, each document is a
``read-document`` task and ``assess-applicant`` follows.

Rules travel as their version string and the store as its URL, so a task's parameters are small
and picklable (a Dask worker process looks both up itself). Only I/O is retried
(``OSError``, a database that is busy or unreachable); a bug fails its task at once.

When the command is stopping (``omreview.processes``) no task is submitted and a task that has not
begun its work raises ``Interrupted``; a report being stored is stored (``storing`` says whether one
is, ``stored_applicants`` which were).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypedDict, TypeVar
from uuid import UUID

from prefect import Task, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE, CachePolicy
from prefect.client.schemas.objects import State, TaskRun
from prefect.futures import PrefectFuture
from prefect.settings import get_current_settings
from prefect.utilities.annotations import quote
from sqlalchemy.exc import OperationalError

from omreview import intake, zh
from omreview.artifacts import applicant_markdown, artifact_key
from omreview.flows.prefect_internals import forget_task_run, on_thread_pool
from omreview.masking import mask_path
from omreview.model import DocStatus, Document, Report
from omreview.packet import PacketFile
from omreview.processes import check_stop
from omreview.records import DocumentRecord
from omreview.review import Review
from omreview.rules import Rules
from omreview.validators.batch import BatchEntry

IO_ERRORS = (OSError, OperationalError)  # a file system or database that is busy or unreachable
T = TypeVar("T")
Pair = tuple[Document, DocumentRecord | None]
READ_RETRY_SECONDS = (1.0, 5.0)  # a document read again after an I/O error, after these pauses (as the tasks' retries)


class Parcel(Generic[T]):
    """A task's result handed on once: its receiver takes the value out and the parcel is left empty.

    Prefect holds on to every finished task: its future, the future's final state and, in that state,
    the task's result, in reference cycles (the future and its own done-callback) that live until
    Python's cyclic garbage collector finds them. Over a batch that kept every applicant's document
    records and review alive for a while, ~0.5 MB an applicant, so memory grew with the intake
    (measured with tracemalloc: 4.6 MB of such records after reading 12 applicants, 19 MB after 40).
    With parcels, what Prefect holds on to is empty once the value is taken.

    A task that takes parcels ``open()``s them and ``empty()``s them only once it succeeded, so a retried
    task finds its inputs again. On Dask a parcel travels as a copy (pickled): emptying the copy does not
    matter there, a Dask worker keeps results in its own memory.
    """

    __slots__ = ("_full", "_value")

    def __init__(self, value: T) -> None:
        self._value: T | None = value
        self._full = True

    def open(self) -> T:
        if not self._full:
            raise RuntimeError("this parcel was taken already (a task result handed on twice)")
        return self._value  # type: ignore[return-value]  # a full parcel holds its T (None only once emptied)

    def empty(self) -> None:
        self._value, self._full = None, False

    def take(self) -> T:
        value = self.open()
        self.empty()
        return value


def io_only(_task: Task[..., Any], _run: TaskRun, state: State[Any]) -> bool:
    """Retry a failed task only when it failed on I/O."""
    return isinstance(state.data, IO_ERRORS)


class _TaskOptions(TypedDict):
    retries: int
    retry_delay_seconds: list[float]
    retry_condition_fn: Callable[[Task[..., Any], TaskRun, State[Any]], bool]
    cache_policy: CachePolicy


_io: _TaskOptions = {"retries": 2, "retry_delay_seconds": [1, 5], "retry_condition_fn": io_only,
                     "cache_policy": NO_CACHE}


@task(name="prepare-store", **_io)
def prepare_store(db_url: str, intake_name: str | None, rules_version: str) -> int | None:
    """Create or upgrade the store's schema; for a batch, open its row."""
    store = intake.store_for(db_url)
    store.migrate()
    return None if intake_name is None else store.start_batch(intake_name, rules_version)


@task(name="withdraw-absent", **_io)
def withdraw_absent(db_url: str, intake_path: str, present: list[str], out: Path) -> list[str]:
    """The applicants last reviewed from this intake folder whose folder is gone, marked withdrawn (and those
    back un-withdrawn); returns the ones withdrawn now."""
    return intake.withdraw_absent(intake.store_for(db_url), intake_path, present, out)


@task(name="open-applicant", task_run_name="open-{folder.name}", **_io)
def open_applicant(folder: Path, rules_version: str, application_date: dt.date, db_url: str | None) -> intake.Opened:
    """The applicant flow's (a batch opens all its folders in one ``open-intake`` task)."""
    store = intake.store_for(db_url) if db_url else None
    return intake.open_applicant(folder, intake.rules_for(rules_version), application_date, store)


@task(name="open-intake", **_io)
def open_intake(folders: list[Path], rules_version: str, application_date: dt.date,
                db_url: str, settle_seconds: float = 0.0) -> list[intake.Opened | Exception]:
    """Every applicant folder of a batch listed, hashed and looked up in the store (one task, not one each);
    those changed within ``settle_seconds`` left for the next run.

    A bug while opening one folder is that folder's result (its applicant fails, the others go on);
    an I/O error fails the task, which is retried (opening is read-only and repeatable).
    """
    store, rules = intake.store_for(db_url), intake.rules_for(rules_version)
    return [_or_bug(intake.open_applicant, folder, rules, application_date, store, settle_seconds)
            for folder in folders]


def _or_bug(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except IO_ERRORS:
        raise
    except Exception as exc:  # one applicant's bug is that applicant's failure, not the batch's
        return exc


@task(name="read-document", **_io)
def read_document(pf: PacketFile, rules_version: str) -> Parcel[tuple[Document, DocumentRecord | None]]:
    """One document read (its records for ``assess-applicant``, which takes them)."""
    check_stop()
    return Parcel(intake.read_file(pf, intake.rules_for(rules_version)))


@task(name="assess-applicant", task_run_name="assess-{opened.applicant_id}", **_io)
def assess_applicant(opened: intake.Opened, pairs: list[Parcel[tuple[Document, DocumentRecord | None]]],
                     application_date: dt.date, rules_version: str, out: Path, db_url: str,
                     batch_id: int | None, artifact: bool = True) -> Parcel[Review]:
    """Evaluate, write report.json at once, save it to the store; its markdown artifact unless ``artifact`` is off
    (a batch publishes each applicant's once, after the batch rules).

    Takes the documents' parcels (emptied once this succeeded: a retry finds them again); returns the
    review in a parcel for the flow to take."""
    check_stop()
    with _storing():
        review = intake.assess(opened, [p.open() for p in pairs], application_date, intake.rules_for(rules_version),
                               out, intake.store_for(db_url), batch_id)
        _stored.add(review.report.applicant.id)
    if artifact:
        publish(review.report)
    for parcel in pairs:
        parcel.empty()
    return Parcel(review)


@task(name="review-applicant", task_run_name="review-{opened.applicant_id}", **_io)
def review_applicant(opened: intake.Opened, application_date: dt.date, rules_version: str, out: Path, db_url: str,
                     batch_id: int | None) -> Parcel[Review]:
    """Read every document of one applicant, evaluate, write report.json at once and save it to the store: one
    task run for the applicant (its artifact is published by the flow once the batch rules are done).

    A bug (in a reader or in the review) fails the task with that exception, after the other documents were
    read: what was read counts in the batch rules (``read_before``). I/O errors are retried (a document at
    once, the whole task after them)."""
    check_stop()
    rules = intake.rules_for(rules_version)
    if opened.packet is None:
        raise ValueError(f"{opened.applicant_id}: nothing to read ({opened.error})")
    pairs = read_documents(opened.packet.files, rules)
    with _storing():
        try:
            review = intake.assess(opened, pairs, application_date, rules, out, intake.store_for(db_url), batch_id)
        except IO_ERRORS:
            raise
        except Exception as exc:
            raise _with_read(exc, list(pairs)) from None
        _stored.add(review.report.applicant.id)
    return Parcel(review)


def read_documents(files: Sequence[PacketFile], rules: Rules) -> list[Pair]:
    """Each document read in turn (in this thread's reading process); a document that cannot be read is logged
    (a warning naming the file), an I/O error retried after ``READ_RETRY_SECONDS`` (logged), a bug logged as an
    error and raised once every other document was read, with what was read (``read_before``)."""
    logger = get_run_logger()
    pairs: list[Pair | None] = []
    bug: Exception | None = None
    for pf in files:
        try:
            pair = _read_retrying(pf, rules, logger)
        except IO_ERRORS:
            raise  # read again as often as it was: the task's retries read the applicant again
        except Exception as exc:
            logger.error("%s: not read, a bug in its reader: %s: %s", mask_path(pf.rel), type(exc).__name__, exc)
            bug = bug or exc
            pairs.append(None)
            continue
        if pair[0].status is DocStatus.ERROR:
            logger.warning("%s: not read: %s", mask_path(pf.rel), pair[0].error)
        pairs.append(pair)
    if bug is not None:
        raise _with_read(bug, pairs)
    return [p for p in pairs if p is not None]


def _read_retrying(pf: PacketFile, rules: Rules, logger: Any) -> Pair:
    for pause in (*READ_RETRY_SECONDS, None):
        check_stop()
        try:
            return intake.read_file(pf, rules)
        except IO_ERRORS as exc:
            if pause is None:
                raise
            logger.warning("%s: %s: %s; read again in %g s", mask_path(pf.rel), type(exc).__name__, exc, pause)
            time.sleep(pause)
    raise AssertionError("unreachable")


_READ = "_omreview_read_before"


def _with_read(exc: Exception, pairs: list[Pair | None]) -> Exception:
    setattr(exc, _READ, pairs)
    return exc


def read_before(exc: BaseException) -> list[Pair | None] | None:
    """What ``review-applicant`` had read of its applicant when it failed with ``exc`` (a failed read ``None``);
    ``None`` when it had not got that far. On a thread pool the flow gets the task's own exception."""
    pairs = getattr(exc, _READ, None)
    return pairs if isinstance(pairs, list) else None


def publish(report: Report) -> None:
    """The markdown artifact of one report (a new version of ``applicant-<id>``)."""
    create_markdown_artifact(markdown=applicant_markdown(report), key=artifact_key("applicant", report.applicant.id),
                             description=f"omreview：{report.applicant.id} {zh.verdict_label(report.verdict)}")


@task(name="roster-entry", task_run_name="roster-{opened.applicant_id}", **_io)
def roster_entry(opened: intake.Opened, rules_version: str) -> BatchEntry:
    """What the batch rules need of an unchanged applicant (its roster read again)."""
    return intake.stored_batch_entry(opened, intake.rules_for(rules_version))


@task(name="record-reports", **_io)
def record_reports(reports: list[tuple[intake.Kept, str]], out: Path, db_url: str,
                   batch_id: int | None) -> list[Path | Exception]:
    """Write and save the reports the batch rules changed (one task for all; a bug fails only its report)."""
    store = intake.store_for(db_url)
    with _storing():
        return [_or_bug(lambda k, d: intake.record(k.get(), d, out, store, batch_id), kept, digest)
                for kept, digest in reports]


@task(name="finish-batch", **_io)
def finish_batch(db_url: str, batch_id: int, counts: dict[str, int], summary_json: str, out: Path) -> Path:
    """Close the batch's row in the store and write OUT/batch.json (given as text: nothing to traverse)."""
    intake.store_for(db_url).finish_batch(batch_id, counts["reviewed"], counts["unchanged"], counts["failed"])
    return intake.write_batch_summary(summary_json, out)


def handoff(value: Any) -> Any:
    """``value`` as a parameter Prefect passes on as it is, without walking every field looking for futures.

    That walk (``visit_collection`` over a packet or a report's records) cost more CPU than the task
    itself. On a thread pool the value is ``quote``d; Dask sends its arguments through its own
    serialisation, which turns Prefect's annotations (named tuples) into plain tuples, so there it goes
    unquoted and the walk happens on the workers.
    """
    return quote(value) if on_thread_pool() else value


# --- which task runs this process submitted, by the API they went to (so a local server is stopped only
# once it recorded its own; a process such as the tests talks to several servers one after another, and a
# server is never asked for the runs of another: it would wait in vain for them)


_submitted: dict[str, set[UUID]] = {}
_lock = threading.Lock()


def _api_url() -> str:
    return str(get_current_settings().api.url or "")


def outcome(future: PrefectFuture[Any]) -> Any:
    """A task's result once it finished, or its exception; what the flow run keeps of the task run is let go of
    (``prefect_internals.forget_task_run``), so that a batch's memory does not grow with its task runs."""
    result = future.result(raise_on_failure=False)
    forget_task_run(future.task_run_id, result)
    return result


def submit(t: Task[..., Any], *args: Any, **kwargs: Any) -> PrefectFuture[Any]:
    check_stop()  # nothing new once the command is stopping
    future: PrefectFuture[Any] = t.submit(*args, **kwargs)
    with _lock:
        _submitted.setdefault(_api_url(), set()).add(future.task_run_id)
    return future


def bookkeeping(t: Task[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a task that works on OUT and the store, not on a document, and whose result the flow waits for at
    once (``prepare-store``, ``open-intake``, ``record-reports`` …): on a thread pool submitted as any other;
    on Dask in the flow's own process. A Dask worker may be on a machine that does not see OUT, and a worker's
    first task pays its imports: the batch's first steps went from worker to worker, 2-3 s of one core each,
    before any document was read."""
    if on_thread_pool():
        return submit(t, *args, **kwargs).result()
    check_stop()  # nothing new once the command is stopping
    return t(*args, **kwargs)


def take_submitted(api_url: str | None = None) -> set[UUID]:
    """The task runs submitted to ``api_url`` (the current API when None) since the last take."""
    with _lock:
        return _submitted.pop(_api_url() if api_url is None else api_url, set())


# --- reports being stored and stored by this process (what a stopping command waits for and counts)


_stored: set[str] = set()
_in_store = [0]


@contextmanager
def _storing() -> Iterator[None]:
    with _lock:
        _in_store[0] += 1
    try:
        yield
    finally:
        with _lock:
            _in_store[0] -= 1


def storing() -> bool:
    """Whether a task of this process is writing a report and saving it to the store right now."""
    return _in_store[0] > 0


def stored_applicants() -> set[str]:
    """The applicants whose report a task of this process reviewed and stored."""
    return set(_stored)
