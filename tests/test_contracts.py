"""Contracts read into records (#18 point 1): each field of each generated contract is read as its parameters say,
in every layout (parties in lines or a header table, the amount in prose or a table, figures as ¥, 万元 or
人民币…万元, the period as a range, dotted, or a duration from a start date, the signing date labelled or under
the signatures, in figures or Chinese), from a text PDF, a bundle, a scan (OCR) and a .docx; every value with its
source inside its page; figures and words both kept when they differ; the nature with the words that made it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from omreview.extractors.ocr.pages import OcrPages
from omreview.extractors.registry import read_document
from omreview.model import DocumentKind, Source
from omreview.packet import PacketFile, sha256_file
from omreview.records import ContractRecord, ContractsRecord
from omreview.rules import default_rules
from samplegen.contracts import Contract, contract, write_docx, write_pdf, write_scan

RULES = default_rules()
A4 = (595.28, 841.89)


def read(path: Path) -> tuple[object, ContractsRecord]:
    pf = PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=sha256_file(path))
    extraction = read_document(pf, RULES)
    assert (extraction.kind, extraction.error) == (DocumentKind.CONTRACT, None)
    assert isinstance(extraction.record, ContractsRecord)
    return extraction, extraction.record


def values(record: ContractRecord) -> dict[str, object]:
    """What a reviewer would read of a contract, as plain values."""
    return {
        "number": record.number and record.number.value,
        "client": record.client and record.client.name.value,
        "provider": record.provider and record.provider.name.value,
        "amount_figures": record.amount_figures and record.amount_figures.value,
        "amount_words": record.amount_words and record.amount_words.value,
        "signed": record.signed and record.signed.value,
        "start": record.start and record.start.value,
        "end": record.end and record.end.value,
        "subject": record.subject and record.subject.value,
        "nature": record.nature,
    }


def truth(c: Contract) -> dict[str, object]:
    return {"number": c.number, "client": c.client, "provider": c.provider, "amount_figures": c.amount,
            "amount_words": c.words, "signed": c.signed, "start": c.start, "end": c.end, "subject": c.subject,
            "nature": c.nature}


def sources(record: ContractRecord) -> dict[str, Source]:
    out = {name: getattr(record, name).source for name in ("number", "amount_figures", "amount_words", "signed",
                                                           "start", "end", "subject", "title")}
    out |= {"client": record.client.name.source, "provider": record.provider.name.source}
    return out


def assert_inside_pages(record: ContractRecord, pages: range) -> None:
    """Every value's source names its page within the contract's pages and a box inside that page."""
    for name, source in sources(record).items():
        assert source.page in pages, name
        x0, top, x1, bottom = source.bbox
        assert 0 <= x0 < x1 <= A4[0] and 0 <= top < bottom <= A4[1], (name, source.bbox)
        assert source.text, name


# --- text PDFs --------------------------------------------------------------------------------------------------

SEEDS = list(range(16))


@pytest.mark.parametrize("seed", SEEDS)
def test_every_field_of_a_generated_contract_is_read(tmp_path, seed):
    c = contract(seed)
    extraction, record = read(write_pdf(tmp_path / "合同.pdf", [c]))
    assert len(record.contracts) == 1 and extraction.ocr is False
    read_one = record.contracts[0]
    assert values(read_one) == truth(c)
    assert (read_one.first_page, read_one.last_page) == (1, 2)
    assert read_one.missing == [] and record.warnings == []
    mixed = c.nature == "om" and "设备" in c.title  # 网络及安全设备维保服务合同: O&M of equipment
    noted = f"the line that says the nature ({c.title}) also names equipment: 设备"
    assert read_one.notes == ([noted] if mixed else [])
    assert_inside_pages(read_one, range(1, 3))
    assert read_one.amount_figures.source.confidence is None  # a text layer: no OCR confidence


LAYOUTS = [("parties", "lines"), ("parties", "table"), ("amount_layout", "prose"), ("amount_layout", "table"),
           ("figures", "yuan"), ("figures", "wan"), ("figures", "rmb_wan"), ("period", "range"), ("period", "dots"),
           ("period", "year"), ("period", "months"), ("signed_style", "labelled"), ("signed_style", "under"),
           ("signed_style", "chinese"), ("subject_line", True), ("subject_line", False), ("nature", "equipment")]


@pytest.mark.parametrize(("axis", "choice"), LAYOUTS, ids=[f"{a}={c}" for a, c in LAYOUTS])
def test_each_layout_is_read(tmp_path, axis, choice):
    changes: dict[str, object] = {axis: choice}
    if axis == "period" and choice == "year":
        changes["months"] = 12
    if axis == "nature":
        changes["title"] = "服务器及存储设备采购合同"
    c = contract(3, **changes)
    _, record = read(write_pdf(tmp_path / "c.pdf", [c]))
    assert values(record.contracts[0]) == truth(c)


def test_the_figures_in_each_writing_keep_their_precision(tmp_path):
    """¥1,900,000.00 to the fen, 190万元 to the 万, 人民币190.00万元 to the hundred; the words to the yuan."""
    got = {}
    for figures in ("yuan", "wan", "rmb_wan"):
        c = contract(5, figures=figures, amount=Decimal(1_900_000), amount_layout="prose")
        _, record = read(write_pdf(tmp_path / f"{figures}.pdf", [c]))
        money = record.contracts[0].amount_figures
        got[figures] = (money.value, money.precision, money.source.text)
        assert record.contracts[0].amount_words.precision == 1
        assert record.contracts[0].amount_words.source.text == "人民币壹佰玖拾万元整"
    assert got == {"yuan": (Decimal("1900000.00"), Decimal("0.01"), "¥1,900,000.00"),
                   "wan": (Decimal(1900000), Decimal(10000), "190万元"),
                   "rmb_wan": (Decimal("1900000.00"), Decimal(100), "人民币190.00万元")}


def test_padded_figures_and_words_are_both_kept_as_read(tmp_path):
    """The words say 190万, the figures 290万: both are in the record, each with its own source; the reader
    neither picks one nor notes a disagreement (the linking work judges)."""
    c = contract(7, amount=Decimal(2_900_000), words_amount=Decimal(1_900_000), amount_layout="table")
    _, record = read(write_pdf(tmp_path / "c.pdf", [c]))
    read_one = record.contracts[0]
    assert (read_one.amount_figures.value, read_one.amount_words.value) == (Decimal(2_900_000), Decimal(1_900_000))
    assert read_one.amount_figures.source.bbox != read_one.amount_words.source.bbox
    assert read_one.notes == [] and read_one.missing == []


def test_nature_says_om_or_equipment_with_the_words_that_made_it(tmp_path):
    om = contract(2, nature="om", title="数据中心运维技术服务合同书")
    supply = contract(2, nature="equipment", title="服务器及存储设备采购合同")
    _, first = read(write_pdf(tmp_path / "om.pdf", [om]))
    _, second = read(write_pdf(tmp_path / "supply.pdf", [supply]))
    a, b = first.contracts[0], second.contracts[0]
    assert (a.nature, a.nature_words, a.nature_source.text) == ("om", ["运维"], "数据中心运维技术服务合同书")
    assert (b.nature, b.nature_words, b.nature_source.text) == ("equipment", ["设备采购", "设备"],
                                                                "服务器及存储设备采购合同")


def test_a_title_without_the_natures_words_is_decided_by_the_service_content(tmp_path):
    c = contract(4, nature="equipment", title="某某项目合同", subject_line=False)
    _, record = read(write_pdf(tmp_path / "c.pdf", [c]))
    read_one = record.contracts[0]
    assert read_one.nature == "equipment" and read_one.nature_words == ["货物"]
    assert "供应服务器" in read_one.nature_source.text


def test_malformed_words_are_noted_and_not_guessed(tmp_path, monkeypatch):
    import samplegen.contracts as gen

    monkeypatch.setattr(gen, "upper_cn", lambda value: "人民币壹佰伍元整")  # 壹佰伍: 150 or 105?
    c = contract(1, amount_layout="prose")
    _, record = read(write_pdf(tmp_path / "c.pdf", [c]))
    read_one = record.contracts[0]
    assert read_one.amount_words is None and "amount_words" in read_one.missing
    assert read_one.amount_figures.value == c.amount
    assert read_one.notes == ["the amount in words 壹佰伍元整 was not read: not an amount in words: '壹佰伍元整' "
                              "(a digit whose unit is left out)"]


# --- bundles ----------------------------------------------------------------------------------------------------


def test_a_bundle_is_split_into_its_contracts_with_their_pages(tmp_path):
    bundle = [contract(10), contract(11, nature="equipment", title="网络设备供货合同"), contract(12)]
    _, record = read(write_pdf(tmp_path / "合同汇编.pdf", bundle))
    assert [(r.first_page, r.last_page) for r in record.contracts] == [(1, 2), (3, 4), (5, 6)]
    for read_one, c, first in zip(record.contracts, bundle, (1, 3, 5), strict=True):
        assert values(read_one) == truth(c)
        assert_inside_pages(read_one, range(first, first + 2))


def test_a_renewal_under_the_same_title_is_a_contract_of_its_own(tmp_path):
    """Same title, same parties, a new number and period: split where the next title page follows a signed one."""
    first = contract(20, title="数据中心运维技术服务合同书", nature="om")
    renewal = contract(20, title="数据中心运维技术服务合同书", nature="om", number="BJYW-2011-002",
                       start=first.end + dt.timedelta(days=1), signed=first.end - dt.timedelta(days=10))
    _, record = read(write_pdf(tmp_path / "c.pdf", [first, renewal]))
    assert [values(r) for r in record.contracts] == [truth(first), truth(renewal)]


def test_one_contract_over_several_pages_is_not_split(tmp_path):
    _, record = read(write_pdf(tmp_path / "c.pdf", [contract(30)]))
    assert len(record.contracts) == 1


# --- .docx ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_a_docx_contract_is_read(tmp_path, seed):
    c = contract(seed)
    _, record = read(write_docx(tmp_path / "合同.docx", c))
    assert len(record.contracts) == 1
    read_one = record.contracts[0]
    assert values(read_one) == truth(c)
    assert (read_one.first_page, read_one.last_page) == (None, None)
    assert read_one.client.name.source.file == "合同.docx"


def test_a_docx_table_value_names_its_cell(tmp_path):
    c = contract(0, parties="table", amount_layout="table")
    _, record = read(write_docx(tmp_path / "c.docx", c))
    read_one = record.contracts[0]
    client, words = read_one.client.name.source, read_one.amount_words.source
    assert (client.table, client.cell, client.text) == (0, "B1", c.client)
    assert (words.table, words.cell) == (1, "B2")


# --- scanned (OCR) ----------------------------------------------------------------------------------------------


def test_a_scanned_contract_is_read_by_ocr_each_page_once(tmp_path, cjk_font, monkeypatch):
    """An image-only scan: every field as on the text PDF, each value with the OCR confidence of its characters
    and a box inside its page; no page is read in full twice (the classifier's OCR is the reader's)."""
    reads: Counter[int] = Counter()
    original = OcrPages._read_page

    def counted(self, pdf, page):
        reads[page.number] += 1
        return original(self, pdf, page)

    monkeypatch.setattr(OcrPages, "_read_page", counted)
    c = contract(8, parties="lines", amount_layout="prose", figures="yuan", period="range", signed_style="labelled")
    extraction, record = read(write_scan(tmp_path / "scan.pdf", [c], seed="contract-scan"))
    assert extraction.ocr is True and len(record.contracts) == 1
    read_one = record.contracts[0]
    assert values(read_one) == truth(c)
    assert set(reads.values()) == {1}
    for name, source in sources(read_one).items():
        assert source.confidence is not None and Decimal(0) < source.confidence <= 1, name
    assert_inside_pages(read_one, range(1, 3))


def test_a_scanned_bundle_is_split_and_read(tmp_path, cjk_font):
    bundle = [contract(10), contract(11)]
    extraction, record = read(write_scan(tmp_path / "scan.pdf", bundle, seed="bundle-scan"))
    assert extraction.ocr is True
    assert [(r.first_page, r.last_page) for r in record.contracts] == [(1, 2), (3, 4)]
    assert [values(r) for r in record.contracts] == [truth(c) for c in bundle]


# --- the report -------------------------------------------------------------------------------------------------


# What the contracts change in the report (linked to the form's projects): tests/test_contract_linking.py.


# --- where a bundle splits, line by line ------------------------------------------------------------------------


def _pages(*pages: list[str]) -> dict[int, list[object]]:
    from omreview.extractors.attachments.contracts import Piece

    def source(number: int, text: str):
        return lambda start, end: Source(file="x.pdf", page=number, text=text[start:end])

    return {n: [Piece(n, t, source(n, t)) for t in lines] for n, lines in enumerate(pages, start=1)}


def _split(pages: dict[int, list[object]]) -> list[list[int]]:
    from omreview.extractors.attachments.contracts import Words, split

    return [part.pages for part in split(pages, Words(RULES))]


PREAMBLE = ["合同编号：YW-2010-001", "运维服务合同", "甲方：北京市某某局", "乙方：北京某某信息技术有限公司"]
SIGNED = ["甲方（盖章）：    乙方（盖章）：", "2010年1月5日"]


def test_a_new_number_on_a_page_without_a_title_starts_a_contract():
    pages = _pages(PREAMBLE, ["第五条 争议解决"], ["合同编号：YW-2010-002", "甲方：天津市某某委员会"], ["第三条"])
    assert _split(pages) == [[1, 2], [3, 4]]


def test_a_client_preamble_after_the_signatures_starts_a_contract():
    pages = _pages(PREAMBLE, SIGNED, ["甲方：天津市某某委员会", "乙方：北京某某信息技术有限公司"], SIGNED)
    assert _split(pages) == [[1, 2], [3, 4]]


def test_a_title_repeated_on_every_page_of_an_unsigned_contract_does_not_split_it():
    pages = _pages(PREAMBLE, ["运维服务合同", "第三条 合同金额"], ["运维服务合同", *SIGNED])
    assert _split(pages) == [[1, 2, 3]]


def test_the_signature_page_of_a_contract_is_not_a_new_one():
    """The page after the signatures that holds the parties' seals again (甲方（盖章）) stays with its contract."""
    pages = _pages(PREAMBLE, SIGNED, ["附件：", *SIGNED])
    assert _split(pages) == [[1, 2, 3]]
