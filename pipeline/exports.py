"""Exports for reviewers: one Excel workbook per batch and a .docx 评审报告 draft per applicant.

Plain functions over the results store. Every text is masked (``omreview.overview`` masks the
rows, ``omreview.review_docx`` the report); reviewer decisions appear beside the machine results.
What they say is Chinese (:mod:`omreview.zh`): labels, no codes; amounts in 万元 (or 元,
``OMREVIEW_MONEY_UNIT``) with the exact 元 in each amount cell's note; times on the review body's clock.
Both show the 评审结论 in force (conclusion, opinion, reviewer, time; ``待评审`` while there is none) and the
reviewer's decisions. The CLI wires them as ``omreview export``; :func:`export_all` is what it calls.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from docx.document import Document as DocxDocument
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from omreview import zh
from omreview.conclusions import ConclusionEvent, current_conclusions
from omreview.decisions import ReviewerDecision
from omreview.errors import InputError
from omreview.masking import mask_text
from omreview.overview import (
    COUNT,
    DATE,
    ID,
    KEY_FIGURES,
    MONEY,
    RATIO,
    TIME,
    check_rows,
    column_kinds,
    conclusion_rows,
    decision_rows,
    discrepancy_rows,
    overview_frame,
    present,
)
from omreview.report import write_atomic
from omreview.review_docx import conclusion_section, review_document
from omreview.rules import Rules, default_rules
from omreview.store import ResultStore, StoredApplicant, existing_url

WORKBOOK_NAME = "评审汇总.xlsx"
DOCX_NAME = "评审报告（草稿）.docx"
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def select_entries(store: ResultStore, batch_id: int | None = None,
                   include_withdrawn: bool = False) -> list[StoredApplicant]:
    """The newest row of every applicant, or of those whose newest row belongs to ``batch_id``; applicants
    withdrawn from their intake only with ``include_withdrawn``."""
    entries = present(store.latest_applicants(), include_withdrawn)
    if batch_id is not None:
        entries = [e for e in entries if e.batch_id == batch_id]
        if not entries:
            raise InputError(f"no applicants of batch {batch_id} in the results store")
    return entries


def safe_name(applicant_id: str) -> str:
    """The applicant id as one path component (ids are folder names; a store may hold anything)."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", applicant_id).strip(". ")
    return name or "_"


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _fill_sheet(ws: Worksheet, rows: Sequence[dict[str, Any]], formats: dict[str, str] | None = None) -> None:
    """Header + rows; text stays text (a value beginning with ``=`` is never a formula); filters, frozen header."""
    formats = formats or {}
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    ws.append(columns)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
    for row in rows:
        ws.append([_cell_value(row.get(col, "")) for col in columns])
    for r in ws.iter_rows(min_row=2):  # from column A: the i-th cell is columns[i]
        for col, cell in zip(columns, r, strict=False):
            if cell.data_type == "f":  # text from a document that starts with "=": keep it text
                cell.data_type = "s"
            fmt = formats.get(col)
            if fmt and cell.value not in ("", None):
                cell.number_format = fmt
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str) and len(cell.value) > 40)
    for i, col in enumerate(columns, start=1):
        longest = max([_width(col), *(_width(_shown(row.get(col, ""))) for row in rows)])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions


def _shown(value: Any) -> str:
    """About what a cell shows, for its column's width (a date or time as long as its format, not Python's text)."""
    return "0000-00-00 00:00" if isinstance(value, dt.datetime) else str(value)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


# number formats of the overview's column kinds in the workbook (times in the reviewers' time zone, see overview)
SHEET_FORMATS = {COUNT: "0", MONEY: "#,##0.00", RATIO: "0.00%", DATE: "yyyy-mm-dd", TIME: "yyyy-mm-dd hh:mm"}


def _sheet_value(value: Any) -> Any:
    """A cell of the overview frame as openpyxl takes it: missing as empty, times as the reviewers' wall clock
    to the second (Excel has no time zones), numpy numbers as Python ones."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return (value.tz_localize(None) if value.tzinfo else value).floor("s").to_pydatetime()  # Excel keeps ms
    return value.item() if hasattr(value, "item") else value


def frame_rows(frame: pd.DataFrame) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The overview frame as sheet rows (numbers stay numbers, dates stay dates) and each column's number format."""
    kinds = column_kinds(frame)
    rows = [{col: _sheet_value(value) for col, value in zip(frame.columns, values, strict=True)}
            for values in frame.astype(object).itertuples(index=False, name=None)]
    return rows, {col: SHEET_FORMATS[kind] for col, kind in kinds.items() if kind in SHEET_FORMATS}


def batch_workbook(entries: Sequence[StoredApplicant], decisions: Sequence[ReviewerDecision], rules: Rules,
                   path: Path, conclusions: Sequence[ConclusionEvent] = ()) -> Path:
    """The workbook: 申报企业 (the overview frame: the work queue, with each 评审结论), 检查项, 不一致, 评审决定 (the
    decisions' history), 评审结论 (the conclusions' trail, reopenings included), a sheet each. ``conclusions``: the
    applicants' conclusion trail (``store.conclusion_events``); without it every applicant is 待评审."""
    wb = Workbook()
    frame = overview_frame(entries, decisions, conclusions=conclusions)
    applicants, formats = frame_rows(frame)
    sheets: list[tuple[str, list[dict[str, Any]], dict[str, str]]] = [
        ("申报企业", applicants, formats),
        ("检查项", check_rows(entries, decisions, rules), {}),
        ("不一致", discrepancy_rows(entries, decisions), {}),
        ("评审决定", decision_rows(entries, decisions), {}),
        ("评审结论", conclusion_rows(entries, conclusions, rules.review), {}),
    ]
    first = wb.active
    if not isinstance(first, Worksheet):  # openpyxl types ``active`` as possibly None or a chartsheet
        raise TypeError(f"a new workbook's active sheet is {first!r}")
    for i, (title, rows, fmt) in enumerate(sheets):
        ws = first if i == 0 else wb.create_sheet()
        ws.title = title
        _fill_sheet(ws, rows, fmt)
    _exact_amounts(first, entries, frame)
    return write_atomic(path, lambda tmp: wb.save(tmp))


def _exact_amounts(ws: Worksheet, entries: Sequence[StoredApplicant], frame: pd.DataFrame) -> None:
    """A note on each amount of the 申报企业 sheet with the amount exact in 元 (the cell shows it rounded in 万元):
    one hover away, as in the dashboard. Row i + 2 is the frame's row i (the work queue's order)."""
    columns = list(frame.columns)
    by_id = {mask_text(e.applicant_id): e for e in entries}  # the frame's ids are masked as every text
    for key in KEY_FIGURES:
        if key.unit != "CNY" or key.column not in columns:
            continue
        col = columns.index(key.column) + 1
        for i, applicant in enumerate(frame[ID]):
            e = by_id.get(applicant)
            figure = e.report.get("figures", {}).get(key.name) if e else None
            cell = ws.cell(row=i + 2, column=col)
            if figure and cell.value not in ("", None):
                try:
                    cell.comment = Comment(f"{key.label}：{zh.yuan(figure['value'])}", "omreview")
                except ValueError:
                    continue


def _docx_saver(doc: DocxDocument) -> Callable[[Path], None]:
    return lambda tmp: doc.save(str(tmp))


def _docx(entry: StoredApplicant, decisions: Sequence[ReviewerDecision], conclusion: ConclusionEvent | None,
          rules: Rules, intake: Path | None = None) -> DocxDocument:
    mine = [d for d in decisions if d.applicant_row == entry.row_id]
    return review_document(entry, mine, rules, conclusion=conclusion_section(conclusion, mine, rules), intake=intake)


def applicant_docx(store: ResultStore, entry: StoredApplicant, rules: Rules | None = None,
                   intake: Path | None = None) -> DocxDocument:
    """The 评审报告 draft of one stored applicant row, with its 评审结论 in force (``待评审`` while there is none) and
    its reviewer decisions; the caller saves it (the dashboard's download, :func:`write_review_docx`). ``intake``:
    where the applicant folders are (the dashboard's ``--intake``), for the contracts' crops; the batch's intake
    as the store recorded it otherwise."""
    conclusion = current_conclusions(store, [entry.row_id]).get(entry.row_id)
    return _docx(entry, store.decisions([entry.row_id]), conclusion, rules or default_rules(), intake)


def write_review_docx(store: ResultStore, applicant_id: str, path: Path, rules: Rules | None = None) -> Path:
    """The 评审报告 draft of one applicant (its newest report in the store)."""
    entry = next((e for e in store.latest_applicants() if e.applicant_id == applicant_id), None)
    if entry is None:
        raise InputError(f"no applicant {applicant_id} in the results store")
    doc = applicant_docx(store, entry, rules)
    return write_atomic(path, _docx_saver(doc))


def export_all(store: ResultStore, dest: Path, batch_id: int | None = None, rules: Rules | None = None,
               include_withdrawn: bool = False) -> list[Path]:
    """Write ``DEST/评审汇总.xlsx`` and ``DEST/<applicant id>/评审报告（草稿）.docx`` each; return the paths.

    Applicants withdrawn from their intake are left out unless ``include_withdrawn``."""
    rules = rules or default_rules()
    entries = select_entries(store, batch_id, include_withdrawn)
    rows = [e.row_id for e in entries]
    decisions = store.decisions(rows)
    trail = store.conclusion_events(rows)
    concluded = current_conclusions(store, rows)
    written = [batch_workbook(entries, decisions, rules, Path(dest) / WORKBOOK_NAME, trail)]
    for e in entries:
        doc = _docx(e, decisions, concluded.get(e.row_id), rules)
        target = Path(dest) / safe_name(e.applicant_id) / DOCX_NAME
        written.append(write_atomic(target, _docx_saver(doc)))
    return written


def run_export(out: Path | None, db: str | None, to: Path | None = None, batch_id: int | None = None,
               include_withdrawn: bool = False) -> tuple[Path, list[Path]]:
    """``omreview export``: the store of ``--out OUT`` or ``--db URL`` → ``--to DIR`` (default ``OUT/exports``).

    Brings the store's schema up to date first (decisions need revision 0002). Returns the folder
    and the files written; ``InputError`` for the user's mistakes.
    """
    url = existing_url(out, db)
    dest = to if to is not None else Path(out) / "exports" if out is not None else None
    if dest is None:
        raise InputError("give --to DIR for the exports when the store is given by --db")
    store = ResultStore(url)
    try:
        store.migrate()
        return dest, export_all(store, dest, batch_id, include_withdrawn=include_withdrawn)
    finally:
        store.close()
