"""The steps of reviewing an intake folder, as plain functions the flows sequence (no Prefect here).

An applicant is *unchanged* when the results store already holds a report of this exact packet
(content hash) under these rules and application date: the batch repeats no work for it and writes
no new row. The batch-level rules (``omreview.validators.batch``) cover every applicant of the intake folder,
reviewed in this run or unchanged: they are worked out again only when the batch's inputs (which
applicants, which packets, which rules and date) differ from the previous run recorded in
``OUT/batch.json``; an unchanged applicant then contributes its authority and relaxation request from
its stored report and its roster's 身份证号 by reading its roster file again (the numbers are personal
data and are never stored). So a batch killed midway and run again ends with the same reports as a
batch that was never interrupted.

An applicant that fails (an internal error) still takes part with what is known of it
(``failed_batch_entry``): its form and roster as read before it failed, or its stored report's form;
the batch rules hold back what the unknown parts could change (``omreview.validators.batch``) and say so in the
reports concerned and in ``OUT/batch.json`` (``batch_notes``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
import time
import traceback
import zlib
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from omreview.errors import InputError
from omreview.masking import mask_path
from omreview.model import CheckStatus, Discrepancy, DocStatus, Document, DocumentKind, Report, Verdict
from omreview.packet import Packet, PacketFile, applicant_id_of, last_change, load_packet, packet_hash
from omreview.pages_group import grouped
from omreview.records import DocumentRecord
from omreview.report import report_json, write_report, write_text_atomic
from omreview.review import Review, document_of, review_documents
from omreview.rules import Rules, default_rules
from omreview.spill import Spill, active
from omreview.store import ResultStore
from omreview.store_schema import applicants
from omreview.validators import batch as batch_rules
from omreview.validators.evaluate import decide
from omreview.validators.figures import counted_staff
from omreview.validators.inputs import gather

# figures of the discrepancies that omreview.validators.batch adds (tests/test_flows_intake.py keeps this in step)
BATCH_FIGURE_PREFIXES = ("roster.cross_applicant.", "relaxation_quota")


# --- rules and store -------------------------------------------------------------------------------


def rules_for(version: str | None) -> Rules:
    """The rules to review by; ``version`` (if given) must be the shipped rules' version."""
    rules = default_rules()
    if version not in (None, "", rules.version):
        raise InputError(f"rules version {version!r} is not available: this omreview has rules {rules.version!r}")
    return rules


@cache
def store_for(url: str) -> ResultStore:
    """One store (engine and connection pool) per database URL and process."""
    return ResultStore(url)


# --- reading documents -----------------------------------------------------------------------------


def read_file(pf: PacketFile, rules: Rules) -> tuple[Document, DocumentRecord | None]:
    """One document of a packet, read in one of the process's reading processes (``reader_pool()``)."""
    return document_of(pf, rules)


# --- opening an applicant --------------------------------------------------------------------------


class Outcome(StrEnum):
    REVIEWED = "reviewed"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"  # the folder is unusable (empty, unreadable): the applicant's mistake
    FAILED = "failed"  # an internal error (a bug): details in OUT/<id>/error.log
    DEFERRED = "deferred"  # changed within the settling time (still being copied?): left for the next run


@dataclass(frozen=True)
class Glance:
    """What a batch's summary, table artifact and lines show of a report, kept beside it so that showing a
    batch of N applicants does not build N reports again (each ~5 ms from its JSON)."""

    applicant_id: str
    verdict: Verdict
    documents: int
    unreadable: int  # documents in error
    failing: tuple[str, ...]  # the ids of the failed checks, in the report's order
    unsure: tuple[str, ...]  # the ids of the checks to review or missing
    discrepancies: int
    figures: tuple[tuple[str, Any], ...]  # each figure's name and value

    @classmethod
    def of(cls, report: Report) -> Glance:
        return cls(applicant_id=report.applicant.id, verdict=report.verdict, documents=len(report.documents),
                   unreadable=sum(1 for d in report.documents if d.status == "error"),
                   failing=tuple(c.id for c in report.checks if c.status is CheckStatus.FAIL),
                   unsure=tuple(c.id for c in report.checks if c.status in (CheckStatus.REVIEW, CheckStatus.MISSING)),
                   discrepancies=len(report.discrepancies),
                   figures=tuple((name, figure.value) for name, figure in report.figures.items()))


class Kept:
    """A report held while a batch goes on, as compressed JSON (~5 KB where its objects take ~150 KB), with its
    glance: what the batch's summary shows of it. With the batch's scratch file open (``omreview.spill``) both
    are written there and only their place is held, so that a batch's memory does not grow with its number of
    applicants. ``get()`` builds the report again.

    Pickled (handed to another process), it carries its bytes: a scratch file is its process's own."""

    __slots__ = ("_held", "_place", "_spill")

    def __init__(self, data: bytes, glance: Glance, scratch: Spill | None = None) -> None:
        self._spill = scratch
        self._held: tuple[bytes, Glance] | None = None
        self._place = (0, 0)
        if scratch is not None:
            try:
                self._place = scratch.put(pickle.dumps((data, glance), protocol=pickle.HIGHEST_PROTOCOL))
                return
            except OSError:  # a full disk: held in memory, the batch goes on
                self._spill = None
        self._held = (data, glance)

    @classmethod
    def of(cls, report: Report) -> Kept:
        return cls(zlib.compress(report.model_dump_json().encode("utf-8"), 1), Glance.of(report), active())

    def _both(self) -> tuple[bytes, Glance]:
        if self._held is not None:
            return self._held
        assert self._spill is not None
        data, glance = pickle.loads(self._spill.get(*self._place))
        return data, glance

    @property
    def data(self) -> bytes:
        return self._both()[0]

    @property
    def spilled(self) -> bool:
        """Whether only its place in a scratch file is held (not its bytes)."""
        return self._held is None

    @property
    def glance(self) -> Glance:
        return self._both()[1]

    def get(self) -> Report:
        return Report.model_validate_json(zlib.decompress(self.data))

    def __reduce__(self) -> tuple[Any, ...]:
        return Kept, self._both()


@dataclass(frozen=True)
class Opened:
    """An applicant folder listed and hashed, and its stored report if this packet was reviewed already."""

    applicant_id: str
    folder: Path
    packet: Packet | None = None
    packet_hash: str | None = None
    kept: Kept | None = None  # the stored report
    error: str | None = None
    deferred: str | None = None  # why it was left for the next run (changed within the settling time)

    @property
    def to_review(self) -> bool:
        return self.packet is not None and self.kept is None

    @property
    def stored(self) -> Report | None:
        """The stored report of this packet (built anew at each call)."""
        return self.kept.get() if self.kept is not None else None


def open_applicant(folder: Path, rules: Rules, application_date: dt.date, store: ResultStore | None,
                   settle_seconds: float = 0.0) -> Opened:
    """List and hash the folder; with a store, find the report of this exact packet, rules and date.

    With ``settle_seconds``, a folder in which anything changed more recently than that is left for the
    next run (``Opened.deferred`` says why), neither hashed nor read: it may still be being copied."""
    folder = Path(folder)
    if settle_seconds > 0:
        waiting = unsettled(folder, settle_seconds, rules)
        if waiting is not None:
            return Opened(applicant_id=applicant_id_of(folder), folder=folder, deferred=waiting)
    try:
        packet = grouped(load_packet(folder, rules), rules)  # documents photographed page by page: one each
    except InputError as exc:
        return Opened(applicant_id=applicant_id_of(folder), folder=folder, error=mask_path(str(exc)))
    digest = packet_hash(packet)
    stored = None if store is None else stored_report(store, packet.applicant_id, digest, rules.version)
    if stored is not None and stored.application_date != application_date:
        stored = None
    return Opened(applicant_id=packet.applicant_id, folder=folder, packet=packet, packet_hash=digest,
                  kept=Kept.of(stored) if stored is not None else None)


def unsettled(folder: Path, settle_seconds: float, rules: Rules, now: float | None = None) -> str | None:
    """Why ``folder`` is left for the next run (something in it changed within ``settle_seconds``), or ``None``."""
    now = time.time() if now is None else now
    changed = last_change(folder, rules, now)
    if changed is None or now - changed >= settle_seconds:
        return None
    return (f"files changed {max(0.0, now - changed):.0f} s ago, within the {settle_seconds:g} s settling time "
            "(still being copied?); left for the next run")


def reviewed_hash(packet: Packet, report: Report) -> str:
    """The packet hash of the bytes ``report`` was made from (its documents' digests), the one to store."""
    return packet_hash(packet, {d.file: d.sha256 for d in report.documents})


def as_reviewed(opened: Opened, report: Report) -> Opened:
    """``opened`` with the packet hash of the bytes its report was made from."""
    if opened.packet is None:
        return opened
    return replace(opened, packet_hash=reviewed_hash(opened.packet, report))


def stored_report(store: ResultStore, applicant_id: str, digest: str, rules_version: str) -> Report | None:
    """The stored report of this packet under these rules, or ``None`` (also when it no longer validates)."""
    with store.engine.connect() as c:
        data = c.execute(select(applicants.c.report).where(
            applicants.c.applicant_id == applicant_id, applicants.c.packet_hash == digest,
            applicants.c.rules_version == rules_version)).scalar()
    if data is None:
        return None
    try:
        return Report.model_validate(data)
    except ValidationError:  # written by an older omreview: review it again
        return None


# --- reviewing and recording -----------------------------------------------------------------------


def assess(opened: Opened, pairs: list[tuple[Document, DocumentRecord | None]], application_date: dt.date,
           rules: Rules, out: Path, store: ResultStore | None, batch_id: int | None = None) -> Review:
    """Evaluate an applicant's documents, write its report at once and save it to the store."""
    if opened.packet is None or opened.packet_hash is None:
        raise ValueError(f"{opened.applicant_id}: nothing to review ({opened.error})")
    review = review_documents(opened.packet, pairs, application_date, rules)
    # stored under the hash of the bytes read, not of those listed: had a file changed in between,
    # the next run (finding the listed or yet other bytes) reviews it again
    record(review.report, reviewed_hash(opened.packet, review.report), out, store, batch_id)
    return review


def record(report: Report, digest: str, out: Path, store: ResultStore | None, batch_id: int | None = None) -> Path:
    """Write ``OUT/<id>/report.json`` and upsert the report into the store (the report dumped once for both)."""
    data = report.model_dump(mode="json")
    path = write_report(report, out, data)
    if store is not None:
        store.save(report, digest, batch_id, data)
    return path


def write_error_log(out: Path, applicant_id: str, exc: BaseException) -> Path | None:
    """The traceback of an internal error in ``OUT/<id>/error.log``; where that cannot be written (a full disk),
    ``omreview-<id>-error.log`` in the cache or temporary folder (owner-only); ``None`` if nowhere. Never raises
    ``OSError``: the batch goes on, and its summary line says where the traceback went."""
    from omreview.failures import write_fallback

    text = "".join(traceback.format_exception(exc))
    path = Path(out) / applicant_id / "error.log"
    try:
        write_text_atomic(path, text)
    except OSError:
        return write_fallback(f"omreview-{applicant_id}-error.log", text)
    return path


def clear_error_log(out: Path, applicant_id: str) -> None:
    (Path(out) / applicant_id / "error.log").unlink(missing_ok=True)


# --- batch-level rules over the whole intake ------------------------------------------------------


def base_report(report: Report) -> Report:
    """A stored report without the discrepancies and notes the batch rules added (its verdict decided again)."""
    notes = [n for n in report.notes if not n.startswith(batch_rules.BATCH_NOTE_PREFIX)]
    if len(notes) != len(report.notes):
        report = report.model_copy(update={"notes": notes})
    own = [d for d in report.discrepancies if not d.figure.startswith(BATCH_FIGURE_PREFIXES)]
    if len(own) == len(report.discrepancies):
        return report
    verdict = decide(report.checks, own, report.missing_inputs)
    return report.model_copy(update={"discrepancies": own, "verdict": verdict})


def roster_files(report: Report) -> list[str]:
    """The files of a report that were read as the staff roster."""
    return [d.file for d in report.documents if d.kind is DocumentKind.STAFF_ROSTER and d.status is DocStatus.OK]


def deferred_batch_entry(applicant_id: str) -> batch_rules.BatchEntry:
    """A folder left for the next run (still changing): nothing of it is known to the batch rules yet."""
    return batch_rules.BatchEntry(applicant_id=applicant_id, form_known=False, roster_known=False, failed=True,
                                  reason="材料仍在变动、留待下次审查")


def failed_batch_entry(applicant_id: str, pairs: list[tuple[Document, DocumentRecord | None] | None] | None = None,
                       stored: Report | None = None) -> batch_rules.BatchEntry:
    """What the batch rules can count of an applicant that failed: nothing known, its stored report's form
    (``stored``: a report of this very packet), or what its documents read before it failed give (``pairs``
    in packet order, ``None`` where reading failed). A form or roster counts only when read before the
    first failed document: the review takes the first usable one, and a failed document might have been it.
    """
    form = roster = None
    form_known = roster_known = False
    basis = None
    if pairs is not None:
        broken = next((i for i, pair in enumerate(pairs) if pair is None), len(pairs))
        try:
            inputs = gather([pair for pair in pairs[:broken] if pair is not None])
            form_known = inputs.form is not None or broken == len(pairs)
            roster_known = inputs.roster is not None or broken == len(pairs)
            form, roster = inputs.form, inputs.roster
            ids = {row.id_number: row.source for row in counted_staff(roster)} if roster_known and roster else {}
        except Exception:  # the bug may be in gathering itself: then nothing is known
            form_known = roster_known = False
            ids = {}
        basis = "出错前已读取的材料" if form_known or roster_known else None
    else:
        ids = {}
    authority, relaxed = None, False
    if form_known:
        authority = form.recommending_authority.value if form and form.recommending_authority else None
        relaxed = bool(form and form.relaxation_requested and form.relaxation_requested.value)
    elif stored is not None:
        form_known, basis = True, "已存储的本份材料的审查报告"
        authority, relaxed = stored.applicant.recommending_authority, stored.applicant.relaxation_requested
    return batch_rules.BatchEntry(applicant_id=applicant_id, authority=authority, relaxation_requested=relaxed,
                                  roster_ids=ids if roster_known else {}, form_known=form_known,
                                  roster_known=roster_known, failed=True, basis=basis)


def stored_batch_entry(opened: Opened, rules: Rules) -> batch_rules.BatchEntry:
    """What the batch rules need of an unchanged applicant: its report's fields and its roster read again."""
    report = opened.stored
    if report is None or opened.packet is None:
        raise ValueError(f"{opened.applicant_id}: no stored report")
    wanted = set(roster_files(report))
    pairs = [read_file(pf, rules) for pf in opened.packet.files if pf.rel in wanted]
    roster = gather(pairs).roster
    return batch_rules.BatchEntry(
        applicant_id=report.applicant.id, authority=report.applicant.recommending_authority,
        relaxation_requested=report.applicant.relaxation_requested,
        roster_ids={row.id_number: row.source for row in counted_staff(roster)} if roster else {},
    )


def batch_inputs(opened: list[Opened], rules: Rules, application_date: dt.date) -> str:
    """A fingerprint of what the batch rules depend on: every usable packet, the rules and the date."""
    digest = hashlib.sha256(f"{rules.version}\0{application_date.isoformat()}\n".encode())
    for o in sorted(opened, key=lambda o: o.applicant_id):
        if o.packet_hash is not None:
            digest.update(f"{o.applicant_id}\0{o.packet_hash}\n".encode())
    return digest.hexdigest()


def previous_batch_inputs(out: Path) -> str | None:
    """The fingerprint recorded by the previous batch into ``out`` (``None`` if none finished there)."""
    try:
        found = json.loads((Path(out) / "batch.json").read_text(encoding="utf-8")).get("batch_inputs")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None  # a fingerprint is text


def batch_discrepancies(entries: list[batch_rules.BatchEntry], rules: Rules) -> batch_rules.BatchFindings:
    """The batch discrepancies of every applicant of the intake, by applicant id (and the notes: ``notes_for``)."""
    return batch_rules.batch_discrepancies(entries, rules)


def final_report(report: Report, extra: list[Discrepancy], notes: list[str] | None = None) -> Report:
    """``report`` with the batch discrepancies and notes that concern it now, in place of those it had
    (verdict decided again)."""
    return batch_rules.apply(base_report(report), extra, notes)


def with_batch_rules(reports: dict[str, Report], entries: list[batch_rules.BatchEntry],
                     rules: Rules) -> dict[str, Report]:
    """Every base report with the batch discrepancies and notes that concern it added (verdict decided again)."""
    extra = batch_discrepancies(entries, rules)
    return {aid: final_report(report, extra.get(aid, []), extra.notes_for(aid)) for aid, report in reports.items()}


def report_on_disk(out: Path, applicant_id: str) -> str | None:
    try:
        return (Path(out) / applicant_id / "report.json").read_text(encoding="utf-8")
    except OSError:
        return None


def needs_writing(report: Report, out: Path) -> bool:
    return report_on_disk(out, report.applicant.id) != report_json(report)


# --- applicants gone from the intake ---------------------------------------------------------------

WITHDRAWN_DIR = ".withdrawn"  # OUT/.withdrawn/<id>: the output folders of withdrawn applicants


def withdraw_absent(store: ResultStore, intake: str, present: list[str], out: Path) -> list[str]:
    """Mark withdrawn the applicants last reviewed from ``intake`` (its resolved path, as the batch records it)
    whose folder is not in ``present``, un-withdraw those back in it (``ResultStore.sync_withdrawn``), and move
    each withdrawn one's ``OUT/<id>`` to ``OUT/.withdrawn/<id>`` so that ``OUT`` shows the intake as it is
    (the store keeps its reports; an applicant that comes back gets its report.json written again).
    Returns the applicants withdrawn now."""
    gone, _back = store.sync_withdrawn(intake, present)
    for applicant_id in gone:
        set_aside(Path(out), applicant_id)
    return gone


def set_aside(out: Path, applicant_id: str) -> Path | None:
    """Move ``OUT/<id>`` (a folder holding a report.json) to ``OUT/.withdrawn/<id>`` (``<id>.2``, … if taken)."""
    source = out / applicant_id
    if applicant_id.startswith(".") or not (source / "report.json").is_file():
        return None
    target = out / WITHDRAWN_DIR / applicant_id
    n = 1
    while target.exists() or target.is_symlink():
        n += 1
        target = out / WITHDRAWN_DIR / f"{applicant_id}.{n}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)
    except OSError:  # left in place: the store's mark is what the exports and the dashboard go by
        return None
    return target


# --- the batch summary -----------------------------------------------------------------------------


class Row:
    """One applicant of the batch summary (``OUT/batch.json``) and of the batch table artifact."""

    def __init__(self, applicant: str, outcome: Outcome, report: Report | Kept | None = None,
                 path: Path | None = None, error: str | None = None, error_type: str | None = None) -> None:
        self.applicant, self.outcome, self.path, self.error, self.error_type = (
            applicant, outcome, path, error, error_type)
        self.kept = Kept.of(report) if isinstance(report, Report) else report

    @property
    def report(self) -> Report | None:
        """The applicant's report (built anew at each call: the row holds it compressed)."""
        return self.kept.get() if self.kept is not None else None

    def __repr__(self) -> str:
        return f"Row({self.applicant!r}, {self.outcome.value}, error={self.error!r})"

    @property
    def glance(self) -> Glance | None:
        """What the summary shows of the applicant's report (``None``: no report)."""
        return self.kept.glance if self.kept is not None else None

    def summary(self) -> dict[str, Any]:
        glance = self.glance
        row: dict[str, Any] = {"applicant": self.applicant, "status": self.outcome.value,
                               "verdict": glance.verdict.value if glance else None}
        if self.path is not None:
            row["report"] = str(self.path)
        if self.error is not None:
            row["reason" if self.outcome is Outcome.DEFERRED else "error"] = self.error
        return row


@dataclass
class BatchSummary:
    intake: str
    rules_version: str
    application_date: dt.date
    rows: list[Row] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)
    inputs: str | None = None
    notes: list[str] = field(default_factory=list)  # what the batch rules held back, and why
    withdrawn: list[str] = field(default_factory=list)  # applicants gone from the intake since the last batch

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome is outcome)

    @property
    def failed(self) -> int:
        return self.count(Outcome.FAILED)

    def as_json(self) -> dict[str, Any]:
        rows = sorted(self.rows, key=lambda r: r.applicant)
        return {"intake": self.intake, "rules_version": self.rules_version,
                "application_date": self.application_date.isoformat(),
                "applicants": [r.summary() for r in rows], "skipped_entries": self.loose,
                "counts": {o.value: self.count(o) for o in Outcome}, "batch_inputs": self.inputs,
                "batch_notes": self.notes, "withdrawn": self.withdrawn}


def batch_summary_json(summary: BatchSummary) -> str:
    return json.dumps(summary.as_json(), ensure_ascii=False, indent=2) + "\n"


def write_batch_summary(summary: BatchSummary | str, out: Path) -> Path:
    """``OUT/batch.json`` (from the summary or its JSON text)."""
    path = Path(out) / "batch.json"
    write_text_atomic(path, summary if isinstance(summary, str) else batch_summary_json(summary))
    return path
