"""A clean applicant that meets every condition, drawn from a few knobs and a seeded Random."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from . import ids
from .params import (
    FISCAL_YEARS,
    Applicant,
    Audit,
    Copyright,
    Facts,
    Files,
    Layout,
    Person,
    Project,
    RosterRow,
    YearFinance,
)

_EDU_COLLEGE = ("本科", "本科", "本科", "大学本科", "大专", "大专", "专科", "硕士", "研究生")
_EDU_BELOW = ("中专", "高中", "中专")
_SPECIALTIES = ("计算机科学与技术", "软件工程", "网络工程", "通信工程", "电子信息工程", "信息管理与信息系统",
                "计算机应用", "自动化")
_POSTS = ("运维工程师", "系统管理员", "网络工程师", "数据库管理员", "服务台工程师", "现场支持工程师",
          "运维项目经理", "信息安全工程师")
_LINES = ("系统集成", "软件开发")


@dataclass(frozen=True)
class Profile:
    """The knobs a scenario turns before building; finer changes are made on the built Applicant."""

    city: str = "北京"
    revenue_2008: Decimal = Decimal(40_000_000)
    growth: float = 0.18
    om_shares: tuple[float, float, float, float] = (0.38, 0.40, 0.41, 0.42)   # 2008..2011
    net_margin: float = 0.07
    registered_capital: Decimal = Decimal(50_000_000)
    paid_in_capital: Decimal = Decimal(50_000_000)
    founded: date = date(2002, 4, 18)
    om_start: date = date(2005, 3, 1)
    staff: int = 64
    college_share: float = 0.86


def _money(rng: random.Random, value: float) -> Decimal:
    """A book amount with cents, e.g. 47,213,905.36."""
    return Decimal(int(value)) + Decimal(rng.randrange(100)) / 100


def _finances(rng: random.Random, p: Profile) -> dict[int, YearFinance]:
    revenue = float(p.revenue_2008) * rng.uniform(0.95, 1.05)
    capital_reserve = _money(rng, rng.uniform(1e6, 5e6))
    surplus, retained = _money(rng, rng.uniform(1e6, 2e6)), _money(rng, rng.uniform(3e6, 9e6))
    out: dict[int, YearFinance] = {}
    for i, year in enumerate(range(2008, 2012)):
        if i:
            revenue *= 1 + p.growth + rng.uniform(-0.03, 0.03)
        share = p.om_shares[i] + rng.uniform(-0.01, 0.01) if p.om_shares[i] else 0
        om = _money(rng, revenue * share) if share else Decimal(0)
        rest = Decimal(int(revenue)) - om
        si = _money(rng, float(rest) * rng.uniform(0.55, 0.7))
        lines = ((_LINES[0], si), (_LINES[1], _money(rng, float(rest - si))))
        net_profit = _money(rng, revenue * (p.net_margin + rng.uniform(-0.01, 0.01)))
        surplus += (net_profit / 10).quantize(Decimal("0.01"))
        retained += net_profit - (net_profit / 10).quantize(Decimal("0.01"))
        out[year] = YearFinance(year, om, lines, net_profit, p.paid_in_capital, capital_reserve, surplus,
                                retained, Decimal(str(round(rng.uniform(0.62, 0.70), 3))),
                                Decimal(str(round(rng.uniform(0.4, 0.9), 2))))
    return out


def _audits(rng: random.Random) -> dict[int, Audit]:
    auditor = ids.auditor_name(rng)
    cpas = (ids.person_name(rng), ids.person_name(rng))
    out = {}
    for year in FISCAL_YEARS:
        number = f"{auditor[:2]}审字[{year + 1}]第{rng.randrange(100, 3000):05d}号"
        out[year] = Audit(year, auditor, cpas, "unqualified", number, date(year + 1, 3, rng.randrange(5, 29)))
    return out


def _month_end(start: date, months: int) -> date:
    y, m = divmod(start.month - 1 + months, 12)
    return date(start.year + y, m + 1, 1) - timedelta(days=1)


def _projects(rng: random.Random, p: Profile, clients: list[str], tools: tuple[str, str]
              ) -> tuple[Project, ...]:
    """Three projects of ≥ 100万 a year, a small one, a long one under 100万 a year, maybe one after the
    window; none starts before the month after the O&M business began."""
    earliest = date(p.om_start.year + p.om_start.month // 12, p.om_start.month % 12 + 1, 1)
    # (start, months, amount range in 万元, tool, client index, name)
    plan = [(date(2010, 1, 1), 12, (150, 220), tools[0], 0, "数据中心基础设施运维服务项目"),
            (date(2011, 3, 1), 12, (120, 180), tools[1], 1, "信息系统运行维护服务项目"),
            (date(2009, 7, 1), 24, (260, 400), tools[0], 2, "核心业务系统运维外包项目"),
            (date(2011, 1, 1), 12, (40, 80), "", 0, "桌面终端运维支持项目"),
            (date(2009, 1, 1), 36, (150, 230), tools[0], 3, "网络及安全设备驻场运维项目")]
    if rng.random() < 0.5:
        plan.append((date(2012, 3, 1), 12, (200, 300), tools[1], 4, "云平台运行维护服务项目（2012年新签）"))
    out = []
    for start, months, (lo, hi), tool, client, name in plan:
        start = max(start, earliest)
        amount = Decimal(rng.randrange(lo, hi)) * 10_000
        end = _month_end(start, months)
        out.append(Project(f"{clients[client]}{name}", clients[client], amount, start, end, tool))
    return tuple(out)


def _persons(rng: random.Random) -> tuple[Person, ...]:
    return (Person("principal", ids.person_name(rng), "总经理", "高级工程师", "计算机应用",
                   rng.randrange(12, 19)),
            Person("tech_lead", ids.person_name(rng), "运维技术总监", "高级工程师", "计算机科学与技术",
                   rng.randrange(6, 12)),
            Person("finance_lead", ids.person_name(rng), "财务总监", rng.choice(("会计师", "高级会计师")),
                   "会计学", rng.randrange(8, 16)))


def staff_row(rng: random.Random, college: bool, taken: set[str]) -> RosterRow:
    """One O&M staff member; ``taken`` holds the 身份证号 already used in the batch."""
    number, gender = ids.id_number(rng, 1965, 1989, taken)
    title = rng.choices(("高级工程师", "工程师", "助理工程师", "无"), (1, 4, 4, 3))[0]
    edu = rng.choice(_EDU_COLLEGE if college else _EDU_BELOW)
    most_years = max(1, min(12, 2012 - int(number[6:10]) - 21))
    return RosterRow(ids.person_name(rng), gender, number, edu, title, rng.choice(_SPECIALTIES),
                     rng.choice(_POSTS), rng.randrange(1, most_years + 1))


def make_roster(rng: random.Random, persons: tuple[Person, ...], staff: int, college_share: float,
                taken: set[str]) -> tuple[RosterRow, ...]:
    """``staff`` rows with valid, distinct numbers and distinct names; the key persons first, all of them
    大专 and above."""
    rows = []
    for person, edu in zip(persons, ("硕士", "本科", "本科"), strict=True):
        number, gender = ids.id_number(rng, 1962, 1978, taken)
        years = person.years if person.role == "tech_lead" else rng.randrange(3, 10)
        rows.append(RosterRow(person.name, gender, number, edu, person.title, person.specialty,
                              person.position, years))
    college = round(staff * college_share) - len(rows)
    flags = [True] * college + [False] * (staff - len(rows) - college)
    rng.shuffle(flags)
    names = {row.name for row in rows}
    for flag in flags:
        row = staff_row(rng, flag, taken)
        while row.name in names:
            row = replace(row, name=ids.person_name(rng))
        names.add(row.name)
        rows.append(row)
    return tuple(rows)


def file_names(rng: random.Random, layout: Layout) -> Files:
    style = rng.choice(("附件{}", "scan{:04d}", "材料_{}", "file{:02d}", "资料{}"))
    count = 5 + layout.project_list + layout.readme
    numbers = rng.sample(range(1, count + 3), count)
    names = [style.format(n) for n in numbers]
    statements = {y: names[1 + i] + ".pdf" for i, y in enumerate(FISCAL_YEARS)}
    statements |= {y: f"{y}年度_1.jpg" for y in layout.photos}
    form, roster = {"ooxml": (".docx", ".xlsx"), "legacy": (".doc", ".xls"), "wps": (".wps", ".et")}[layout.office]
    return Files(form=names[0] + form, statements=statements, roster=names[4] + roster,
                 project_list=names[5] + ".xlsx" if layout.project_list else None,
                 readme=names[-1] + ".txt" if layout.readme else None,
                 archive="提交文件.zip" if layout.zipped else None)


def build(ident: str, index: int, purpose: str, profile: Profile, layout: Layout, rng: random.Random,
          taken: set[str]) -> Applicant:
    """A clean applicant; ``taken`` holds the 身份证号 of the batch so far, so no two rosters share one."""
    district, authority, region = ids.CITIES[profile.city]
    name, trade = ids.company_name(rng, profile.city, index)
    level = rng.choice(("一级", "二级", "二级", "三级"))
    facts = Facts(
        name=name, credit_code=ids.credit_code(rng, district), registered_capital=profile.registered_capital,
        paid_in_capital=profile.paid_in_capital, founded=profile.founded, om_start=profile.om_start,
        si_cert_no=f"Z{'一二三'.index(level[0]) + 1}{region}{district[2:4]}{rng.randrange(2008, 2012)}"
                   f"{rng.randrange(100, 999):04d}",
        si_level=level, si_valid_until=date(rng.randrange(2013, 2016), 12, 31),
        itss_cert_no=f"ITSS-YW-{region}-2011{rng.randrange(1, 300):04d}", recommender=authority,
        relax=False, relax_reason="", city=profile.city,
        mis="已建成覆盖OA办公、财务管理、人力资源、客户关系管理及IT服务管理（ITSM）的企业管理信息系统，"
            "2008年上线并持续运行。")
    tools = (f"{trade}运维监控管理平台V2.0", f"{trade}IT服务管理系统V3.1")
    copyrights = (Copyright(tools[0], ids.copyright_number(rng, 2009), name),
                  Copyright(tools[1], ids.copyright_number(rng, 2010), name))
    persons = _persons(rng)
    return Applicant(
        id=ident, purpose=purpose, facts=facts, finances=_finances(rng, profile), audits=_audits(rng),
        projects=_projects(rng, profile, ids.client_names(rng, profile.city, 5), tools), persons=persons,
        copyrights=copyrights, roster=make_roster(rng, persons, profile.staff, profile.college_share, taken),
        layout=layout, files=file_names(rng, layout))
