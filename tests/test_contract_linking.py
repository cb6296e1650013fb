"""The form's projects linked to their contracts (#18 points 2 and 3): every contract discrepancy planted once and
found once with both values and their sources, none when all agree; the boundary cases of linking (two contracts
with one client, a renewed contract, a period across the window's edge, an exact tie); B2a and B2b counted from the
contracts, a project that counts only on the form's word is ``review`` with the reason; a folder without contracts
reports exactly what it reported before."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from omreview.model import Document, DocumentKind, Source, Verdict
from omreview.records import ContractParty, ContractRecord, ContractsRecord, DateValue, Money, Text
from omreview.rules import default_rules
from omreview.validators import evaluate
from omreview.validators.contracts import client_key
from tests import records_factory as f
from tests.test_checks import YEARS

D = dt.date(2012, 6, 1)
RULES = default_rules()
BASE_PROJECTS = {  # the base applicant's two projects (records_factory.form): client, amount, start, end
    1: ("甲银行", 1_500_000, dt.date(2010, 1, 1), dt.date(2010, 12, 31)),
    2: ("乙税务局", 2_400_000, dt.date(2010, 1, 1), dt.date(2011, 12, 31)),
}


def src(file: str, page: int, text: str) -> Source:
    return Source(file=file, page=page, bbox=(100.0, 200.0, 300.0, 215.0), text=text)


def record(client: str, amount, start: dt.date, end: dt.date, *, file: str = "合同.pdf", page: int = 1,
           provider: str = f.COMPANY, nature: str = "om", words=None, number: str | None = None) -> ContractRecord:
    """A contract as the reader gives it, every value with a page and a box."""
    figures = Decimal(str(amount))
    spoken = figures if words is None else Decimal(str(words))
    return ContractRecord(
        first_page=page, last_page=page + 1,
        number=Text(value=number, source=src(file, page, number)) if number else None,
        client=ContractParty(role="client", label="甲方", normalised=client,
                             name=Text(value=client, source=src(file, page, client))),
        provider=ContractParty(role="provider", label="乙方", normalised=provider,
                               name=Text(value=provider, source=src(file, page, provider))),
        amount_figures=Money(value=figures, precision=Decimal("0.01"), source=src(file, page, f"¥{figures:,.2f}")),
        amount_words=Money(value=spoken, precision=Decimal("1"), source=src(file, page, "人民币…元整")),
        start=DateValue(value=start, source=src(file, page, str(start))),
        end=DateValue(value=end, source=src(file, page, str(end))),
        period=Text(value=f"{start}至{end}", source=src(file, page, f"自{start}起至{end}止")),
        nature=nature, nature_words=["运维"] if nature == "om" else ["设备采购"],
        nature_source=src(file, page, "服务内容"),
    )


def of_project(n: int, **changes) -> ContractRecord:
    client, amount, start, end = BASE_PROJECTS[n]
    values = {"client": client, "amount": amount, "start": start, "end": end, "page": 2 * n - 1} | changes
    return record(values.pop("client"), values.pop("amount"), values.pop("start"), values.pop("end"), **values)


def run(form=None, contracts: list[ContractRecord] | None = None, files: dict[str, list[ContractRecord]] | None = None):
    form = f.form() if form is None else form
    pairs = [(Document(file="form.docx", sha256="0", kind=DocumentKind.APPLICATION_FORM), form),
             (Document(file="roster.xlsx", sha256="1", kind=DocumentKind.STAFF_ROSTER), f.roster())]
    pairs += [(Document(file=f"{y}.pdf", sha256=str(y), kind=DocumentKind.FINANCIAL_STATEMENT, fiscal_year=y),
               f.statement(y)) for y in YEARS]
    files = dict(files or {})
    if contracts is not None:
        files["合同.pdf"] = contracts
    pairs += [(Document(file=name, sha256=name, kind=DocumentKind.CONTRACT), ContractsRecord(contracts=records))
              for name, records in files.items()]
    return evaluate(pairs, YEARS, RULES, D)


def check(result, check_id):
    return next(c for c in result.checks if c.id == check_id)


def figures(result) -> list[str]:
    return [d.figure for d in result.discrepancies]


# --- all agree ----------------------------------------------------------------------------------------------------


def test_contracts_that_back_every_project_raise_nothing_and_the_counts_come_from_them():
    result = run(contracts=[of_project(1), of_project(2)])
    assert result.verdict is Verdict.MEETS, [(c.id, c.message) for c in result.checks if c.status.value != "pass"]
    assert result.discrepancies == [] and result.notes == []
    b2a, b2b = check(result, "B2a"), check(result, "B2b")
    assert b2b.message == ("合同额每年100万元及以上的项目不少于两个：按所附合同，合同额每年100万元及以上的项目2个"
                           "（要求不少于2个）。")
    assert b2a.message.endswith("按所附合同，运维项目涉及的用户2个（要求不少于2个）。")
    assert b2b.values == {"qualifying_project_count": 2, "project1.annualised": "1500000.00",
                          "project2.annualised": "1200000.00", "projects_form_only": 0, "contracts_unlinked": 0}
    assert [s.file for s in b2b.evidence] == ["合同.pdf", "合同.pdf"] and [s.page for s in b2b.evidence] == [1, 3]
    assert result.figures["qualifying_project_count"].value == "2"
    assert result.figures["distinct_client_count"].value == "2"


def test_names_written_differently_are_one_client():
    """Brackets, spaces, full width and a company suffix do not tell two clients apart (the rules' vocabulary)."""
    assert client_key("华信（北京） 数据有限公司", RULES) == client_key("华信(北京)数据", RULES)
    assert client_key("某某集团", RULES) == client_key("某某集团有限公司", RULES) == "某某"
    assert client_key("中国工商银行股份有限公司北京分行", RULES) == "中国工商银行股份有限公司北京分行"
    form = f.form(projects=[f.project("甲运维", "甲银行股份有限公司", 1_500_000, dt.date(2010, 1, 1),
                                      dt.date(2010, 12, 31)), f.form().projects[1]])
    result = run(form, [of_project(1, client="甲 银行"), of_project(2)])
    assert result.discrepancies == []


# --- every discrepancy planted once, found once ---------------------------------------------------------------------

PLANTED = {
    "contract.amount.project1": ([of_project(1, amount=1_200_000), of_project(2)], ("1500000.00", "1200000.00")),
    "contract.period.project1": ([of_project(1, start=dt.date(2010, 3, 1), end=dt.date(2011, 2, 28)), of_project(2)],
                                 ("2010-01-01至2010-12-31", "2010-03-01至2011-02-28")),
    "contract.client.project2": ([of_project(1), of_project(2, client="丙保险公司")], ("乙税务局", "丙保险公司")),
    "contract.party.project1": ([of_project(1, provider="别家科技有限公司"), of_project(2)],
                                ("别家科技有限公司", f.COMPANY)),
    "contract.nature.project2": ([of_project(1), of_project(2, nature="equipment")],
                                 ("设备采购（设备采购）", "乙运维")),
    "contract.words.project1": ([of_project(1, words=1_900_000), of_project(2)], ("1500000.00", "1900000.00")),
    "contract.absent.project1": ([of_project(2)], ("甲运维", "1500000.00")),
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_each_discrepancy_is_found_once_with_both_values_and_their_sources(name):
    contracts, expected = PLANTED[name]
    result = run(contracts=contracts)
    assert figures(result) == [name]
    found = result.discrepancies[0]
    assert tuple(v.value for v in found.values) == expected
    assert all(v.source is not None for v in found.values)
    files = {v.source.file for v in found.values}
    assert "合同.pdf" in files or name == "contract.absent.project1"
    assert "form.docx" in files or name == "contract.words.project1"
    pages = [v.source.page for v in found.values if v.source.file == "合同.pdf"]
    assert all(p is not None for p in pages)
    cells = [(v.source.table, v.source.cell) for v in found.values if v.source.file == "form.docx"]
    assert all(cell == (0, "B1") for cell in cells)  # the form's table and cell (records_factory.FORM_SRC)


def test_the_discrepancy_messages_say_both_values_and_where():
    result = run(contracts=[of_project(1, amount=1_200_000, number="HT-2010-001"), of_project(2)])
    assert result.discrepancies[0].message == ("项目1「甲运维」合同金额：申报表1500000.00元，合同（合同.pdf第1–2页，"
                                               "编号HT-2010-001）1200000.00元，不一致。")


def test_a_contract_not_declared_is_listed_and_its_own_faults_named_by_its_place():
    stray = record("丁医院", 800_000, dt.date(2011, 1, 1), dt.date(2011, 12, 31), page=9, provider="别家科技有限公司",
                   words=900_000, nature="equipment")
    result = run(contracts=[of_project(1), of_project(2), stray])
    assert figures(result) == ["contract.party.contract3", "contract.nature.contract3", "contract.words.contract3"]
    assert result.notes == ["合同（合同.pdf第9–10页）未能与申报表所列项目对应（甲方丁医院，金额800000.00元，"
                            "2011-01-01至2011-12-31），未计入B2a、B2b。"]
    assert check(result, "B2b").values["contracts_unlinked"] == 1
    assert check(result, "B2b").status.value == "pass"


# --- B2a and B2b from the contracts ---------------------------------------------------------------------------------


def test_b2b_counts_the_contracts_amount_not_the_forms():
    """The form says 150万; the contract says 90万 a year: the project does not count, and B2b fails."""
    result = run(contracts=[of_project(1, amount=900_000), of_project(2)])
    b2b = check(result, "B2b")
    assert b2b.status.value == "fail" and b2b.values["qualifying_project_count"] == 1
    assert result.figures["qualifying_project_count"].value == "1"
    assert figures(result) == ["contract.amount.project1"]
    assert run().figures["qualifying_project_count"].value == "2"  # on the form's word alone: two


def test_b2a_counts_the_contracts_clients():
    """The form names two clients; both contracts name the same one: one client, B2a fails."""
    result = run(contracts=[of_project(1), of_project(2, client="甲银行")])
    assert check(result, "B2a").status.value == "fail"
    assert result.figures["distinct_client_count"].value == "1"
    assert figures(result) == ["contract.client.project2"]


def test_a_project_without_a_contract_counts_only_on_the_forms_word_and_is_review():
    result = run(contracts=[of_project(2)])
    b2a, b2b = check(result, "B2a"), check(result, "B2b")
    assert (b2a.status.value, b2b.status.value) == ("review", "review")
    assert "以下项目仅凭申报表填报计入，须核实：项目1「甲运维」（未附合同）。" in b2b.message
    assert "项目1「甲运维」（未附合同）" in b2a.message
    assert b2b.values["qualifying_project_count"] == 1 and b2b.values["projects_form_only"] == 1
    assert b2a.values["clients_form_only"] == 1
    assert result.verdict is Verdict.NEEDS_REVIEW


def test_the_report_lists_each_project_beside_its_contract_and_why_it_counts_on_the_form():
    """The report's ``projects``: a row with its contract's values and their pages, a row without contract with why
    it counts only on the form, and a contract no row declares; absent from a folder without contracts."""
    renewal = of_project(1, start=dt.date(2012, 1, 1), end=dt.date(2012, 12, 31), amount=1_900_000, page=9)
    result = run(contracts=[of_project(2, number="HT-2010-002"), renewal])
    rows = {entry.project: entry for entry in result.projects}
    assert set(rows) == {1, 2, None}
    two = rows[2]
    assert (two.name.value, two.amount.value, two.client.value) == ("乙运维", "2400000.00", "乙税务局")
    assert two.contract is not None and two.doubts == []
    assert (two.contract.file, two.contract.first_page, two.contract.number.value) == ("合同.pdf", 3, "HT-2010-002")
    assert (two.contract.amount.value, two.contract.amount.source.page) == ("2400000.00", 3)
    assert two.contract.client.value == "乙税务局" and two.contract.provider.value == f.COMPANY
    assert two.contract.period.value == "2010-01-01至2011-12-31" and two.contract.nature == "om"
    assert rows[1].contract is None and rows[1].doubts == ["未附合同"]
    stray = rows[None]
    assert stray.name is None and stray.contract.first_page == 9 and stray.contract.amount.value == "1900000.00"
    assert run().projects == []


def test_an_equipment_contract_counts_only_on_the_forms_word():
    result = run(contracts=[of_project(1), of_project(2, nature="equipment")])
    b2b = check(result, "B2b")
    assert b2b.status.value == "review"
    assert "项目2「乙运维」（合同（合同.pdf第3–4页）为设备采购，非运维服务）" in b2b.message


def test_figures_and_words_either_side_of_the_bar_are_review():
    """¥1,500,000.00 in figures, 玖拾万元 in words: one says it counts, the other not — a reviewer decides."""
    result = run(contracts=[of_project(1, words=900_000), of_project(2)])
    b2b = check(result, "B2b")
    assert b2b.status.value == "review" and "金额大小写不一致" in b2b.message
    assert figures(result) == ["contract.words.project1"]


def test_a_contract_value_not_read_is_no_failure():
    """The contract's amount was not read: the form's stands in, the project counts only on its word (review)."""
    unread = of_project(1).model_copy(update={"amount_figures": None, "amount_words": None})
    result = run(contracts=[unread, of_project(2)])
    b2b = check(result, "B2b")
    assert b2b.status.value == "review" and "未能读出金额，按申报表计" in b2b.message
    assert result.discrepancies == []


# --- boundaries of linking ----------------------------------------------------------------------------------------


def test_two_contracts_with_one_client_go_to_their_own_projects():
    form = f.form(projects=[
        f.project("税务数据中心运维", "乙税务局", 2_040_000, dt.date(2010, 1, 1), dt.date(2010, 12, 31)),
        f.project("税务桌面运维", "乙税务局", 700_000, dt.date(2011, 1, 1), dt.date(2011, 12, 31)),
        f.project("甲运维", "甲银行", 1_500_000, dt.date(2010, 1, 1), dt.date(2010, 12, 31)),
    ])
    desk = record("乙税务局", 700_000, dt.date(2011, 1, 1), dt.date(2011, 12, 31), page=1)
    centre = record("乙税务局", 2_040_000, dt.date(2010, 1, 1), dt.date(2010, 12, 31), page=3)
    bank = record("甲银行", 1_500_000, dt.date(2010, 1, 1), dt.date(2010, 12, 31), page=5)
    result = run(form, [desk, centre, bank])
    assert result.discrepancies == [] and result.notes == []
    assert check(result, "B2b").values["qualifying_project_count"] == 2
    assert check(result, "B2a").values["distinct_client_count"] == 2


def test_a_renewed_contract_not_declared_is_listed_as_such():
    renewal = of_project(1, start=dt.date(2011, 1, 1), end=dt.date(2011, 12, 31), page=7)
    result = run(contracts=[renewal, of_project(1), of_project(2)])  # the renewal first: order does not decide
    assert result.discrepancies == []
    assert result.notes == ["合同（合同.pdf第7–8页）未能与申报表所列项目对应（甲方甲银行，金额1500000.00元，"
                            "2011-01-01至2011-12-31；与项目1「甲运维」的合同甲方相同，是否为续签合同未申报），"
                            "未计入B2a、B2b。"]


def test_a_period_across_the_windows_edge_counts_by_the_contract():
    """A contract from 2011-07 to 2012-06 is in the window by six months and counts; one that the form puts in
    2011 but whose contract runs 2012-2013 is outside it: B2b counts the contract."""
    edge = (dt.date(2011, 7, 1), dt.date(2012, 6, 30))
    form = f.form(projects=[f.project("甲运维", "甲银行", 1_500_000, *edge), f.form().projects[1]])
    result = run(form, [record("甲银行", 1_500_000, *edge), of_project(2)])
    assert (check(result, "B2b").status.value, result.discrepancies) == ("pass", [])
    late = of_project(1, start=dt.date(2012, 1, 1), end=dt.date(2012, 12, 31))
    result = run(contracts=[late, of_project(2)])
    assert figures(result) == ["contract.period.project1"]
    assert check(result, "B2b").status.value == "fail" and check(result, "B2b").values["qualifying_project_count"] == 1


def test_an_exact_tie_is_resolved_by_the_contracts_order_and_said():
    twin = of_project(1, page=5)
    result = run(contracts=[of_project(1), twin, of_project(2)])
    assert result.notes[0] == ("项目1「甲运维」与合同（合同.pdf第1–2页）、合同（合同.pdf第5–6页）同样相符，"
                               "按合同顺序取合同（合同.pdf第1–2页）。")
    assert result.notes[1].startswith("合同（合同.pdf第5–6页）未能与申报表所列项目对应")
    assert result.discrepancies == []


def test_contracts_across_several_files_are_numbered_in_the_folders_order():
    stray = record("丁医院", 800_000, dt.date(2011, 1, 1), dt.date(2011, 12, 31), provider="别家科技有限公司",
                   file="b.pdf")
    result = run(files={"a.pdf": [of_project(1), of_project(2)], "b.pdf": [stray]})
    assert figures(result) == ["contract.party.contract3"]
    assert result.discrepancies[0].message == ("合同（b.pdf第1–2页）的乙方为别家科技有限公司，"
                                               "不是申报企业测试运维科技有限公司。")
    assert result.notes[0].startswith("合同（b.pdf第1–2页）未能与申报表所列项目对应")


# --- a folder without contracts ------------------------------------------------------------------------------------


def test_without_contracts_the_checks_are_todays():
    result = run()
    assert check(result, "B2b").message == ("合同额每年100万元及以上的项目不少于两个：合同额每年100万元及以上的项目2个"
                                            "（要求不少于2个）。")
    assert "contracts_unlinked" not in check(result, "B2b").values and result.notes == []


@pytest.mark.parametrize("case", ["app-01", "app-10"])
def test_a_sample_folder_without_contracts_reports_byte_for_byte_what_it_did(case):
    """The committed reports (tests/fixtures/reports, written before contracts were linked) are what reviewing the
    sample gives now."""
    from tests.conftest import SAMPLE_DOCS
    from tests.store_factory import fixture_path, fresh_report_json

    if not (SAMPLE_DOCS / case).is_dir():
        pytest.skip("sample_docs not generated")
    assert fresh_report_json(case) == fixture_path(case).read_text(encoding="utf-8")


# --- a sample applicant's form with contracts read from generated PDFs ----------------------------------------------


def _read_folder(folder: Path):
    from omreview.packet import load_packet
    from omreview.review import document_of

    rules = RULES.model_copy(update={"limits": RULES.limits.model_copy(update={"isolate_documents": False})})
    return [document_of(pf, rules) for pf in load_packet(folder, rules).files]


def test_a_sample_applicants_projects_backed_by_read_contracts(tmp_path):
    """app-01's form, with contracts drawn by samplegen for its projects and read by the contract reader: the
    verdict, figures and statuses are the golden's; then one contract padded in words, one equipment supply and a
    B2b project left without its contract are the only discrepancies, and that project is named as form-only."""
    import shutil

    from omreview.packet import load_packet
    from omreview.review import review_documents
    from samplegen.contracts import contract, write_pdf
    from tests.conftest import SAMPLE_DOCS

    if not (SAMPLE_DOCS / "app-01").is_dir():
        pytest.skip("sample_docs not generated")
    folder = tmp_path / "app-01"
    shutil.copytree(SAMPLE_DOCS / "app-01", folder)
    pairs = _read_folder(folder)
    form = next(r for _, r in pairs if getattr(r, "kind", None) == "application_form")
    drawn = [contract(i, client=p.client.value, amount=p.amount.value, start=p.start.value,
                      months=(p.end.value.year - p.start.value.year) * 12 + p.end.value.month - p.start.value.month + 1,
                      provider=form.company_name.value, nature="om", title=f"{p.client.value}信息系统运行维护服务合同")
             for i, p in enumerate(form.projects, 1)]
    write_pdf(folder / "合同汇编.pdf", drawn)
    rules = RULES.model_copy(update={"limits": RULES.limits.model_copy(update={"isolate_documents": False})})
    before = review_documents(load_packet(folder, rules), pairs, D, rules).report
    after = review_documents(load_packet(folder, rules), _read_folder(folder), D, rules).report
    assert after.verdict == before.verdict == Verdict.MEETS
    assert {c.id: c.status for c in after.checks} == {c.id: c.status for c in before.checks}
    assert after.figures == before.figures and after.discrepancies == [] and after.notes == before.notes
    assert check(after, "B2b").message.startswith("合同额每年100万元及以上的项目不少于两个：按所附合同")

    drawn[0] = replace(drawn[0], words_amount=Decimal(9_990_000))
    drawn[4] = replace(drawn[4], nature="equipment", title="机房设备购销合同", subject_line=False)
    (folder / "合同汇编.pdf").unlink()
    write_pdf(folder / "合同汇编.pdf", drawn[:1] + drawn[2:])  # the second project left without its contract
    after = review_documents(load_packet(folder, rules), _read_folder(folder), D, rules).report
    assert sorted(d.figure for d in after.discrepancies) == ["contract.absent.project2", "contract.nature.project5",
                                                            "contract.words.project1"]
    b2b = check(after, "B2b")  # projects 1 and 3 still reach 100万元 a year on their contracts
    counts = (b2b.values["qualifying_project_count"], b2b.values["projects_form_only"])
    assert (b2b.status.value, *counts) == ("pass", 2, 1)
    assert "须核实：项目2「北京市社会保险事业管理中心信息系统运行维护服务项目」（未附合同）。" in b2b.message
    assert after.verdict is Verdict.NEEDS_REVIEW


# --- the rules' linking data --------------------------------------------------------------------------------------


def test_the_amount_tolerance_is_the_rules():
    """¥1,505,000.00 against the form's 150万: within 0.5% of the contract's (rules.yaml), linked and agreeing; with
    no tolerance beyond the agree rule it is a contract.amount discrepancy."""
    contracts = [of_project(1, amount=1_505_000), of_project(2)]
    assert run(contracts=contracts).discrepancies == []
    strict = RULES.model_copy(update={"contract_linking": RULES.contract_linking.model_copy(
        update={"amount_tolerance": Decimal(0)})})
    pairs = [(Document(file="form.docx", sha256="0", kind=DocumentKind.APPLICATION_FORM), f.form()),
             (Document(file="合同.pdf", sha256="c", kind=DocumentKind.CONTRACT), ContractsRecord(contracts=contracts))]
    assert [d.figure for d in evaluate(pairs, YEARS, strict, D).discrepancies] == ["contract.amount.project1"]


def test_a_suffix_listed_before_a_longer_one_it_ends_is_refused():
    from pydantic import ValidationError

    from omreview.rules import ContractLinking

    data = RULES.contract_linking.model_dump() | {"company_suffixes": ["公司", "有限公司"]}
    with pytest.raises(ValidationError, match="'公司' is listed before '有限公司'"):
        ContractLinking.model_validate(data)


def test_what_the_contract_reader_saw_but_could_not_read_is_a_note():
    unread = of_project(1).model_copy(update={"notes": ["金额大写「人民币壹佰伍」无法识别：壹佰伍缺少单位"]})
    result = run(contracts=[unread, of_project(2)])
    assert result.notes == ["合同.pdf：金额大写「人民币壹佰伍」无法识别：壹佰伍缺少单位"]


def test_a_contract_amount_read_doubtfully_by_ocr_sends_b2b_to_a_reviewer():
    """The contract's figures read by OCR below the rules' floor: B2b, which rests on them, is review, saying where."""
    first = of_project(1)
    doubtful = first.amount_figures.model_copy(update={"source": first.amount_figures.source.model_copy(
        update={"confidence": Decimal("0.41")})})
    result = run(contracts=[first.model_copy(update={"amount_figures": doubtful}), of_project(2)])
    b2b = check(result, "B2b")
    assert (b2b.status.value, b2b.values["status_if_read_right"]) == ("review", "pass")
    assert "合同.pdf第1页「¥1,500,000.00」置信度0.41" in b2b.message
