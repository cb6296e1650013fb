"""The form's projects linked to the contracts attached (#18): which contract backs which declared project, what
each project counts on where the folder has contracts, and the contracts' discrepancies.

Linking. Each pair of a declared project (a row of the form's project table, ``project{n}`` by its 1-based row) and
a contract is judged on three things: the client (normalised names by :func:`client_key`: the same, or one
containing the other), the amount (they agree by CONDITIONS.md, or within ``contract_linking.amount_tolerance`` of
the contract's) and the period (the two overlap; with a start only, the starts are the same as written). A value
not read on either side neither agrees nor disagrees. A pair is a candidate when ``contract_linking.min_agreeing``
of the three agree; the candidates are taken best first, each project and each contract once: more agreeing, then
the same client name (not only one containing the other), then the closer amount, then the closer start date, then
the form's row order and the folder's contract order (file, then page). A project for which another contract was
exactly as good (or a contract that another project fitted exactly as well) is said in a note, with the one taken.
A contract linked to no project is listed in a note (with the project whose client it shares: a renewal?).

What a project counts on (:class:`Basis`): its contract's client, amount and period, the form's where the contract
has none; a project without a contract, or whose contract is not O&M work, or that rests on a form value the
contract does not give, counts only on the form's word, and says why (``doubts``): the checks make it ``review``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from omreview.amounts import agree, yuan_str
from omreview.model import ContractView, Discrepancy, DiscrepancyValue, ProjectContract, Source
from omreview.records import ContractParty, ContractRecord, DateValue, FormRecord, Money, Project
from omreview.rules import ContractLinking, Rules
from omreview.text import norm

Window = tuple[dt.date, dt.date]
NATURE_WORDS = {"om": "运维服务", "equipment": "设备采购", "software_development": "软件开发", "other": "未能判断"}
_FAR = Decimal("Infinity")


def client_key(name: str, rules: Rules) -> str:
    """Clients (and holders, providers) told apart by normalised names: NFKC, no spaces, the rules' ignored
    characters (brackets) left out, then the rules' company suffixes taken off the end while one ends it (the
    first listed that does, each time), a name never emptied."""
    vocab = rules.contract_linking
    key = "".join(ch for ch in norm(name) if ch not in vocab.company_ignored_chars)
    while suffix := next((s for s in vocab.company_suffixes if key.endswith(s) and len(key) > len(s)), ""):
        key = key[: len(key) - len(suffix)]  # 某某集团有限公司 → 某某集团 → 某某
    return key


def months(start: dt.date, end: dt.date) -> int:
    """Whole months covered from ``start`` to ``end`` inclusive (2010-01-01..2010-12-31 → 12)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def overlap(start: dt.date, end: dt.date, window: Window) -> int:
    """Months of ``start``..``end`` inside ``window`` (0: none)."""
    first, last = max(start, window[0]), min(end, window[1])
    return months(first, last) if first <= last else 0


def annual_value(amount: Decimal, start: dt.date, end: dt.date) -> Decimal:
    """amount × 12 / max(12, months of the contract)."""
    return amount * 12 / max(12, months(start, end))


@dataclass(frozen=True)
class FiledContract:
    """One contract of the folder: its place among them (1-based: files in the report's order, then pages)."""

    index: int
    file: str
    record: ContractRecord

    def where(self) -> str:
        """``合同（合同汇编.pdf第3–4页，编号HT-2010-001）`` as a reviewer finds it."""
        r = self.record
        pages = ""
        if r.first_page is not None:
            last = r.last_page or r.first_page
            pages = f"第{r.first_page}页" if last == r.first_page else f"第{r.first_page}–{last}页"
        number = f"，编号{r.number.value}" if r.number is not None else ""
        return f"合同（{self.file}{pages}{number}）"

    @property
    def amount(self) -> Money | None:
        """The contract's total: in figures, else in words."""
        return self.record.amount_figures or self.record.amount_words

    def words_disagree(self) -> bool:
        r = self.record
        return (r.amount_figures is not None and r.amount_words is not None
                and not agree(r.amount_figures.amount(), r.amount_words.amount()))

    def client_name(self) -> str | None:
        return self.record.client.name.value if self.record.client is not None else None

    def period_source(self) -> Source | None:
        r = self.record
        found = r.period or r.start or r.end
        return found.source if found is not None else None

    def summary(self) -> str:
        """Its client, amount and period in a few words, for a note."""
        r = self.record
        parts = [f"甲方{self.client_name()}" if r.client is not None else "甲方未能读出"]
        amount = self.amount
        parts.append(f"金额{yuan_str(amount.value)}元" if amount is not None else "金额未能读出")
        parts.append(period_text(r.start, r.end) if r.start is not None or r.end is not None else "期限未能读出")
        return "，".join(parts)


def period_text(start: DateValue | None, end: DateValue | None) -> str:
    return f"{start.value.isoformat() if start else '?'}至{end.value.isoformat() if end else '?'}"


def _same_date(a: DateValue, b: DateValue) -> bool:
    """The same date as written: to the day, or to the month or year where either was written so."""
    coarser = {a.precision, b.precision}
    if "year" in coarser:
        return a.value.year == b.value.year
    if "month" in coarser:
        return (a.value.year, a.value.month) == (b.value.year, b.value.month)
    return a.value == b.value


def amounts_agree(declared: Money, contract: Money, vocab: ContractLinking) -> bool:
    if agree(declared.amount(), contract.amount()):
        return True
    return abs(declared.value - contract.value) <= vocab.amount_tolerance * abs(contract.value)


@dataclass(frozen=True)
class Fit:
    """How a project and a contract agree: each of client, amount, period True/False, or None (not read)."""

    client: bool | None
    amount: bool | None
    period: bool | None
    same_name: bool
    amount_gap: Decimal
    start_gap: int

    @property
    def agreeing(self) -> int:
        return sum(1 for v in (self.client, self.amount, self.period) if v)

    def rank(self) -> tuple[int, int, Decimal, int]:
        return (-self.agreeing, 0 if self.same_name else 1, self.amount_gap, self.start_gap)


def fit(p: Project, c: FiledContract, rules: Rules) -> Fit:
    r, vocab = c.record, rules.contract_linking
    client: bool | None = None
    same_name = False
    if p.client is not None and r.client is not None:
        mine, theirs = client_key(p.client.value, rules), client_key(r.client.name.value, rules)
        same_name = mine == theirs
        client = same_name or (min(len(mine), len(theirs)) >= 4 and (mine in theirs or theirs in mine))
    amount: bool | None = None
    amount_gap = _FAR
    if p.amount is not None and c.amount is not None:
        amount = amounts_agree(p.amount, c.amount, vocab)
        amount_gap = abs(p.amount.value - c.amount.value)
    period: bool | None = None
    start_gap = 1 << 30
    if p.start is not None and r.start is not None:
        start_gap = abs((p.start.value - r.start.value).days)
        if p.end is not None and r.end is not None:
            period = p.start.value <= r.end.value and r.start.value <= p.end.value
        else:
            period = _same_date(p.start, r.start)
    return Fit(client, amount, period, same_name, amount_gap, start_gap)


@dataclass(frozen=True)
class Link:
    project: int  # the form's row, 1-based
    contract: FiledContract
    fit: Fit


@dataclass
class Links:
    """The folder's contracts and which declared project each backs."""

    contracts: list[FiledContract] = field(default_factory=list)
    by_project: dict[int, Link] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def present(self) -> bool:
        return bool(self.contracts)

    @property
    def unlinked(self) -> list[FiledContract]:
        taken = {link.contract.index for link in self.by_project.values()}
        return [c for c in self.contracts if c.index not in taken]


def _project_name(form: FormRecord, i: int) -> str:
    return f"项目{i}「{form.projects[i - 1].name.value}」"


def link(form: FormRecord | None, contracts: list[tuple[str, ContractRecord]], rules: Rules) -> Links:
    """Each declared project linked to at most one contract and each contract to at most one project (see above)."""
    links = Links(contracts=[FiledContract(i, file, record) for i, (file, record) in enumerate(contracts, 1)])
    if form is not None:
        _pair(form, links, rules)
    for c in links.unlinked:
        key = client_key(c.client_name() or "", rules)
        same = [i for i, lk in sorted(links.by_project.items())
                if c.record.client is not None and client_key(lk.contract.client_name() or "", rules) == key]
        renewal = f"；与{_project_name(form, same[0])}的合同甲方相同，是否为续签合同未申报" if same and form else ""
        links.notes.append(f"{c.where()}未能与申报表所列项目对应（{c.summary()}{renewal}），未计入B2a、B2b。")
    return links


def _pair(form: FormRecord, links: Links, rules: Rules) -> None:
    """The candidates best first, each project and contract taken once; exact ties said in the notes."""
    need = rules.contract_linking.min_agreeing
    candidates = sorted(
        ((f.rank(), i, c.index, f, c) for i, p in enumerate(form.projects, 1) for c in links.contracts
         if (f := fit(p, c, rules)).agreeing >= need),
        key=lambda t: (t[0], t[1], t[2]))
    taken: set[int] = set()
    for rank, i, _, f, c in candidates:
        if i in links.by_project or c.index in taken:
            continue
        as_good = [o[4] for o in candidates if o[0] == rank and o[1] == i and o[2] != c.index and o[2] not in taken]
        rivals = [o[1] for o in candidates
                  if o[0] == rank and o[2] == c.index and o[1] != i and o[1] not in links.by_project]
        links.by_project[i] = Link(i, c, f)
        taken.add(c.index)
        name = _project_name(form, i)
        if as_good:
            others = "、".join(o.where() for o in as_good)
            links.notes.append(f"{name}与{c.where()}、{others}同样相符，按合同顺序取{c.where()}。")
        if rivals:
            others = "、".join(_project_name(form, o) for o in rivals)
            links.notes.append(f"{c.where()}与{name}、{others}同样相符，按申报表行序对应{name}。")


# --- what each declared project counts on -------------------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """A declared project as the checks count it where the folder has contracts: the contract's values, the form's
    where the contract gives none; ``doubts``: why it counts only on the form's word, by aspect (contract, nature,
    client, amount, period, words)."""

    index: int
    project: Project
    contract: FiledContract | None
    client: str | None
    client_source: Source | None
    amounts: tuple[Money, ...]
    start: dt.date | None
    end: dt.date | None
    doubts: dict[str, str]
    stated_none: frozenset[str] = frozenset()  # form fields written as none that the contract does not give

    def reasons(self, aspects: Collection[str]) -> list[str]:
        return [reason for aspect, reason in self.doubts.items() if aspect in aspects]

    def window_state(self, window: Window) -> bool | None:
        """Inside the window by a month or more: True / False, or None (its period not read anywhere)."""
        if self.start is not None and self.end is not None:
            return overlap(self.start, self.end, window) >= 1
        if "start" in self.stated_none or "end" in self.stated_none:
            return False
        if (self.start is not None and self.start > window[1]) or (self.end is not None and self.end < window[0]):
            return False
        return None


def bases(form: FormRecord | None, links: Links) -> list[Basis]:
    return [basis(i, p, links.by_project.get(i)) for i, p in enumerate(form.projects if form else [], 1)]


def basis(i: int, p: Project, lk: Link | None) -> Basis:
    doubts: dict[str, str] = {}
    stated = frozenset(name for name in ("client", "amount", "start", "end") if p.none_written(name) is not None)
    if lk is None:
        doubts["contract"] = "未附合同"
        return Basis(i, p, None, p.client.value if p.client else None, p.client.source if p.client else None,
                     (p.amount,) if p.amount else (), p.start.value if p.start else None,
                     p.end.value if p.end else None, doubts, stated)
    c, r = lk.contract, lk.contract.record
    if r.nature in ("equipment", "software_development"):
        doubts["nature"] = f"{c.where()}为{NATURE_WORDS[r.nature]}，非运维服务"
    client, client_source = (r.client.name.value, r.client.name.source) if r.client else (None, None)
    if client is None and p.client is not None:
        client, client_source = p.client.value, p.client.source
        doubts["client"] = f"{c.where()}未能读出甲方，按申报表计"
    amounts: tuple[Money, ...] = tuple(m for m in (r.amount_figures, r.amount_words) if m is not None)
    if c.words_disagree():
        doubts["words"] = f"{c.where()}金额大小写不一致"
    elif amounts:
        amounts = amounts[:1]
    elif p.amount is not None:
        amounts = (p.amount,)
        doubts["amount"] = f"{c.where()}未能读出金额，按申报表计"
    start, end = (r.start.value if r.start else None), (r.end.value if r.end else None)
    if (start is None or end is None) and p.start is not None and p.end is not None:
        start, end = p.start.value, p.end.value
        doubts["period"] = f"{c.where()}未能读出服务期限，按申报表计"
    given = {"client": r.client, "amount": c.amount, "start": r.start, "end": r.end}
    return Basis(i, p, c, client, client_source, amounts, start, end, doubts,
                 frozenset(name for name in stated if given[name] is None))


# --- what the reviewer sees: each project beside its contract ------------------------------------------------------


def contract_view(c: FiledContract) -> ContractView:
    r = c.record

    def party(found: ContractParty | None) -> DiscrepancyValue | None:
        return _value(found.name.value, found.name.source) if found is not None else None

    def money(found: Money | None) -> DiscrepancyValue | None:
        return _value(yuan_str(found.value), found.source) if found is not None else None

    period = None
    if r.start is not None or r.end is not None:
        period = _value(period_text(r.start, r.end), c.period_source())
    return ContractView(file=c.file, first_page=r.first_page, last_page=r.last_page,
                        number=_value(r.number.value, r.number.source) if r.number is not None else None,
                        client=party(r.client), provider=party(r.provider), amount=money(r.amount_figures),
                        amount_words=money(r.amount_words), period=period, nature=r.nature)


def view(form: FormRecord | None, links: Links) -> list[ProjectContract]:
    """Each row of the form's project table with its contract and why it counts only on the form's word, then each
    contract no row declares; nothing when the folder has no contracts (the report's ``projects``)."""
    if not links.present:
        return []
    out = []
    for b in bases(form, links):
        p = b.project
        first = p.start or p.end
        declared = _value(period_text(p.start, p.end), first.source) if first is not None else None
        out.append(ProjectContract(
            project=b.index, name=_value(p.name.value, p.name.source),
            client=_value(p.client.value, p.client.source) if p.client is not None else None,
            amount=_value(yuan_str(p.amount.value), p.amount.source) if p.amount is not None else None,
            period=declared, contract=contract_view(b.contract) if b.contract is not None else None,
            doubts=list(b.doubts.values())))
    out += [ProjectContract(project=None, contract=contract_view(c)) for c in links.unlinked]
    return out


# --- discrepancies ------------------------------------------------------------------------------------------------


def _value(value: str, source: Source | None) -> DiscrepancyValue:
    return DiscrepancyValue(value=value, source=source)


def discrepancies(form: FormRecord | None, links: Links, counted: list[int], rules: Rules) -> list[Discrepancy]:
    """The contracts' discrepancies: a linked project against its contract (amount, period, client), each
    contract's own (乙方 not the applicant, not O&M work, figures and words apart; ``.project{n}`` when linked,
    else ``.contract{n}`` by its place in the folder), and each project counted by B2b on the form (``counted``:
    form rows) that has no contract while the folder has contracts."""
    if not links.present or form is None:
        return []
    out: list[Discrepancy] = []
    for i, lk in sorted(links.by_project.items()):
        out += _against_form(form, i, lk, rules)
    suffix = {lk.contract.index: f"project{i}" for i, lk in links.by_project.items()}
    for c in links.contracts:
        out += _own(form, c, suffix.get(c.index, f"contract{c.index}"), rules)
    for i in counted:
        if i not in links.by_project:
            p = form.projects[i - 1]
            declared = "，".join([p.client.value if p.client else "客户未填",
                                  *([f"合同金额{yuan_str(p.amount.value)}元"] if p.amount else [])])
            out.append(Discrepancy(
                figure=f"contract.absent.project{i}",
                message=f"{_project_name(form, i)}按申报表计入B2b（{declared}），"
                        f"但所附{len(links.contracts)}份合同中没有与之对应的合同。",
                values=[_value(p.name.value, p.name.source),
                        _value(yuan_str(p.amount.value) if p.amount else "", p.amount.source if p.amount else None)]))
    return out


def _against_form(form: FormRecord, i: int, lk: Link, rules: Rules) -> list[Discrepancy]:
    p, c, r = form.projects[i - 1], lk.contract, lk.contract.record
    name, out = _project_name(form, i), []
    amount = c.amount
    if p.amount is not None and amount is not None and not amounts_agree(p.amount, amount, rules.contract_linking):
        out.append(Discrepancy(
            figure=f"contract.amount.project{i}",
            message=f"{name}合同金额：申报表{yuan_str(p.amount.value)}元，{c.where()}{yuan_str(amount.value)}元，不一致。",
            values=[_value(yuan_str(p.amount.value), p.amount.source), _value(yuan_str(amount.value), amount.source)]))
    starts = p.start is not None and r.start is not None and not _same_date(p.start, r.start)
    ends = p.end is not None and r.end is not None and not _same_date(p.end, r.end)
    if starts or ends:
        mine, theirs = period_text(p.start, p.end), period_text(r.start, r.end)
        form_source = (p.start if starts else p.end or p.start)
        out.append(Discrepancy(
            figure=f"contract.period.project{i}",
            message=f"{name}合同期限：申报表{mine}，{c.where()}{theirs}，不一致。",
            values=[_value(mine, form_source.source if form_source else None), _value(theirs, c.period_source())]))
    if p.client is not None and r.client is not None and not lk.fit.same_name:
        out.append(Discrepancy(
            figure=f"contract.client.project{i}",
            message=f"{name}客户：申报表为{p.client.value}，{c.where()}甲方为{r.client.name.value}，不一致。",
            values=[_value(p.client.value, p.client.source), _value(r.client.name.value, r.client.name.source)]))
    return out


def _own(form: FormRecord, c: FiledContract, suffix: str, rules: Rules) -> list[Discrepancy]:
    r, out = c.record, []
    company = form.company_name
    if company is not None and r.provider is not None and \
            client_key(r.provider.name.value, rules) != client_key(company.value, rules):
        out.append(Discrepancy(
            figure=f"contract.party.{suffix}",
            message=f"{c.where()}的{r.provider.label or '乙方'}为{r.provider.name.value}，"
                    f"不是申报企业{company.value}。",
            values=[_value(r.provider.name.value, r.provider.name.source), _value(company.value, company.source)]))
    if r.nature in ("equipment", "software_development"):
        words = "、".join(r.nature_words)
        shown = NATURE_WORDS[r.nature] + (f"（{words}）" if words else "")
        out.append(Discrepancy(
            figure=f"contract.nature.{suffix}",
            message=f"{c.where()}为{shown}，不是运维服务。",
            values=[_value(shown, r.nature_source), *_declared_as(form, suffix)]))
    if c.words_disagree() and r.amount_figures is not None and r.amount_words is not None:
        figures, words = yuan_str(r.amount_figures.value), yuan_str(r.amount_words.value)
        out.append(Discrepancy(
            figure=f"contract.words.{suffix}",
            message=f"{c.where()}金额小写{figures}元，大写{words}元，不一致。",
            values=[_value(figures, r.amount_figures.source), _value(words, r.amount_words.source)]))
    return out


def _declared_as(form: FormRecord, suffix: str) -> list[DiscrepancyValue]:
    """A linked project's name on the form (declared as O&M work), beside the contract's nature."""
    if not suffix.startswith("project"):
        return []
    p = form.projects[int(suffix.removeprefix("project")) - 1]
    return [_value(p.name.value, p.name.source)]
