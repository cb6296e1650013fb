"""The sample applicants: a clean applicant that meets every condition, plus one small change each.

Ids are neutral (``app-NN``) and their order says nothing about the outcome; ``purpose`` says it.
Each applicant's documents are in a layout of its own: its scenario's layout family fuzzed
(``layouts.fuzz``) from the seed and its id, keeping what its purpose needs (``Scenario.keep``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from . import ids
from .attachments import (
    Attachments,
    CertificateFile,
    ContractFile,
    Form,
    contract_for,
    equipment,
    file_name,
    own_certificates,
)
from .builder import Profile, build, staff_row
from .certificates import LAYOUTS, Credential
from .layouts import fuzz
from .params import Applicant, Copyright, FormLayout, Layout, RosterLayout, ScanStyle, StatementLayout

Tweak = Callable[[Applicant, random.Random], Applicant]

# Four layout families; each is used by a packet that meets and by packets that do not.
LAYOUT_A = Layout(  # 2-column key/value form, years as columns, 万元 suffix; statements in 元 on one page
    form=FormLayout(kv="2col", years_as="columns", unit="万元", unit_style="suffix"),
    statement=StatementLayout(unit="元", om_label="运维服务"),
    roster=RosterLayout(header=0, title_rows=2, blank_after=(20,), total_row=True))
LAYOUT_B = Layout(  # labels above values, synonyms, years as rows, 单位 in headers, full-width digits
    form=FormLayout(kv="above", synonyms=1, years_as="rows", unit="万元", unit_style="caption",
                    fullwidth=True, period_style="split", persons_style="blocks", date_style="iso",
                    capital_in_words=True),
    statement=StatementLayout(unit="万元", is_cols=("本年数", "上年数"), bs_cols=("期末数", "年初数"),
                              om_label="运行维护服务", bs_two_pages=True),
    roster=RosterLayout(header=1, second_sheet=True, title_rows=1, total_row=False))
LAYOUT_C = Layout(  # 4-column key/value form in 元, 单位：元 captions, tools with 登记号, dotted dates
    form=FormLayout(kv="4col", years_as="columns", unit="元", unit_style="caption", date_style="dot",
                    tool_with_number=True),
    statement=StatementLayout(unit="元", om_label="IT运维服务", bs_two_pages=True),
    roster=RosterLayout(header=2, title_rows=2, blank_after=(7, 33), total_row=True))
LAYOUT_D = Layout(  # 2-column form with synonyms, years as rows, amounts in 亿元; statements in 万元
    form=FormLayout(kv="2col", synonyms=1, years_as="rows", unit="亿元", unit_style="suffix",
                    persons_style="blocks"),
    statement=StatementLayout(unit="万元", om_label="运维服务"),
    roster=RosterLayout(header=0, second_sheet=True, title_rows=2, total_row=True))

# LAYOUT_A with every statement scanned (2009, 2010, 2011), each in its own way
SCANNED_A = replace(LAYOUT_A, scans=(
    ScanStyle(dpi=200, skew=1.2, dark_cover=True, noise=5.0),
    ScanStyle(dpi=120, skew=-1.8, seal_figures=True, blank_after=(1,), noise=5.0),
    ScanStyle(dpi=150, skew=0.8, seal_figures=True, turned=(4,)),
))


@dataclass(frozen=True)
class Scenario:
    """``expect`` is the intended outcome: the verdict, then every check that is not pass or manual
    (``G3=fail``) and every discrepancy; a test holds the oracle to it."""

    id: str
    expect: str
    purpose: str
    layout: Layout
    profile: Profile = field(default_factory=Profile)
    tweak: Tweak | None = None
    keep: tuple[str, ...] = ()    # what of ``layout`` the purpose needs: a document kind or kind.field


def _audit(year: int, **changes) -> Tweak:
    def tweak(a: Applicant, rng: random.Random) -> Applicant:
        return replace(a, audits={**a.audits, year: replace(a.audits[year], **changes)})
    return tweak


def _declare(key: str, delta: Decimal) -> Tweak:
    def tweak(a: Applicant, rng: random.Random) -> Applicant:
        honest = {"paid_in_capital": a.facts.paid_in_capital,
                  "total_revenue.2010": a.finances[2010].total_revenue}
        return replace(a, declared={**a.declared, key: honest[key] + delta})
    return tweak


def _missing(*what: str) -> Tweak:
    def tweak(a: Applicant, rng: random.Random) -> Applicant:
        return replace(a, missing=frozenset(what))
    return tweak


def _restate(a: Applicant, rng: random.Random) -> Applicant:
    shown = a.finances[2010].net_profit - Decimal("860000.00")
    return _audit(2011, restated_prior_net_profit=shown)(a, rng)


def _bad_roster(a: Applicant, rng: random.Random) -> Applicant:
    broken = staff_row(rng, college=True, taken=set())
    broken = replace(broken, id_number=ids.break_check_digit(broken.id_number), broken=True)
    rows = list(a.roster)
    rows.insert(30, broken)
    rows.append(rows[12])
    return replace(a, roster=tuple(rows))


def _engineer_lead(a: Applicant, rng: random.Random) -> Applicant:
    persons = tuple(replace(p, title="工程师") if p.role == "tech_lead" else p for p in a.persons)
    lead = a.person("tech_lead")
    roster = tuple(replace(r, title="工程师") if lead and r.name == lead.name else r for r in a.roster)
    return replace(a, persons=persons, roster=roster)


def _foreign_copyright(a: Applicant, rng: random.Random) -> Applicant:
    software = a.copyrights[0].software.replace("运维监控管理平台V2.0", "运维知识库系统V1.0")
    extra = Copyright(software, ids.copyright_number(rng, 2011), f"{a.facts.city}恒业控股集团有限公司")
    return replace(a, copyrights=(*a.copyrights, extra))


def _relax(a: Applicant, rng: random.Random) -> Applicant:
    reason = ("本企业运维人员46人，略低于50人的要求，运维收入与项目条件均已满足，"
              "申请放宽运维人员数量条件。")
    return replace(a, facts=replace(a.facts, relax=True, relax_reason=reason))


def _certificates(a: Applicant, rng: random.Random, first: int, *, docx: bool = False, scanned: str = "",
                  holder: str | None = None) -> tuple[CertificateFile, ...]:
    """The applicant's own certificates in the four certificate layouts in turn, as text PDFs (every other one a
    .docx with ``docx``); the ITSS certificate scanned when ``scanned == "itss"``, and naming ``holder`` instead of
    the applicant when given (a planted disagreement)."""
    out = []
    for n, params in enumerate(own_certificates(a, rng)):
        itss = isinstance(params, Credential) and params.kind == "itss"
        if holder is not None and isinstance(params, Credential) and params.kind == "itss":
            params = replace(params, holder=holder)
        form: Form = "scan" if itss and scanned == "itss" else "docx" if docx and n % 2 else "pdf"
        out.append(CertificateFile(file_name(a, first + n, ".docx" if form == "docx" else ".pdf"), form, params,
                                   LAYOUTS[n % len(LAYOUTS)]))
    return tuple(out)


def _contracts_each(a: Applicant, rng: random.Random) -> Applicant:
    """Every declared project's contract as it is declared, one file each (a text PDF; the second a .docx), and the
    applicant's certificates as text PDFs."""
    files = tuple(ContractFile(file_name(a, i, ".docx" if i == 1 else ".pdf"), "docx" if i == 1 else "pdf",
                               (contract_for(a, i, rng),), (i,)) for i in range(len(a.projects)))
    return replace(a, attachments=Attachments(files, _certificates(a, rng, len(files))))


def _contracts_padded(a: Applicant, rng: random.Random) -> Applicant:
    """Every project's contract bundled in one PDF; the form declares the second project 900,000 yuan above its
    contract, and the first contract's amount in words is a tenth of its figures."""
    first, second = a.projects[0], a.projects[1]
    bundle = [contract_for(a, 0, rng, words_amount=(first.amount / 10).quantize(Decimal(10000))),
              contract_for(a, 1, rng, amount=second.amount - 900_000),
              *(contract_for(a, i, rng) for i in range(2, len(a.projects)))]
    files = (ContractFile(file_name(a, 0, ".pdf"), "pdf", tuple(bundle), tuple(range(len(bundle)))),)
    return replace(a, attachments=Attachments(files, _certificates(a, rng, 1, docx=True)))


def _contracts_scanned(a: Applicant, rng: random.Random) -> Applicant:
    """Contracts as a scan of two bundled contracts, text PDFs and a .docx: the third project's contract is one to
    supply equipment, the second project has no contract, and a contract with the first project's client for
    2012 is declared nowhere (a renewal); the ITSS certificate, scanned, names the parent group as its holder."""
    first = a.projects[0]
    renewal = replace(contract_for(a, 0, rng), amount=first.amount + 370_000, start=date(2012, 1, 1),
                      signed=date(2011, 12, 15), number=f"YW-2012-{rng.randint(100, 999)}")
    files = (ContractFile(file_name(a, 0, ".pdf"), "pdf", (contract_for(a, 0, rng),), (0,)),
             ContractFile(file_name(a, 1, ".pdf"), "pdf", (equipment(contract_for(a, 2, rng), rng),), (2,)),
             ContractFile(file_name(a, 2, ".pdf"), "scan", (contract_for(a, 3, rng), contract_for(a, 4, rng)), (3, 4)),
             ContractFile(file_name(a, 3, ".docx"), "docx", (renewal,), (None,)))
    group = f"{a.facts.city}恒业控股集团有限公司"
    return replace(a, attachments=Attachments(files, _certificates(a, rng, 4, scanned="itss", holder=group)))


_BIG = Profile(city="上海", revenue_2008=Decimal(120_000_000), growth=0.15,
               om_shares=(0.25, 0.26, 0.26, 0.26), registered_capital=Decimal(100_000_000),
               paid_in_capital=Decimal(100_000_000), staff=78)

SCENARIOS = (
    # clean applicant: O&M revenue ≥ 3000万 and ≥ 30% of revenue; every check passes
    Scenario("app-01", "meets",
             "A clean applicant meeting every condition through the 3000万-and-30% O&M revenue route.",
             LAYOUT_A),
    # G3 fail: the 2011 report carries an adverse opinion
    Scenario("app-02", "does_not_meet: G3=fail",
             "The 2011 audit report gives an adverse opinion (否定意见), so G3 fails.",
             LAYOUT_D, Profile(city="上海"), _audit(2011, opinion="adverse")),
    # discrepancy: the form declares 2010 revenue 500万 above the audited figure. Keeps its balance sheet on
    # two pages: its committed report is an exports fixture, whose test names the income statement's 第5页
    Scenario("app-03", "needs_review: total_revenue.2010",
             "The form declares 2010 total revenue 5,000,000 yuan above the audited income statement.",
             LAYOUT_C, tweak=_declare("total_revenue.2010", Decimal(5_000_000)),
             keep=("statement.bs_two_pages",)),
    # incomplete: the 2009 audit report is not in the packet
    Scenario("app-04", "incomplete: G3=missing B1=missing",
             "The 2009 audit report is absent, so the packet is incomplete "
             "(G3 missing; B1 missing, as the O&M share needs the 2009 revenue).",
             replace(LAYOUT_A, form=replace(LAYOUT_A.form, kv="4col")), Profile(city="上海"),
             _missing("statement:2009")),
    # B1 fail: O&M revenue about 12% of revenue, under 3000万 over three years
    Scenario("app-05", "does_not_meet: B1=fail",
             "O&M revenue is about 12% of revenue and under 30,000,000 yuan over three years, so B1 fails.",
             LAYOUT_B, Profile(city="广州", om_shares=(0.10, 0.11, 0.12, 0.12))),
    # meets through the 1亿 route although the O&M share is under 30%; extra contract list and unknown file
    Scenario("app-06", "meets",
             "A large applicant meeting B1 through O&M revenue above 100,000,000 yuan with a share under "
             "30%; the packet adds a contract list and an unrelated note.",
             replace(LAYOUT_B, project_list=True, readme=True), _BIG),
    # discrepancies: a roster row with a bad check digit and a row listed twice. Kept on LAYOUT_A: its
    # committed report (tests/fixtures/reports) is the dashboard's and exports' fixture, whose tests name
    # its evidence's places (人员名册!D35, the revenue note's 第5页 运维服务 line)
    Scenario("app-07", "needs_review: roster.duplicate roster.id_number",
             "The roster has a 身份证号 with a wrong check digit and one person listed twice; "
             "the form's staff figures count each valid number once.",
             LAYOUT_A, tweak=_bad_roster, keep=("form", "roster", "statement")),
    # T2 fail: 62 staff but only about 60% hold 大专 or above
    Scenario("app-08", "does_not_meet: T2=fail",
             "62 O&M staff but only about 60% with 大专 or above, so T2 fails.",
             LAYOUT_C, Profile(city="南京", staff=62, college_share=0.60)),
    # discrepancy: the form declares paid-in capital 5000万, the balance sheet shows 3000万
    Scenario("app-09", "needs_review: paid_in_capital",
             "The form declares paid-in capital of 50,000,000 yuan; the audited balance sheets show "
             "30,000,000 (G2 still passes).",
             LAYOUT_D, Profile(city="杭州", paid_in_capital=Decimal(30_000_000)),
             _declare("paid_in_capital", Decimal(20_000_000))),
    # M2b fail: the O&M technical lead is only 工程师 (intermediate title)
    Scenario("app-10", "does_not_meet: M2b=fail",
             "The O&M technical lead holds only an intermediate title (工程师), so M2b fails.",
             LAYOUT_A, tweak=_engineer_lead),
    # discrepancy: the 2011 report restates 2010 net profit in its prior-year column
    Scenario("app-11", "needs_review: net_profit.2010",
             "The 2011 income statement's prior-year column shows a 2010 net profit 860,000 yuan "
             "below the 2010 report (restatement).",
             replace(LAYOUT_B, form=replace(LAYOUT_B.form, fullwidth=False)), Profile(city="成都"), _restate),
    # G2 fail: registered capital exactly 1000万 but paid-in capital 800万
    Scenario("app-12", "does_not_meet: G2=fail",
             "Registered capital is exactly 10,000,000 yuan but paid-in capital only 8,000,000, "
             "so G2 fails.",
             LAYOUT_C, Profile(city="广州", registered_capital=Decimal(10_000_000),
                               paid_in_capital=Decimal(8_000_000))),
    # relaxation: 46 staff (T2 would fail) but the form asks for relaxed conditions, so T2 is review.
    Scenario("app-13", "needs_review: T2=review",
             "Only 46 O&M staff, but the form requests relaxed conditions (申请放宽条件：是), "
             "so T2 is review instead of fail.",
             LAYOUT_D, Profile(staff=46), _relax),
    # discrepancy: a listed software copyright belongs to the parent group, not the applicant
    Scenario("app-14", "needs_review: software_copyright.holder",
             "One of the three software copyrights is held by a parent group, not the applicant.",
             LAYOUT_C, Profile(city="南京"), _foreign_copyright),
    # G1 fail: O&M business started 2009-09-01, under three years before 2012-06-01
    Scenario("app-15", "does_not_meet: G1=fail",
             "The O&M business started on 2009-09-01, less than three years before the application, "
             "so G1 fails.",
             LAYOUT_B, Profile(city="杭州", om_start=date(2009, 9, 1), om_shares=(0, 0.05, 0.45, 0.5))),
    # B1 review: the 2010 notes give no revenue by business line, so the form's O&M figure stands in
    Scenario("app-16", "needs_review: B1=review",
             "The 2010 notes do not break revenue down by business line; "
             "the form's O&M revenue stands in and B1 is review.",
             LAYOUT_A, tweak=_audit(2010, om_in_notes=False)),
    # incomplete: no staff roster in the packet
    Scenario("app-17", "incomplete: T2=missing",
             "The staff roster is absent, so the packet is incomplete (T2 missing).",
             LAYOUT_D, Profile(city="成都"), _missing("roster")),
    # G3 review: the 2010 report is unqualified with an emphasis-of-matter paragraph
    Scenario("app-18", "needs_review: G3=review",
             "The 2010 audit opinion is unqualified with an emphasis-of-matter paragraph (带强调事项段), "
             "so G3 is review.",
             replace(LAYOUT_C, form=replace(LAYOUT_C.form, kv="above")),
             tweak=_audit(2010, opinion="unqualified_emphasis")),
    # clean applicant in the 4-column 元 layout (its purpose names the 4 columns: kept)
    Scenario("app-19", "meets",
             "A clean applicant meeting every condition, written in the 4-column layout with amounts in 元.",
             LAYOUT_C, Profile(city="杭州"), keep=("form.kv",)),
    # clean applicant in the 亿元 layout, statements in 万元
    Scenario("app-20", "meets",
             "A clean applicant meeting every condition, its form in 亿元 and its statements in 万元.",
             LAYOUT_D, Profile(city="成都", revenue_2008=Decimal(52_000_000), growth=0.12)),
    # clean applicant whose three audit reports are scans: OCR must read the same figures. The scanned
    # statements keep SCANNED_A's layout (the scan styles' pages and the OCR tests are tuned to it); the
    # form and roster are fuzzed, and its text-layer twin (tests/test_ocr_packet.py) is this layout unscanned
    Scenario("app-21", "meets",
             "A clean applicant meeting every condition whose three audit reports are scans without a text "
             "layer (seals over the signatures and figures, a page turned a quarter, skew, 120-200 dpi, a dark "
             "photocopied cover, a blank page): OCR reads the figures its text-layer twin would give.",
             SCANNED_A, keep=("statement",)),
    # contracts and certificates attached, all agreeing with the form: the contracts confirm B2a and B2b
    Scenario("app-22", "meets",
             "A clean applicant that attaches each declared project's contract (text PDFs, one a .docx) and its "
             "certificates (software copyrights, ITSS, system integration, business licence), all agreeing with "
             "the form: B2a and B2b are counted from the contracts.",
             LAYOUT_C, Profile(city="北京"), _contracts_each),
    # a padded project and a contract whose words are not its figures: B2b rests on the form's word
    Scenario("app-23", "needs_review: B2b=review contract.amount.project2 contract.words.project1",
             "The contracts come bundled in one PDF. The form declares the second project 900,000 yuan above its "
             "contract, which is then under 1,000,000 yuan a year; the first contract writes a tenth of its "
             "figures in words. Only one project reaches 100万 a year on its contract alone, so B2b is review.",
             LAYOUT_A, Profile(city="南京"), _contracts_padded),
    # equipment supply, a project without contract, a scan, an undeclared renewal, another ITSS holder
    Scenario("app-24", "needs_review: B2b=review G5=review "
                       "contract.absent.project2 contract.nature.project3 certificate.holder.itss",
             "Contracts as text PDFs, a .docx and a scan of two bundled contracts: the third project's contract "
             "supplies equipment and the second project has none, so B2b rests on the form's word; a 2012 "
             "contract with the first project's client is declared nowhere (a note). The scanned ITSS certificate "
             "names the parent group as its holder, so G5 is review.",
             LAYOUT_B, Profile(city="杭州"), _contracts_scanned),
    # the formats applicants really send (#19): each outcome is that of the same content as .docx/.xlsx/PDF
    Scenario("app-25", "meets",
             "A clean applicant whose form is a Word 97-2003 .doc and whose roster is an Excel 97-2003 .xls.",
             replace(LAYOUT_C, office="legacy"), Profile(city="上海")),
    Scenario("app-26", "needs_review: total_revenue.2010",
             "The form and roster are WPS Office files (.wps, .et) and the 2010 audit report is photographed one "
             "JPEG a page (one photo stored sideways with its EXIF orientation); the form declares 2010 revenue "
             "3,000,000 yuan above that photographed income statement.",
             replace(LAYOUT_A, office="wps", photos=(2010,)), Profile(city="广州"),
             _declare("total_revenue.2010", Decimal(3_000_000))),
    Scenario("app-27", "does_not_meet: B1=fail",
             "The whole submission is one .zip written by Chinese Windows (file names in GBK, no UTF-8 flag); O&M "
             "revenue is about 15% of revenue and under 30,000,000 yuan over three years, so B1 fails.",
             replace(LAYOUT_D, zipped=True), Profile(city="南京", om_shares=(0.13, 0.14, 0.15, 0.15))),
)


def sample_layout(s: Scenario, seed: int) -> Layout:
    """The scenario's own layout: ``s.layout`` fuzzed from a ``Random`` seeded by seed and id (units, scans
    and extra files kept, so the expected outcome does not move), with ``s.keep`` taken from ``s.layout``."""
    lay = fuzz(random.Random(f"{seed}-{s.id}"), s.layout)
    for name in s.keep:
        kind, _, attr = name.partition(".")
        own = getattr(s.layout, kind)
        lay = replace(lay, **{kind: replace(getattr(lay, kind), **{attr: getattr(own, attr)}) if attr else own})
    return lay


def build_all(seed: int) -> list[Applicant]:
    """Every scenario's applicant, each from its own ``Random`` (seeded by seed and id) and in its own
    layout (``sample_layout``); no two rosters share a 身份证号."""
    out: list[Applicant] = []
    taken: set[str] = set()
    for s in SCENARIOS:
        rng = random.Random(f"{seed}:{s.id}")
        applicant = build(s.id, int(s.id[-2:]), s.purpose, s.profile, sample_layout(s, seed), rng, taken)
        out.append(s.tweak(applicant, rng) if s.tweak else applicant)
    return out
