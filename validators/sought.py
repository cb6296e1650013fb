"""A value the reader did not find, said plainly: what was looked for, under which labels, and where.

CONDITIONS.md ("Judging from which source"): a value the reader did not find is never evidence of
failure. A check that needs it is ``missing`` (or ``review`` where a relaxation or another source could
still carry it), and its message names the labels looked for (from the rules file) and the documents
searched. A value the applicant wrote as none (无, —, 否, an empty cell of a filled table; the form
records list these in ``stated_none``) is a value: it can fail a check, and the message shows the cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from omreview.model import Check, CheckStatus, Source
from omreview.records import KeyRole
from omreview.rules import CheckRule
from omreview.validators.context import Context, Value, row

Labels = tuple[str, ...]

ROLE_NAMES = {KeyRole.PRINCIPAL: "主要负责人", KeyRole.TECH_LEAD: "运维技术负责人", KeyRole.FINANCE_LEAD: "财务负责人"}
NOT_FOUND = "not_found"  # the key, in a check's values, of what it looked for and did not find


@dataclass(frozen=True)
class Sought:
    """One value looked for and not found: what it is, and each place searched with the labels looked for there."""

    what: str
    places: tuple[tuple[str, Labels], ...]

    def sentence(self) -> str:
        parts = [f"在{where}中查找了{quoted(labels)}" if labels else f"查看了{where}" for where, labels in self.places]
        return f"未找到{self.what}（{'；'.join(parts)}）"


def quoted(labels: Iterable[str]) -> str:
    return "".join(f"「{label}」" for label in labels if label)


def form_place(ctx: Context, part: str = "") -> str:
    """``申报表（form.docx，表1–表6）``, followed by ``part`` (``的主要人员表``) when given."""
    form, file = ctx.inputs.form, ctx.inputs.form_file
    details = [file] if file else []
    count = form.table_count if form is not None else None
    if count:
        details.append("表1" if count == 1 else f"表1–表{count}")
    return "申报表" + (f"（{'，'.join(details)}）" if details else "") + part


def statement_place(ctx: Context, year: int | Sequence[int], part: str = "") -> str:
    """``2010年度审计报告（2010.pdf）`` (or ``2009、2010年度审计报告（2009.pdf、2010.pdf）``), then ``part``."""
    years = [year] if isinstance(year, int) else list(year)
    files = [file for y in years if (file := ctx.inputs.statement_files.get(y))]
    return f"{years_text(years)}年度审计报告" + (f"（{'、'.join(files)}）" if files else "") + part


def years_text(years: Iterable[int | str]) -> str:
    return "、".join(str(y) for y in years)


def roster_place(ctx: Context) -> str:
    file = ctx.inputs.roster_file
    return "人员名册" + (f"（{file}）" if file else "")


def form_field(ctx: Context, key: str, what: str) -> Sought:
    """A labelled cell of the form (``labels.form_fields``)."""
    return Sought(what, ((form_place(ctx), tuple(ctx.rules.labels.form_fields[key])),))


def form_table(ctx: Context, columns: Mapping[str, list[str]], keys: Sequence[str], what: str,
               part: str) -> Sought:
    """A table of the form found by its column names (the header labels of ``keys``)."""
    labels = tuple(label for key in keys for label in columns[key])
    return Sought(what, ((form_place(ctx, part), labels),))


def key_person(ctx: Context, role: KeyRole) -> Sought:
    """A key person's row (by the rules' role labels) in the form."""
    return Sought(ROLE_NAMES[role], ((form_place(ctx, "的主要人员表"),
                                      tuple(ctx.rules.labels.key_person_roles[role.value])),))


def key_person_field(ctx: Context, role: KeyRole, key: str, what: str) -> Sought:
    """A column of a key person's row (``labels.key_person_columns``)."""
    return Sought(f"{ROLE_NAMES[role]}的{what}", ((form_place(ctx, f"的{ROLE_NAMES[role]}一栏"),
                                                   tuple(ctx.rules.labels.key_person_columns[key])),))


def cell(source: Source) -> str:
    """Where a value of the form was written, for a message: ``表4 B2「ITSS符合性评估证书编号 无」``."""
    parts = []
    if source.table is not None:
        parts.append(f"表{source.table + 1}")
    if source.sheet:
        parts.append(source.sheet)
    if source.cell:
        parts.append(source.cell)
    where = " ".join(parts)
    text = f"「{source.text}」" if source.text else ""
    return f"{where}{text}" or source.file


def written_none(what: str, source: Source) -> str:
    """The applicant's own "none" for ``what``, for a message: ``申报表写明无ITSS证书（表4 B2「… 无」）``."""
    return f"申报表填写{what}为无（{cell(source)}）"


def not_found(rule: CheckRule, sought: Sequence[Sought], values: Mapping[str, Value] | None = None,
              evidence: Sequence[Source | None] | None = None, status: CheckStatus = CheckStatus.MISSING,
              lead: str = "无法判断") -> Check:
    """A check that could not be judged because ``sought`` was not found; never ``fail``.

    Its values name what was looked for under ``not_found`` (a relaxation request may turn such a check
    into ``review``, see ``evaluate.relax``).
    """
    if status is CheckStatus.FAIL or status is CheckStatus.PASS:
        raise ValueError("a value not found is never a pass or a fail")
    message = f"{lead}：{'；'.join(s.sentence() for s in sought)}。"
    return row(rule, status, message, {**(values or {}), NOT_FOUND: "、".join(s.what for s in sought)}, evidence)
