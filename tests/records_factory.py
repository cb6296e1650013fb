"""Small records built in tests: one applicant that meets every condition, to be changed one field at a time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from stdnum.cn import ric

from omreview.model import AuditOpinion, Source
from omreview.records import (
    Count,
    DateValue,
    DeclaredYear,
    Education,
    Flag,
    FormRecord,
    KeyPerson,
    KeyRole,
    Money,
    Opinion,
    Project,
    RosterRecord,
    SoftwareCopyright,
    StaffRow,
    StatementRecord,
    StatementYear,
    Text,
    TitleLevel,
    TitleSeries,
)

COMPANY = "测试运维科技有限公司"
FORM_SRC = Source(file="form.docx", table=0, cell="B1")


def money(value, src: Source | None = None) -> Money:
    return Money(value=Decimal(str(value)), precision=Decimal("0.01"), source=src or Source(file="x.pdf", page=1))


def text(value: str) -> Text:
    return Text(value=value, source=FORM_SRC)


def date(y: int, m: int, d: int) -> DateValue:
    return DateValue(value=dt.date(y, m, d), source=FORM_SRC)


def id_number(seq: int) -> str:
    body = f"11010519800101{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def statement(year: int, total=40_000_000, om=15_000_000, paid_in=20_000_000, equity=30_000_000,
              opinion=AuditOpinion.UNQUALIFIED) -> StatementRecord:
    src = Source(file=f"{year}.pdf", page=3)
    return StatementRecord(
        fiscal_year=year,
        auditor=Text(value="某某会计师事务所（特殊普通合伙）", source=src),
        opinion=Opinion(value=opinion, source=src),
        current=StatementYear(year=year, paid_in_capital=money(paid_in, src), equity=money(equity, src),
                              total_revenue=money(total, src), net_profit=money(1_000_000, src)),
        prior=StatementYear(year=year - 1, paid_in_capital=money(paid_in, src), equity=money(equity, src),
                            total_revenue=money(total, src), net_profit=money(1_000_000, src)),
        om_revenue=money(om, src),
    )


def project(name: str, client: str, amount, start: dt.date, end: dt.date, tool="智维运维监控平台") -> Project:
    return Project(name=text(name), client=text(client), amount=money(amount, FORM_SRC),
                   start=DateValue(value=start, source=FORM_SRC), end=DateValue(value=end, source=FORM_SRC),
                   tool=text(tool) if tool else None)


def form(**changes) -> FormRecord:
    base = dict(
        company_name=text(COMPANY),
        credit_code=None,
        registered_capital=money(20_000_000, FORM_SRC),
        paid_in_capital=money(20_000_000, FORM_SRC),
        founded_date=date(2001, 1, 1),
        om_start_date=date(2005, 1, 1),
        si_cert_number=text("Z1110020090123"),
        si_cert_level=text("二级"),
        si_cert_valid_until=date(2013, 12, 31),
        itss_cert_number=text("ITSS-YW-2011-0001"),
        recommending_authority=text("北京市经济和信息化委员会"),
        relaxation_requested=Flag(value=False, source=FORM_SRC),
        declared_years=[DeclaredYear(year=y, total_revenue=money(40_000_000, FORM_SRC), om_revenue=money(15_000_000,
                                                                                                        FORM_SRC))
                        for y in (2009, 2010, 2011)],
        projects=[project("甲运维", "甲银行", 1_500_000, dt.date(2010, 1, 1), dt.date(2010, 12, 31)),
                  project("乙运维", "乙税务局", 2_400_000, dt.date(2010, 1, 1), dt.date(2011, 12, 31))],
        key_persons=[
            KeyPerson(role=KeyRole.PRINCIPAL, name=text("张三"), mgmt_years=Count(value=10, source=FORM_SRC)),
            KeyPerson(role=KeyRole.TECH_LEAD, name=text("李四"), title=text("高级工程师"), specialty=text("计算机应用"),
                      om_years=Count(value=8, source=FORM_SRC)),
            KeyPerson(role=KeyRole.FINANCE_LEAD, name=text("王五"), title=text("会计师")),
        ],
        software=[SoftwareCopyright(name=text("智维运维监控平台"), number=text("2009SR012345"), holder=text(COMPANY))],
        declared_staff_count=Count(value=60, source=FORM_SRC),
    )
    base.update(changes)
    return FormRecord(**base)


def roster(staff=60, college=45, unknown=0) -> RosterRecord:
    rows = []
    for i in range(staff):
        if i < college:
            edu, raw = Education.BACHELOR, "本科"
        elif i < college + unknown:
            edu, raw = Education.UNKNOWN, "MBA"
        else:
            edu, raw = Education.BELOW, "高中"
        rows.append(StaffRow(row=i + 4, name=f"员工{i}", id_number=id_number(i + 1), education_raw=raw, education=edu,
                             title_raw="工程师", title_level=TitleLevel.INTERMEDIATE,
                             title_series=TitleSeries.ENGINEERING,
                             source=Source(file="roster.xlsx", sheet="名册", cell=f"C{i + 4}")))
    return RosterRecord(sheet="名册", header_row=3, rows=rows)
