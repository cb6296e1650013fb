"""The expected outcome of an applicant, computed from its parameters with the rules of CONDITIONS.md.

This never reads a generated file. It compares amounts as a reader of the documents would see them:
each value as written in its document's unit and precision (``money.written``).

Where CONDITIONS.md leaves room, this oracle decides as follows (dispute here, not in the golden files):

- a year's money figures come from that year's own report; a later report's prior-year column is only
  compared with it (a restated ``net_profit.YYYY``), never used as a source;
- a fiscal year without its statement has no total revenue, net profit, equity, auditor or opinion;
  its O&M revenue comes from the form (as when the notes lack it); B1 is then ``missing`` unless the
  O&M revenue alone decides it (≥ 1亿: pass/review, < 3000万: fail); the three-year total and the
  O&M share are reported only when every year's income statement is there;
- G1's three years run from the O&M start date to the same day three years later;
- T1 is ``review`` when the applicant holds copyrights but no project names one; M2b is ``review`` for a
  senior title in a specialty outside electronics and IT; T2 is ``missing`` without a roster;
- discrepancy names carry no row suffix (a roster row, a copyright item), and each appears once; a contract's
  carry the form's project row (``contract.amount.project2``) or, for a contract no project declares, its place
  among the folder's contracts (``contract.nature.contract4``), and a certificate's its type
  (``certificate.holder.itss``), as the report's do.

Attachments (``samplegen.attachments``): a contract is the one of the project it was drawn for, provided two of
client, amount and period agree with that project as the form declares it (else the scenario is wrong: it raises);
where the folder has contracts, B2a and B2b count each project on its contract, and a project without one, or
whose contract is not O&M work, or whose contract's figures and words fall on both sides of 100万 a year, counts
only on the form's word (``review`` when the threshold needs it). Certificates that are the applicant's own change
nothing; an ITSS certificate of another holder makes G5 ``review``.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from stdnum.cn import ric, uscc

from .certificates import Credential
from .contracts import Contract
from .money import Amount, agree, exact, percent_written, ratio_str, written, yuan_str
from .params import (
    APPLICATION_DATE,
    COLLEGE_LEVELS,
    EDUCATION_LEVELS,
    FISCAL_YEARS,
    SENIOR_TITLES,
    Applicant,
    Project,
    RosterRow,
    form_value,
)

CHECK_IDS = ("P1", "G1", "G2", "G3", "G4", "G5", "B1", "B2a", "B2b", "B2c", "B3", "M1", "M2a", "M2b", "M2c",
             "T1", "T2", "T3", "T4")
MANUAL = ("G4", "B3", "M1", "T3", "T4")
RELAXABLE = frozenset({"G1", "G2", "B1", "B2a", "B2b", "T2"})
OPINION_STATUS = {"unqualified": "pass", "unqualified_emphasis": "review", "qualified": "review",
                  "adverse": "fail", "disclaimer": "fail"}
SENIOR_ENGINEER = frozenset({"高级工程师", "教授级高级工程师", "正高级工程师", "研究员"})
FINANCE_INTERMEDIATE = frozenset({"会计师", "高级会计师", "正高级会计师"})
IT_SPECIALTY = ("计算机", "软件", "网络", "通信", "电子", "信息", "自动化")
WINDOW = (date(FISCAL_YEARS[0], 1, 1), date(FISCAL_YEARS[-1], 12, 31))
TEN_MILLION, HUNDRED_MILLION, THIRTY_MILLION = Decimal(10_000_000), Decimal(100_000_000), Decimal(30_000_000)


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _stmt(a: Applicant, value: Decimal) -> Amount:
    return written(value, a.layout.statement.unit)


def _form(a: Applicant, key: str) -> Amount:
    return written(form_value(a, key), a.layout.form.unit)


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def in_window(p: Project) -> bool:
    """The contract period overlaps the fiscal window by at least one month."""
    start, end = max(p.start, WINDOW[0]), min(p.end, WINDOW[1])
    year, month = start.year + start.month // 12, start.month % 12 + 1
    month_later = date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    return end >= month_later - timedelta(days=1)


def _worst(statuses: list[str]) -> str:
    for status in ("missing", "fail", "review"):
        if status in statuses:
            return status
    return "pass"


def _money(a: Applicant, out: dict) -> None:
    """Per-year revenue, profit, equity and audit figures; G3; the money discrepancies; then B1."""
    figures, disc = out["figures"], out["discrepancies"]
    total, om, stand_in, g3 = {}, {}, False, []
    for y in FISCAL_YEARS:
        f, audit = a.finances[y], a.audits[y]
        if not a.has_statement(y):
            om[y], stand_in = _form(a, f"om_revenue.{y}"), True
            g3.append("missing")
            continue
        total[y] = _stmt(a, f.total_revenue)
        om[y] = _stmt(a, f.om) if audit.om_in_notes else _form(a, f"om_revenue.{y}")
        stand_in = stand_in or not audit.om_in_notes
        figures[f"net_profit.{y}"] = yuan_str(_stmt(a, f.net_profit).value)
        figures[f"equity.{y}"] = yuan_str(_stmt(a, f.equity).value)
        figures[f"auditor.{y}"] = audit.auditor
        figures[f"audit_opinion.{y}"] = audit.opinion
        domestic = "会计师事务所" in audit.auditor
        g3.append(_worst(["fail" if not domestic else "pass", OPINION_STATUS[audit.opinion],
                          "review" if f.equity <= 0 else "pass"]))
        if not agree(_form(a, f"total_revenue.{y}"), total[y]):
            disc.add(f"total_revenue.{y}")
        if audit.om_in_notes and not agree(_form(a, f"om_revenue.{y}"), om[y]):
            disc.add(f"om_revenue.{y}")
        shown = audit.restated_prior_net_profit
        compared = y - 1 in FISCAL_YEARS and a.has_statement(y - 1)
        if shown is not None and compared and not agree(_stmt(a, shown), _stmt(a, a.finances[y - 1].net_profit)):
            disc.add(f"net_profit.{y - 1}")
    out["checks"]["G3"] = _worst(g3)
    out["_om_positive"] = all(om[y].value > 0 for y in FISCAL_YEARS)
    figures.update({f"total_revenue.{y}": yuan_str(v.value) for y, v in total.items()})
    figures.update({f"om_revenue.{y}": yuan_str(v.value) for y, v in om.items()})
    out["checks"]["B1"] = _b1(om, total, stand_in, figures)


def _b1(om: dict[int, Amount], total: dict[int, Amount], stand_in: bool, figures: dict) -> str:
    """O&M revenue ≥ 1亿, or ≥ 3000万 and ≥ 30% of revenue; the share needs every year's income statement."""
    om3 = sum((v.value for v in om.values()), Decimal(0))
    figures["om_revenue_3y"] = yuan_str(om3)
    share = None
    if len(total) == len(FISCAL_YEARS):
        total3 = sum((v.value for v in total.values()), Decimal(0))
        share = om3 / total3
        figures.update(total_revenue_3y=yuan_str(total3), om_revenue_share=ratio_str(share))
    if om3 < THIRTY_MILLION or (om3 < HUNDRED_MILLION and share is not None and share < Decimal("0.30")):
        return "fail"
    if om3 < HUNDRED_MILLION and share is None:
        return "missing"
    return "review" if stand_in else "pass"


def _company(a: Applicant, out: dict) -> None:
    """P1, G1, G2, G5 and the company-level figures and discrepancies."""
    f, lay, checks, figures = a.facts, a.layout.form, out["checks"], out["figures"]
    registered = written(f.registered_capital, lay.unit)
    if lay.capital_in_words:
        registered = exact(f.registered_capital)
    years = [y for y in FISCAL_YEARS if a.has_statement(y)]
    paid_in = _stmt(a, a.finances[years[-1]].paid_in) if years else _form(a, "paid_in_capital")
    if years and not agree(_form(a, "paid_in_capital"), paid_in):
        out["discrepancies"].add("paid_in_capital")
    figures.update(registered_capital=yuan_str(registered.value), paid_in_capital=yuan_str(paid_in.value),
                   founded_date=f.founded.isoformat(), om_start_date=f.om_start.isoformat())
    valid_cert = f.si_cert_no and f.si_level and f.si_valid_until >= APPLICATION_DATE
    checks["P1"] = "pass" if valid_cert else "fail"
    d = APPLICATION_DATE
    three_years = f.om_start <= date(d.year - 3, d.month, d.day)
    checks["G1"] = "fail" if not three_years else "pass" if out.pop("_om_positive") else "review"
    checks["G2"] = "pass" if min(registered.value, paid_in.value) >= TEN_MILLION else "fail"
    checks["G5"] = "pass" if f.itss_cert_no else "fail"
    if not uscc.is_valid(f.credit_code):
        out["discrepancies"].add("credit_code")


def _business(a: Applicant, out: dict) -> None:
    """B2a-c, T1 and the copyright discrepancies."""
    checks, figures = out["checks"], out["figures"]
    own = [c for c in a.copyrights if _norm(c.holder) == _norm(a.facts.name)]
    for c in a.copyrights:
        if _norm(c.holder) != _norm(a.facts.name):
            out["discrepancies"].add("software_copyright.holder")
        if not re.fullmatch(r"\d{4}SR\d{6}", c.number):
            out["discrepancies"].add("software_copyright.number")
    projects = [p for p in a.projects if in_window(p)]
    clients = {_norm(p.client) for p in projects}
    qualifying = [p for p in projects
                  if p.amount * 12 / max(12, _months(p.start, p.end)) >= Decimal(1_000_000)]

    def uses_own(p: Project) -> bool:
        return any(c.software in p.tool for c in own)

    checks["B2a"] = "pass" if len(clients) >= 2 else "fail"
    checks["B2b"] = "pass" if len(qualifying) >= 2 else "fail"
    checks["B2c"] = "pass" if all(uses_own(p) for p in qualifying) else "review"
    checks["T1"] = "fail" if not own else "pass" if any(uses_own(p) for p in a.projects) else "review"
    figures.update(distinct_client_count=len(clients), qualifying_project_count=len(qualifying),
                   software_copyright_count=len(own))


def _annual(amount: Decimal, start: date, end: date) -> Decimal:
    return amount * 12 / max(12, _months(start, end))


def _linked(a: Applicant, p: Project, c: Contract) -> bool:
    """Two of client, amount and period agree (the linking rule of validators/contracts.py, as documented)."""
    client = _norm(p.client) == _norm(c.client)
    declared = _form_amount(a, p)
    amount = agree(declared, exact(c.amount)) or abs(declared.value - c.amount) <= Decimal("0.005") * c.amount
    period = p.start <= c.end and c.start <= p.end
    return client + amount + period >= 2


def _form_amount(a: Applicant, p: Project) -> Amount:
    return written(p.amount, a.layout.form.unit)


def _contracted(a: Applicant, out: dict) -> None:
    """B2a and B2b counted from the contracts, and the contracts' discrepancies."""
    assert a.attachments is not None
    checks, figures, disc = out["checks"], out["figures"], out["discrepancies"]
    filed = a.attachments.filed()
    by_project = {backs: c for c, backs in filed if backs is not None}
    for drawn, backs in filed:
        linked = backs is not None and _linked(a, a.projects[backs], drawn)
        strays = [i for i, p in enumerate(a.projects) if i not in by_project and _linked(a, p, drawn)]
        if linked == (backs is None) or (backs is None and strays):
            raise ValueError(f"{a.id}: contract {drawn.number} would not link as the scenario means")
    bar = Decimal(1_000_000)
    confirmed: list[int] = []
    doubtful: list[int] = []
    clients: set[str] = set()
    doubtful_clients: set[str] = set()
    for k, (drawn, backs) in enumerate(filed, 1):
        where = f"project{backs + 1}" if backs is not None else f"contract{k}"
        if drawn.words != drawn.amount:
            disc.add(f"contract.words.{where}")
        if drawn.nature != "om":
            disc.add(f"contract.nature.{where}")
    for i, p in enumerate(a.projects):
        c = by_project.get(i)
        if c is None:
            start, end, amounts, doubts = p.start, p.end, [p.amount], {"contract"}
            if in_window(p) and _annual(p.amount, p.start, p.end) >= bar:
                disc.add(f"contract.absent.project{i + 1}")
        else:
            start, end, doubts = c.start, c.end, set() if c.nature == "om" else {"nature"}
            amounts = [c.amount] if c.words == c.amount else [c.amount, c.words]
            if not agree(_form_amount(a, p), exact(c.amount)):
                disc.add(f"contract.amount.project{i + 1}")
        if not in_window(replace(p, start=start, end=end)):
            continue
        (doubtful_clients if doubts else clients).add(_norm(p.client if c is None else c.client))
        reaches = [_annual(m, start, end) >= bar for m in amounts]
        if any(reaches):
            (doubtful if doubts or not all(reaches) else confirmed).append(i)
    doubtful_clients -= clients
    for check, counted, extra in (("B2a", len(clients), len(doubtful_clients)),
                                  ("B2b", len(confirmed), len(doubtful))):
        checks[check] = "pass" if counted >= 2 else "review" if counted + extra >= 2 else "fail"
    figures.update(distinct_client_count=len(clients), qualifying_project_count=len(confirmed))


def _credentials(a: Applicant, out: dict) -> None:
    """The certificates against the form: another holder of the ITSS certificate."""
    assert a.attachments is not None
    for f in a.attachments.certificates:
        if isinstance(f.params, Credential) and _norm(f.params.holder) != _norm(a.facts.name):
            out["discrepancies"].add(f"certificate.holder.{f.params.kind}")
            if f.params.kind == "itss":
                out["checks"]["G5"] = "review"


def _people(a: Applicant, out: dict) -> None:
    """M2a-c from the form; T2 and the roster figures and discrepancies."""
    checks, figures, disc = out["checks"], out["figures"], out["discrepancies"]
    principal, tech, finance = (a.person(r) for r in ("principal", "tech_lead", "finance_lead"))
    checks["M2a"] = "missing" if not principal else "pass" if principal.years >= 4 else "fail"
    if not tech:
        checks["M2b"] = "missing"
    elif tech.title not in SENIOR_ENGINEER or tech.years < 4:
        checks["M2b"] = "fail"
    else:
        checks["M2b"] = "pass" if any(k in tech.specialty for k in IT_SPECIALTY) else "review"
    checks["M2c"] = "missing" if not finance else "pass" if finance.title in FINANCE_INTERMEDIATE else "fail"
    if principal:
        figures["principal_mgmt_years"] = principal.years
    if tech:
        figures.update(tech_lead_om_years=tech.years, tech_lead_title=tech.title)
    if finance:
        figures["finance_lead_title"] = finance.title
    if not a.has_roster:
        checks["T2"] = "missing"
        return
    distinct: dict[str, RosterRow] = {}
    for row in a.roster:
        if row.education not in EDUCATION_LEVELS:
            disc.add("roster.education")
        if not ric.is_valid(row.id_number):
            disc.add("roster.id_number")
        elif row.id_number in distinct:
            disc.add("roster.duplicate")
        else:
            distinct[row.id_number] = row
    rows = list(distinct.values())
    staff = len(rows)
    college = sum(1 for r in rows if EDUCATION_LEVELS.get(r.education) in COLLEGE_LEVELS)
    ratio = Decimal(college) / staff if staff else Decimal(0)
    checks["T2"] = "pass" if staff >= 50 and ratio >= Decimal("0.70") else "fail"
    figures.update(om_staff_count=staff, college_or_above_count=college,
                   college_or_above_ratio=ratio_str(ratio),
                   senior_title_count=sum(1 for r in rows if r.title in SENIOR_TITLES))
    if int(form_value(a, "om_staff_count")) != staff:
        disc.add("om_staff_count")
    if int(form_value(a, "college_or_above_count")) != college:
        disc.add("college_or_above_count")
    if not agree(percent_written(form_value(a, "college_or_above_ratio")), exact(ratio)):
        disc.add("college_or_above_ratio")
    for person in a.persons:
        if any(r.name == person.name and r.title != person.title for r in rows):
            disc.add(f"key_person.{person.role}")


def _documents(a: Applicant) -> dict[str, dict]:
    docs: dict[str, tuple[str, int | None]] = {a.files.form: ("application_form", None)}
    for year, name in a.files.statements.items():
        if a.has_statement(year):
            pages = a.files.photo_pages(year, a.layout.statement.pages) if year in a.layout.photos else [name]
            docs.update({page: ("financial_statement", year) for page in pages})
    if a.has_roster:
        docs[a.files.roster] = ("staff_roster", None)
    if a.files.project_list:
        docs[a.files.project_list] = ("project_list", None)
    if a.files.readme:
        docs[a.files.readme] = ("unknown", None)
    if a.attachments is not None:
        docs.update({name: (kind, None) for name, kind in a.attachments.names().items()})
    inside = f"{a.files.archive}!/" if a.files.archive else ""
    return {inside + name: {"kind": kind, "fiscal_year": year} for name, (kind, year) in sorted(docs.items())}


def verdict(a: Applicant, checks: dict[str, str], discrepancies: list[str]) -> str:
    if not a.has_roster or not all(a.has_statement(y) for y in FISCAL_YEARS):
        return "incomplete"
    if "fail" in checks.values():
        return "does_not_meet"
    if "review" in checks.values() or discrepancies:
        return "needs_review"
    return "meets"


def expected(a: Applicant) -> dict:
    """One applicant's outcome, batch rules not applied."""
    out: dict = {"checks": {}, "figures": {}, "discrepancies": set()}
    _money(a, out)
    _company(a, out)
    _business(a, out)
    if a.attachments is not None and a.attachments.contracts:
        _contracted(a, out)
    if a.attachments is not None:
        _credentials(a, out)
    _people(a, out)
    checks = {cid: "manual" if cid in MANUAL else out["checks"][cid] for cid in CHECK_IDS}
    if a.facts.relax:
        checks.update({cid: "review" for cid in RELAXABLE if checks[cid] == "fail"})
    discrepancies = sorted(out["discrepancies"])
    return {"applicant_id": a.id, "name": a.facts.name, "credit_code": a.facts.credit_code,
            "verdict": verdict(a, checks, discrepancies), "purpose": a.purpose, "checks": checks,
            "figures": dict(sorted(out["figures"].items())), "discrepancies": discrepancies,
            "documents": _documents(a)}


def expected_batch(applicants: list[Applicant]) -> list[dict]:
    """Every applicant's outcome with the batch rules: shared 身份证号, the 30% relaxation quota."""
    results = [expected(a) for a in applicants]
    owners: dict[str, set[str]] = {}
    for a in applicants:
        for row in a.roster if a.has_roster else ():
            if ric.is_valid(row.id_number):
                owners.setdefault(row.id_number, set()).add(a.id)
    shared = {owner for ids in owners.values() if len(ids) > 1 for owner in ids}
    by_authority: dict[str, list[Applicant]] = {}
    for a in applicants:
        by_authority.setdefault(a.facts.recommender, []).append(a)
    over = {a.id for group in by_authority.values() for a in group
            if a.facts.relax and sum(x.facts.relax for x in group) > Decimal("0.3") * len(group)}
    for a, result in zip(applicants, results, strict=True):
        extra = {"roster.cross_applicant"} if a.id in shared else set()
        extra |= {"relaxation_quota"} if a.id in over else set()
        if extra:
            result["discrepancies"] = sorted(set(result["discrepancies"]) | extra)
            result["verdict"] = verdict(a, result["checks"], result["discrepancies"])
    return results
