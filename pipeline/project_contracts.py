"""Each declared project beside its contract, as reviewers read it: the applicant page and the 评审报告 draft both
show the report's ``projects`` (#18 point 6) through :func:`project_views`.

A project (a row of the form's project table) is shown with what the form declares and what its contract says,
line by line: the client (甲方), the provider (乙方, beside the applicant), the amount in figures and in words,
the period and the nature of the work; a line is marked where the report found the two disagree (its
discrepancies ``contract.<aspect>.project<n>``, or ``contract.<aspect>.contract<n>`` for a contract no row
declares, matched by the contract's file and pages), so the page and the draft judge nothing themselves. The
reasons a project counts only on the form's word (``doubts``) follow as ``仅凭申报表计入：…``. The evidence is the
source of the contract's amount and of its two parties (:attr:`ProjectView.crops`).

Amounts in 万元 with separators (:func:`omreview.zh.money`, the exact 元 where the two differ only below the 万元
shown), the nature by its label (``运维服务``), no codes; every text masked.

A folder without contracts has no ``projects`` key: :func:`declared_only_note` says so when the form declares
projects (``未附合同：项目情况仅依据申报表填报。``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from omreview import zh
from omreview.masking import mask_path, mask_text

DECLARED_ONLY = "未附合同：项目情况仅依据申报表填报。"
FORM_ONLY = "仅凭申报表计入："
NO_CONTRACT = "（未附合同）"
NOT_READ = "（未读出）"
DIFFERS = "⚠ 不一致"
# the lines of a project beside its contract: (label, the aspect of the report's contract discrepancies)
LINES: tuple[tuple[str, str], ...] = (
    ("甲方（客户）", "client"), ("乙方（服务方）", "party"), ("合同金额（小写）", "amount"),
    ("合同金额（大写）", "words"), ("期限", "period"), ("合同性质", "nature"),
)
# the evidence shown of a contract: its amount and its two parties
CROPS: tuple[tuple[str, str], ...] = (("合同金额", "amount"), ("甲方", "client"), ("乙方", "provider"))
_FIGURE = re.compile(r"contract\.(\w+)\.(project|contract)(\d+)(?:#\d+)?$")


@dataclass(frozen=True)
class Line:
    """One line of a project beside its contract: what the form declares, what the contract says, whether the
    report found them to disagree."""

    label: str
    declared: str
    contract: str
    differs: bool


@dataclass(frozen=True)
class ProjectView:
    """A project and its contract (or a contract no row declares) as reviewers read it."""

    title: str  # 项目2：南京市社会保险事业管理中心信息系统运行维护服务项目 · 合同：file40.pdf 第3–4页，合同编号 …
    contract: str  # file40.pdf 第3–4页，合同编号 BJYW-2011-002 · （未附合同）
    lines: tuple[Line, ...]
    doubts: tuple[str, ...]
    declared: bool  # a row of the form (False: a contract no row declares)
    crops: tuple[tuple[str, dict[str, Any]], ...] = field(default=())  # (label, source) of amount, 甲方, 乙方

    @property
    def doubts_text(self) -> str:
        """``仅凭申报表计入：未附合同；…``, or ``""`` when the contract bears the project out."""
        return FORM_ONLY + "；".join(self.doubts) if self.doubts else ""

    def rows(self) -> list[dict[str, str]]:
        """The lines as a table's rows: 项目 | 申报表 | 合同 | 核对."""
        return [{"项目": ln.label, "申报表": ln.declared, "合同": ln.contract, "核对": DIFFERS if ln.differs else ""}
                for ln in self.lines]


def _value(entry: dict[str, Any] | None) -> str | None:
    if not entry or entry.get("value") in (None, ""):
        return None
    return str(entry["value"])


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text is not None else None
    except InvalidOperation:
        return None


def pages_text(contract: dict[str, Any]) -> str:
    """``file40.pdf 第3–4页`` (a PDF), ``file41.docx`` (a Word file)."""
    first, last = contract.get("first_page"), contract.get("last_page")
    where = ""
    if first:
        where = f" 第{first}页" if not last or last == first else f" 第{first}–{last}页"
    return mask_path(str(contract["file"])) + where


def contract_text(contract: dict[str, Any] | None) -> str:
    """``file40.pdf 第3–4页，合同编号 BJYW-2011-002``; :data:`NO_CONTRACT` without one."""
    if contract is None:
        return NO_CONTRACT
    number = _value(contract.get("number"))
    return pages_text(contract) + (f"，合同编号 {mask_text(number)}" if number else "")


def period_text(value: str | None) -> str:
    """``2010-01-01至2010-12-31`` → ``2010-01-01 至 2010-12-31``; a date not read (``?``) as :data:`NOT_READ`."""
    if not value:
        return NOT_READ
    start, _, end = value.partition("至")
    return " 至 ".join(NOT_READ if not part or part == "?" else part for part in (start, end))


def _money(value: str | None, exact: bool) -> str:
    amount = _decimal(value)
    if amount is None:
        return NOT_READ
    return zh.money_detail(amount) if exact else zh.money(amount)


def _marked(report: dict[str, Any], entry: dict[str, Any]) -> set[str]:
    """The aspects (client, amount, …) of the report's contract discrepancies that concern ``entry``."""
    contract = entry.get("contract") or {}
    out = set()
    for disc in report.get("discrepancies", []):
        found = _FIGURE.match(str(disc.get("figure", "")))
        if found is None:
            continue
        aspect, kind, n = found.groups()
        if kind == "project":
            if entry.get("project") == int(n):
                out.add(aspect)
        elif entry.get("project") is None and contract and any(_within(v.get("source"), contract)
                                                                   for v in disc.get("values", [])):
            out.add(aspect)
    return out


def _within(src: dict[str, Any] | None, contract: dict[str, Any]) -> bool:
    """Whether ``src`` is on the contract's file and, for a PDF, among its pages."""
    if not src or src.get("file") != contract.get("file"):
        return False
    page, first, last = src.get("page"), contract.get("first_page"), contract.get("last_page")
    return page is None or first is None or int(first) <= int(page) <= int(last or first)


def _amount_lines(entry: dict[str, Any], contract: dict[str, Any] | None, marked: set[str]) -> list[Line]:
    declared = _value(entry.get("amount"))
    figures = _value(contract.get("amount")) if contract else None
    words = _value(contract.get("amount_words")) if contract else None
    # the exact 元 where two amounts that differ would read alike in 万元
    pairs = [(a, b) for a, b in ((declared, figures), (figures, words)) if a and b]
    exact = any(_decimal(a) != _decimal(b) and zh.money(Decimal(a)) == zh.money(Decimal(b)) for a, b in pairs
                if _decimal(a) is not None and _decimal(b) is not None)
    written = ((contract or {}).get("amount_words") or {}).get("source") or {}
    words_text = _money(words, exact) + (f"（{mask_text(written['text'])}）" if words and written.get("text") else "")
    missing = NO_CONTRACT if contract is None else NOT_READ
    on_form = _money(declared, exact) if declared else "" if entry.get("project") is None else NOT_READ
    return [
        Line("合同金额（小写）", on_form, _money(figures, exact) if figures else missing, "amount" in marked),
        Line("合同金额（大写）", "", words_text if words else missing, "words" in marked),
    ]


def _lines(report: dict[str, Any], entry: dict[str, Any], marked: set[str]) -> tuple[Line, ...]:
    contract = entry.get("contract")
    declared_row = entry.get("project") is not None
    missing = NO_CONTRACT if contract is None else NOT_READ

    def said(key: str) -> str:
        found = _value((contract or {}).get(key))
        return mask_text(found) or "" if found else missing

    def declared(key: str) -> str:
        if not declared_row:
            return ""
        found = _value(entry.get(key))
        return mask_text(found) or "" if found else NOT_READ

    applicant = report.get("applicant", {}).get("name") or ""
    nature = zh.nature_label(contract.get("nature") or "other") if contract else NO_CONTRACT
    period = period_text(_value(contract.get("period"))) if contract else NO_CONTRACT
    return (
        Line("甲方（客户）", declared("client"), said("client"), "client" in marked),
        Line("乙方（服务方）", f"{mask_text(applicant)}（申报企业）" if applicant else "（申报企业）", said("provider"),
             "party" in marked),
        *_amount_lines(entry, contract, marked),
        Line("期限", period_text(_value(entry.get("period"))) if declared_row else "", period, "period" in marked),
        Line("合同性质", zh.nature_label("om") if declared_row else "", nature, "nature" in marked),
    )


def _view(report: dict[str, Any], entry: dict[str, Any]) -> ProjectView:
    contract = entry.get("contract")
    marked = _marked(report, entry)
    if entry.get("project") is not None:
        name = _value(entry.get("name"))
        title = f"项目{entry['project']}：{mask_text(name) or '' if name else NOT_READ}"
    else:
        title = f"合同：{contract_text(contract)}"
    crops = tuple((label, contract[key]["source"]) for label, key in CROPS
                  if contract and contract.get(key) and contract[key].get("source"))
    return ProjectView(title=title, contract=contract_text(contract), lines=_lines(report, entry, marked),
                       doubts=tuple(mask_text(d) or "" for d in entry.get("doubts", [])),
                       declared=entry.get("project") is not None, crops=crops)


def project_views(report: dict[str, Any]) -> list[ProjectView] | None:
    """The report's projects beside their contracts, the form's rows first, then the contracts no row declares;
    ``None`` for a report without ``projects`` (a folder without contracts)."""
    if "projects" not in report:
        return None
    return [_view(report, entry) for entry in report["projects"]]


def declares_projects(report: dict[str, Any]) -> bool:
    """Whether the form declares projects, by the values of the checks that count them (B2a, B2b)."""
    for check in report.get("checks", []):
        values = check.get("values") or {}
        if _decimal(str(values.get("projects_in_window", "0"))) or any(
                re.fullmatch(r"project\d+\..+", k) for k in values):
            return True
    return False


def declared_only_note(report: dict[str, Any]) -> str | None:
    """:data:`DECLARED_ONLY` for a report without contracts whose form declares projects; else None."""
    return DECLARED_ONLY if "projects" not in report and declares_projects(report) else None
