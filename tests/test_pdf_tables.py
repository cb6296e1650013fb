"""Statement tables from positioned lines (``omreview.extractors.pdf.tables``), without PDFs: lines are built by hand.

The property: whatever the column positions and widths, and whichever cells of a row are empty, every
amount lands in the column printed above it.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from omreview.extractors.pdf.pages import Line
from omreview.extractors.pdf.tables import CURRENT, NOTE, PRIOR, Header, Vocabulary, label_key, read_section, split_line
from omreview.rules import default_rules

HAN, DIGIT = 10.0, 5.0  # character widths


def line(parts: list[tuple[float, str, str]], top: float, page: int = 1) -> Line:
    """A line from (x, text, align) parts: align 'l' starts at x, 'r' ends at x, 'c' is centered on x."""
    chars: list[tuple[float, str]] = []
    for x, text, align in sorted(parts, key=lambda p: p[0]):
        width = sum(HAN if ord(ch) > 0x2000 else DIGIT for ch in text)
        start = x if align == "l" else x - width if align == "r" else x - width / 2
        for ch in text:
            chars.append((start, ch))
            start += HAN if ord(ch) > 0x2000 else DIGIT
    chars.sort()
    text, boxes, prev = "", [], None
    for x, ch in chars:
        w = HAN if ord(ch) > 0x2000 else DIGIT
        if prev is not None and x - prev > 3:
            text += " "
            boxes.append(None)
        text += ch
        boxes.append((x, top, x + w, top + 10))
        prev = x + w
    return Line(page, text, tuple(boxes))


ROWS = ["货币资金", "实收资本（或股本）", "资本公积", "所有者权益合计"]


@given(
    left=st.floats(200, 300),
    width=st.floats(95, 140),
    note=st.booleans(),
    prior_first=st.booleans(),
    cells=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=len(ROWS), max_size=len(ROWS)),
    cents=st.lists(st.integers(0, 10**12), min_size=2 * len(ROWS), max_size=2 * len(ROWS)),
)
def test_amounts_land_in_the_column_above_them(left, width, note, prior_first, cells, cents):
    rules = default_rules()
    kinds = [PRIOR, CURRENT] if prior_first else [CURRENT, PRIOR]
    words = {CURRENT: "本期金额", PRIOR: "上期金额"}
    rights = {kind: left + (i + 1) * width for i, kind in enumerate(kinds)}
    head = [(60, "项目", "l")] + [(rights[k] - width / 2, words[k], "c") for k in kinds]
    if note:
        head.append((left - 25, "附注", "c"))
    lines = [line(head, 100)]
    expected = {}
    for n, (label, (has_current, has_prior)) in enumerate(zip(ROWS, cells, strict=True)):
        parts = [(60, label, "l")] + ([(left - 25, f"五、{n}", "c")] if note else [])
        for kind, present, value in ((CURRENT, has_current, cents[2 * n]), (PRIOR, has_prior, cents[2 * n + 1])):
            if present:
                amount = Decimal(value) / 100
                parts.append((rights[kind] - 2, f"{amount:,.2f}", "r"))
                expected[(label, kind)] = amount
        lines.append(line(parts, 120 + 20 * n))
    section = read_section(lines, Vocabulary(rules), rules)
    assert [c.kind for c in section.header.columns if c.kind != NOTE] == kinds
    for label, (has_current, has_prior) in zip(ROWS, cells, strict=True):
        found = section.find([label])
        present = {k for k, p in ((CURRENT, has_current), (PRIOR, has_prior)) if p}
        if not present:
            assert found is None
            continue
        assert set(found.values) == present
        for kind in present:
            assert found.values[kind].amount.value == expected[(label, kind)]


def test_label_key_drops_numbering_and_remarks():
    assert label_key("五、净利润（净亏损以“－”号填列）") == "净利润"
    assert label_key("其中：营业收入") == "营业收入"
    assert label_key("（一）持续经营净利润（净亏损以") == "持续经营净利润"
    assert label_key("实收资本（或股本）") == "实收资本(或股本)"
    assert label_key("所 有 者 权 益 合 计") == "所有者权益合计"


def test_two_year_header_without_words():
    rules = default_rules()
    lines = [line([(60, "项目", "l"), (300, "2011年度", "c"), (420, "2010年度", "c")], 100),
             line([(60, "一、营业收入", "l"), (350, "100.00", "r"), (470, "90.00", "r")], 120)]
    section = read_section(lines, Vocabulary(rules), rules)
    assert section.header.year(CURRENT) == 2011 and section.header.year(PRIOR) == 2010
    found = section.find(["营业收入"])
    assert (found.values[CURRENT].text, found.values[PRIOR].text) == ("100.00", "90.00")


def test_caption_gives_period_company_and_unit():
    rules = default_rules()
    lines = [line([(60, "编制单位：某某公司", "l"), (330, "2011年12月31日", "l"), (530, "单位：万元", "r")], 80),
             line([(60, "项目", "l"), (300, "期末余额", "c"), (420, "年初余额", "c")], 100),
             line([(60, "实收资本", "l"), (350, "5,000.00", "r")], 120)]
    section = read_section(lines, Vocabulary(rules), rules)
    assert section.year == 2011 and section.company[0] == "某某公司" and section.unit == Decimal(10000)
    assert section.find(["实收资本"]).values[CURRENT].amount.value == Decimal(50_000_000)


def test_opening_balance_dated_the_first_of_the_year_is_prior():
    """2022年12月31日 | 2022年1月1日: both 2022, the opening balance is the prior column (the 2021 closing)."""
    rules = default_rules()
    for cols in (("2022年12月31日", "2022年1月1日"), ("2022年1月1日", "2022年12月31日")):
        lines = [line([(60, "项目", "l"), (300, cols[0], "c"), (420, cols[1], "c")], 100),
                 line([(60, "实收资本（或股本）", "l"), (350, "100.00", "r"), (470, "90.00", "r")], 120)]
        section = read_section(lines, Vocabulary(rules), rules)
        current = 0 if cols[0].endswith("12月31日") else 1
        assert (section.header.year(CURRENT), section.header.year(PRIOR)) == (2022, 2021)
        found = section.find(["实收资本（或股本）"])
        assert found.values[CURRENT].text == ("100.00", "90.00")[current]


def test_a_date_range_is_one_period_not_a_header():
    vocab = Vocabulary(default_rules())
    assert not vocab.is_header_text("期间：2022年1月1日至2022年12月31日")
    assert vocab.header(line([(60, "2022年1月1日至2022年12月31日", "l")], 100)) is None
    assert vocab.is_header_text("项目 2022年12月31日 2022年1月1日")


def test_note_reference_without_a_note_column_is_neither_label_nor_amount():
    rules = default_rules()
    head = line([(60, "项目", "l"), (300, "期末余额", "c"), (420, "期初余额", "c")], 100)
    rows = [line([(60, "实收资本（或股本）", "l"), (270, "53", "r"), (350, "749,477,334.00", "r"),
                  (470, "749,477,334.00", "r")], 120),
            line([(60, "资本公积", "l"), (270, "五、54", "r"), (470, "1,000.00", "r")], 140),
            line([(60, "盈余公积", "l"), (350, "53", "r")], 160)]  # a small amount under its column stays one
    section = read_section([head, *rows], Vocabulary(rules), rules)
    paid = section.find(["实收资本（或股本）"])
    assert paid.label == "实收资本（或股本）" and paid.values[CURRENT].text == "749,477,334.00"
    reserve = section.find(["资本公积"])
    assert set(reserve.values) == {PRIOR} and reserve.label == "资本公积"
    assert section.find(["盈余公积"]).values[CURRENT].amount.value == Decimal(53)


def test_note_reference_run_into_the_amount_is_split_at_the_wider_gap():
    rules = default_rules()
    head = line([(60, "项目", "l"), (300, "期末余额", "c"), (420, "期初余额", "c")], 100)
    glued = line([(60, "实收资本（或股本）", "l"), (350, "749,477,334.00", "r"), (470, "1.00", "r")], 120)
    at = glued.text.index("749")
    boxes = list(glued.boxes)
    shift = 10 + 1.5  # "53" drawn 1.5 points left of the amount: one token for the text layer
    note = [(boxes[at][0] - shift + DIGIT * k, 120, boxes[at][0] - shift + DIGIT * (k + 1), 130) for k in range(2)]
    text = glued.text[:at] + "53" + glued.text[at:]
    glued = Line(1, text, tuple(boxes[:at] + note + boxes[at:]))
    section = read_section([head, glued], Vocabulary(rules), rules)
    found = section.find(["实收资本（或股本）"])
    assert found.values[CURRENT].text == "749,477,334.00" and found.values[CURRENT].bbox[0] == boxes[at][0]
    # digits evenly spaced are one number, however malformed: no split, no amount
    even = line([(60, "实收资本（或股本）", "l"), (350, "53749,477,334.00", "r")], 140)
    assert read_section([head, even], Vocabulary(rules), rules).find(["实收资本（或股本）"]) is None


def test_a_header_with_no_usable_column_splits_no_row_and_never_crashes():
    """Header texts drawn over each other (a heading wider than its cell) can leave a header with no
    column: the rows are then not split, rather than the document failing (IndexError in split_line)."""
    rules = default_rules()
    head = line([(60, "项目", "l"), (300, "本期金额收入（万元）", "c")], 100)
    row = line([(60, "运维服务", "l"), (330, "1,000.00", "r")], 120)
    for panes in ((), ((),)):
        items = split_line(row, Header(head, panes), None, Vocabulary(rules), rules)
        assert len(items) == len(panes) and not any(item.label or item.values for item in items)
