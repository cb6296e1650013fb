"""Contracts (合同复印件) read into a ``ContractsRecord``: each contract of the file with its parties, amount in
figures and in words, signing date, service period, subject, nature and number, every value with its source.

``classify`` has told the file is a contract from its title and markers; this reads it, and never judges what it
reads (figures and words that disagree are both kept; a 乙方 that is not the applicant is what it is).

1. The lines: a PDF's positioned lines from its layer, top to bottom (a text layer through the rules' position
   engine; scanned pages through the layer's own ``OcrPages``, which the classifier used too, so no page is
   OCR'd twice); a .docx's paragraphs and table rows in body order (``office.docx_grid``; a row's cells joined,
   each span traced back to its cell). Every value's ``Source`` is the span of its line it was read from: page
   and bbox (mapped back to the PDF page from an OCR'd page, with its lowest character confidence), or a .docx
   table's cell.
2. A bundle is split at page boundaries: a page starts a new contract when its top lines hold a contract title
   and the contract so far was signed or had another title, when it shows another 合同编号, or when a client's
   preamble line (甲方：…) follows the contract's signature block.
3. Each contract is read by the words of ``labels.contract_fields``: a party from the first line that starts
   with a role word (甲方（委托方）：…); the amount after a total's label (合同总价为人民币…) on its line or the
   next ``lookahead_lines`` (a figure needs a currency word or a unit; words are read by
   ``omreview.amounts.parse_capital``); the signing date after 签订日期, else the first date at or after the
   signature block; the period as a range of dates (自2010年8月1日起至2011年7月31日止, 2010.8.1-2011.7.31) or a
   duration from a start date (为期12个月 / 服务期一年, 自2010年8月1日起); the subject after 项目名称 …, else
   the title; the nature from the title's words, else the subject's, else the service content's.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import docx

from omreview.amounts import parse_amount, parse_capital
from omreview.errors import AmountError, DocumentError
from omreview.extractors.classify import Classified, Classifier
from omreview.extractors.office.docx_grid import Grid, GridCell, read_document
from omreview.extractors.pdf.layer import TextLayer
from omreview.extractors.pdf.pages import Line
from omreview.extractors.values import cn_number, read_date
from omreview.model import DocumentKind, Source
from omreview.packet import PacketFile
from omreview.records import ContractParty, ContractRecord, ContractsRecord, DateValue, Money, Text
from omreview.rules import ContractFieldLabels, Rules
from omreview.text import norm

__all__ = ["Piece", "Words", "read_docx", "read_pdf", "read_pieces", "split"]

SourceOf = Callable[[int, int], Source]

_DATE = (r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
         r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
         r"|(?<![\d.])(?:19|20)\d{2}\s*[.\-/]\s*\d{1,2}\s*[.\-/]\s*\d{1,2}(?![\d.])")
_DATE_RE = re.compile(_DATE)
_RANGE = re.compile(rf"(?P<a>{_DATE})\s*(?:起)?\s*(?:至|到|[-—–~～－]{{1,2}})\s*(?P<b>{_DATE})")
_START = re.compile(rf"(?P<d>{_DATE})\s*(?:起|开始)")
_DURATION = re.compile(r"(?:为期|服务期限?|合同期限?|期限)\s*(?:为|是)?\s*[:：]?\s*"
                       r"(?P<n>\d{1,3}|[一二三四五六七八九十两]{1,3})\s*(?P<unit>个自然月|个月|周年|年)")
_FIGURE = re.compile(r"(?P<cur>人民币|RMB|CNY|[¥￥])?\s*(?<![\d.,])"
                     r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)\s*(?P<unit>万元|元|万)?(?![\d%％.,])")
_WORD_CHARS = "零〇壹贰貳叁參叄肆伍陆陸柒捌玖拾佰仟万萬亿億元圆圓角分整正"
_WORDS = re.compile(rf"(?:人民币|RMB)?\s*(?:[(（]?\s*大写\s*[)）]?\s*[:：]?\s*)?(?:人民币)?\s*"
                    rf"(?P<w>[{_WORD_CHARS}]{{2,}})")
_CAPITAL_DIGIT = set("壹贰貳叁參叄肆伍陆陸柒捌玖拾")
_NUMBER_VALUE = re.compile(r"\s*[:：]?\s*(?P<v>[^\s:：，。；;,、]{2,40})")
_NUMBERING = r"(?:[(（]?[一二三四五六七八九十\d]{1,2}[)）、.．]\s*)?"
_TRAILING = "。，,；;：:、 "


@dataclass(frozen=True)
class Piece:
    """One line of a contract: its page (``None`` in a .docx), text, and the source of any span of it."""

    page: int | None
    text: str
    source: SourceOf

    def whole(self) -> Source:
        return self.source(0, len(self.text))


def _fold(text: str) -> str:
    """NFKC character by character where it keeps the length (full-width forms, ￥), so spans stay put."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _spaced(word: str) -> str:
    """A word as a pattern that lets spaces stand between its characters (甲 方, OCR's gaps)."""
    return r"\s*".join(re.escape(ch) for ch in _fold(word) if not ch.isspace())


def _alternation(words: Iterable[str]) -> str:
    return "|".join(_spaced(w) for w in sorted(set(words), key=len, reverse=True) if w.strip())


class Words:
    """The rules' words (``labels.contract_fields``) as patterns, compiled once per read."""

    def __init__(self, rules: Rules) -> None:
        cfg = self.cfg = rules.labels.contract_fields
        self.rules = rules
        roles = _alternation([*cfg.client_roles, *cfg.provider_roles])
        self.clients = {norm(w) for w in cfg.client_roles}
        self.party = re.compile(rf"^\s*{_NUMBERING}(?P<role>{roles})(?P<alt>\s*[(（][^()（）]{{1,12}}[)）])?"
                                rf"\s*(?:[:：]\s*|\s+)(?P<name>\S.*)?$")
        self.role_anywhere = re.compile(roles)
        self.number = re.compile(rf"(?:{_alternation(cfg.number)})")
        self.amount = re.compile(rf"(?:{_alternation(cfg.amount)})")
        self.signed = re.compile(rf"(?:{_alternation(cfg.signed)})") if cfg.signed else None
        self.signature = re.compile(rf"(?:{_alternation(cfg.signature)})") if cfg.signature else None
        self.period = re.compile(rf"(?:{_alternation(cfg.period)})") if cfg.period else None
        self.subject = re.compile(rf"^\s*{_NUMBERING}(?:{_alternation(cfg.subject)})\s*(?:[:：]\s*|\s+)(?P<v>\S.*)$") \
            if cfg.subject else None
        self.content = re.compile(rf"(?:{_alternation(cfg.content)})") if cfg.content else None
        self.noise = [re.compile(p) for p in cfg.party_noise]
        self.classifier = Classifier(rules)

    def is_title(self, text: str) -> bool:
        found = self.classifier.title(text)
        return getattr(found, "kind", None) is DocumentKind.CONTRACT

    def is_signature(self, text: str) -> bool:
        """A signature block's line: a seal's or signature's word with a role word (甲方（盖章）：)."""
        folded = _fold(text)
        return bool(self.signature and self.signature.search(folded) and self.role_anywhere.search(folded))


# --- splitting a bundle ---------------------------------------------------------------------------------------


@dataclass
class _Part:
    pages: list[int] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    title: str | None = None
    number: str | None = None
    signed: bool = False


def split(pages: dict[int, list[Piece]], words: Words) -> list[_Part]:
    """The contracts of a file, page by page (see the module's docstring, step 2)."""
    parts: list[_Part] = []
    for page in sorted(pages):
        pieces = pages[page]
        top = pieces[: words.classifier.cfg.title_lines]
        title = next((norm(p.text) for p in top if words.is_title(p.text)), None)
        number = _first_number(pieces, words)
        current = parts[-1] if parts else None
        if current is None or (pieces and _starts_new(current, pieces, title, number, words)):
            current = _Part()
            parts.append(current)
        current.pages.append(page)
        current.pieces.extend(pieces)
        current.title = current.title or title
        current.number = current.number or number
        current.signed = current.signed or any(words.is_signature(p.text) for p in pieces)
    return parts


def _starts_new(current: _Part, pieces: list[Piece], title: str | None, number: str | None, words: Words) -> bool:
    if title is not None and (current.signed or (current.title is not None and title != current.title)):
        return True
    if number is not None and current.number is not None and number != current.number:
        return True
    if current.signed:
        for piece in pieces:
            if words.is_signature(piece.text):
                return False  # the signatures come before any preamble: the same contract's last page
            party = _party_match(piece.text, words)
            if party is not None and party[0] == "client":
                return True
    return False


def _first_number(pieces: list[Piece], words: Words) -> str | None:
    for piece in pieces:
        found = _number_in(piece, words)
        if found is not None:
            return norm(found.value)
    return None


# --- reading one contract -------------------------------------------------------------------------------------


@dataclass
class _Reading:
    values: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_pieces(part: _Part, words: Words) -> ContractRecord:
    """One contract from its lines."""
    pieces = part.pieces
    out = _Reading()
    title_piece = next((p for p in pieces[: words.classifier.cfg.title_lines * 2] if words.is_title(p.text)), None)
    title = _text_of(title_piece, 0, len(title_piece.text)) if title_piece else None
    number = next((n for n in (_number_in(p, words) for p in pieces) if n is not None), None)
    client, provider = _parties(pieces, words)
    figures, amount_words = _amount(pieces, words, out.notes)
    signed = _signed(pieces, words)
    start, end, period = _period(pieces, words)
    subject = _subject(pieces, words) or title
    nature, nature_words, nature_source, also = _nature(title, subject, pieces, words)
    out.notes.extend(also)
    found: dict[str, object] = {
        "number": number, "client": client, "provider": provider, "amount_figures": figures,
        "amount_words": amount_words, "signed": signed, "start": start, "end": end, "subject": subject,
    }
    pages = [p for p in part.pages if p]
    return ContractRecord(
        first_page=min(pages) if pages else None, last_page=max(pages) if pages else None, title=title,
        period=period, nature=nature, nature_words=nature_words, nature_source=nature_source,
        missing=[name for name, value in found.items() if value is None], notes=out.notes,
        **found,  # type: ignore[arg-type]
    )


def _text_of(piece: Piece, start: int, end: int) -> Text:
    source = piece.source(start, end)
    return Text(value=piece.text[start:end].strip(), source=source)


def _number_in(piece: Piece, words: Words) -> Text | None:
    text = _fold(piece.text)
    for label in words.number.finditer(text):
        m = _NUMBER_VALUE.match(text, label.end())
        if m and re.search(r"\d", m.group("v")):
            start, end = m.span("v")
            end -= len(m.group("v")) - len(m.group("v").rstrip(_TRAILING))
            return _text_of(piece, start, end)
    return None


def _party_match(text: str, words: Words) -> tuple[Literal["client", "provider"], str, int, int] | None:
    """(side, role as printed, span of the name) of a party's line; ``None`` when it names no party."""
    folded = _fold(text)
    m = words.party.match(folded)
    if not m or not m.group("name"):
        return None
    start = m.start("name")
    name = m.group("name")
    end = start + len(name.split()[0]) if name.split() else start
    cut = words.role_anywhere.search(folded, start + 1, end)  # 甲方：某局乙方：某公司 on one line
    if cut:
        end = cut.start()
    value = folded[start:end]
    for pattern in words.noise:
        trimmed = pattern.sub("", value)
        if trimmed != value:
            end = start + len(trimmed.rstrip()) if value.startswith(trimmed) else end
            value = trimmed
    value = value.rstrip(_TRAILING)
    end = start + len(value)
    if not _is_name(value, words.cfg):
        return None
    role = norm(m.group("role"))
    side: Literal["client", "provider"] = "client" if role in words.clients else "provider"
    label = norm(m.group("role") + (m.group("alt") or ""))
    return side, label, start, end


def _is_name(value: str, cfg: ContractFieldLabels) -> bool:
    squeezed = norm(value)
    if not 2 <= len(squeezed) <= cfg.party_name_max_chars:
        return False
    if not re.search(r"[\u4e00-\u9fff]", squeezed) or _DATE_RE.search(squeezed):
        return False
    return not re.fullmatch(r"[(（]?(?:盖章|签章|签字|公章|章)[)）]?", squeezed)


def _parties(pieces: list[Piece], words: Words) -> tuple[ContractParty | None, ContractParty | None]:
    found: dict[str, ContractParty] = {}
    for piece in pieces:
        m = _party_match(piece.text, words)
        if m is None or m[0] in found:
            continue
        side, label, start, end = m
        name = _text_of(piece, start, end)
        found[side] = ContractParty(role=side, label=label, name=name, normalised=norm(name.value))
        if len(found) == 2:
            break
    return found.get("client"), found.get("provider")


def _windows(pieces: list[Piece], label: re.Pattern[str] | None, lookahead: int) -> Iterator[list[tuple[Piece, int]]]:
    """For each line holding ``label``: that line from the label's end, and the next ``lookahead`` lines whole."""
    if label is None:
        return
    for index, piece in enumerate(pieces):
        m = label.search(_fold(piece.text))
        if m:
            yield [(piece, m.end())] + [(p, 0) for p in pieces[index + 1: index + 1 + lookahead]]


def _amount(pieces: list[Piece], words: Words, notes: list[str]) -> tuple[Money | None, Money | None]:
    """The total in figures and in words, from the first amount label's window that holds either."""
    figures: Money | None = None
    in_words: Money | None = None
    for window in _windows(pieces, words.amount, words.cfg.lookahead_lines):
        for piece, offset in window:
            text = _fold(piece.text)
            if in_words is None:
                in_words = _words_in(piece, text, offset, notes)
            if figures is None:
                figures = _figure_in(piece, text, offset, words.rules)
        if figures is not None or in_words is not None:
            break
    if in_words is None:  # the words alone, wherever they stand (大写：人民币壹佰玖拾万元整)
        for piece in pieces:
            in_words = _words_in(piece, _fold(piece.text), 0, notes)
            if in_words is not None:
                break
    return figures, in_words


def _words_in(piece: Piece, text: str, offset: int, notes: list[str]) -> Money | None:
    for m in _WORDS.finditer(text, offset):
        written = m.group("w")
        if not (_CAPITAL_DIGIT & set(written)) or not set("元圆圓角分") & set(written):
            continue
        try:
            amount = parse_capital(written)
        except AmountError as exc:
            note = f"the amount in words {written} was not read: {exc}"
            if note not in notes:
                notes.append(note)
            continue
        start = m.start("w")
        before = text[:start].rstrip()
        if before.endswith("人民币"):  # the source is the words with their currency, not a label before them
            start = len(before) - len("人民币")
        return Money.of(amount, piece.source(start, m.end()))
    return None


def _figure_in(piece: Piece, text: str, offset: int, rules: Rules) -> Money | None:
    for m in _FIGURE.finditer(text, offset):
        if not (m.group("cur") or m.group("unit")):
            continue
        start = m.start("cur") if m.group("cur") else m.start("num")
        written = "".join(text[start: m.end()].split())
        try:
            amount = parse_amount(written, rules=rules)
        except AmountError:
            continue
        if amount.value <= 0:
            continue
        return Money.of(amount, piece.source(start, m.end()))
    return None


def _date_in(piece: Piece, text: str, offset: int = 0) -> DateValue | None:
    m = _DATE_RE.search(text, offset)
    return _date_value(piece, m.start(), m.end(), text) if m else None


def _date_value(piece: Piece, start: int, end: int, text: str, *, last: bool = False) -> DateValue | None:
    reading = read_date("".join(text[start:end].split()), end_of_month=last)
    if reading is None:
        return None
    return DateValue(value=reading.value, precision=reading.precision, source=piece.source(start, end))


def _signed(pieces: list[Piece], words: Words) -> DateValue | None:
    """签订日期, else the first date at or after the first line of the signature block."""
    for window in _windows(pieces, words.signed, words.cfg.lookahead_lines):
        for piece, offset in window:
            found = _date_in(piece, _fold(piece.text), offset)
            if found is not None:
                return found
    block = next((i for i, p in enumerate(pieces) if words.is_signature(p.text)), None)
    if block is None:
        return None
    for piece in pieces[block:]:
        found = _date_in(piece, _fold(piece.text))
        if found is not None:
            return found
    return None


def _period(pieces: list[Piece], words: Words) -> tuple[DateValue | None, DateValue | None, Text | None]:
    """(start, end, the period as written): a range of dates, else a duration from a start date."""
    labelled = [w for w in _windows(pieces, words.period, words.cfg.lookahead_lines)]
    everywhere = [[(p, 0)] for p in pieces]
    for windows in (labelled, everywhere):
        for window in windows:
            for piece, offset in window:
                text = _fold(piece.text)
                m = _RANGE.search(text, offset)
                if m:
                    start = _date_value(piece, m.start("a"), m.end("a"), text)
                    end = _date_value(piece, m.start("b"), m.end("b"), text, last=True)
                    return start, end, _text_of(piece, m.start(), m.end())
    for window in labelled + everywhere:
        found = _duration(window)
        if found is not None:
            return found
    return None, None, None


def _duration(window: list[tuple[Piece, int]]) -> tuple[DateValue | None, DateValue | None, Text | None] | None:
    """为期12个月 / 服务期一年 with a start date (自2010年8月1日起) in the same window."""
    for piece, offset in window:
        text = _fold(piece.text)
        m = _DURATION.search(text, offset)
        if not m:
            continue
        months = _months(m.group("n"), m.group("unit"))
        if months is None:
            continue
        for other, other_offset in window:
            other_text = _fold(other.text)
            s = _START.search(other_text, other_offset if other is not piece else 0)
            if s is None:
                continue
            start = _date_value(other, s.start("d"), s.end("d"), other_text)
            if start is None:
                continue
            last = _add_months(start.value, months) - dt.timedelta(days=1)
            end = DateValue(value=last, source=piece.source(m.start(), m.end()))
            return start, end, _text_of(piece, m.start(), m.end())
    return None


def _months(number: str, unit: str) -> int | None:
    n = int(number) if number.isdigit() else cn_number(number.replace("两", "二"))
    if not n:
        return None
    return n if "月" in unit else n * 12


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 exists in every month


def _subject(pieces: list[Piece], words: Words) -> Text | None:
    if words.subject is None:
        return None
    for piece in pieces:
        m = words.subject.match(_fold(piece.text))
        if m:
            value = m.group("v").rstrip(_TRAILING)
            if len(norm(value)) >= 2:
                return _text_of(piece, m.start("v"), m.start("v") + len(value))
    return None


Nature = Literal["om", "equipment", "software_development", "other"]


def _nature(title: Text | None, subject: Text | None, pieces: list[Piece], words: Words
            ) -> tuple[Nature, list[str], Source | None, list[str]]:
    """The nature by the first text that holds a nature's words: the title, the subject, the service content."""
    texts: list[tuple[str, Source]] = [(t.value, t.source) for t in (title, subject) if t is not None]
    for window in _windows(pieces, words.content, words.cfg.lookahead_lines):
        texts += [(piece.text[offset:], piece.whole()) for piece, offset in window]
    for text, source in texts:
        squeezed = norm(text)
        named = {nature: [w for w in found if norm(w) in squeezed] for nature, found in words.cfg.nature.items()}
        named = {nature: found for nature, found in named.items() if found}
        if not named:
            continue
        nature = next(iter(named))
        also = [f"the line that says the nature ({source.text}) also names {other}: {'、'.join(found)}"
                for other, found in named.items() if other != nature]
        return nature, named[nature], source, also
    return "other", [], None, []


# --- the record of a file -------------------------------------------------------------------------------------


def _record(parts: list[_Part], words: Words, warnings: list[str]) -> ContractsRecord:
    contracts = [read_pieces(part, words) for part in parts if part.pieces]
    floor = words.rules.labels.statement_pdf.ocr.min_confidence
    doubtful: list[str] = []
    checked: list[ContractRecord] = []
    for index, contract in enumerate(contracts):
        low = [name for name, source in _sources(contract) if source.confidence is not None
               and source.confidence < floor]
        doubtful += [f"contracts.{index}.{name}" for name in low]
        checked.append(contract.model_copy(update={"low_confidence": low}) if low else contract)
    return ContractsRecord(contracts=checked, low_confidence=doubtful, warnings=warnings)


def _sources(contract: ContractRecord) -> Iterator[tuple[str, Source]]:
    for name in ("title", "number", "amount_figures", "amount_words", "signed", "start", "end", "period", "subject"):
        value = getattr(contract, name)
        if value is not None:
            yield name, value.source
    for name in ("client", "provider"):
        party = getattr(contract, name)
        if party is not None:
            yield name, party.name.source


def read_pdf(pf: PacketFile, rules: Rules, found: Classified, layer: TextLayer, pages: int) -> ContractsRecord:
    """The contracts of a PDF told a contract (``found``), from the layer the statement reader has read."""
    cfg = rules.labels.contract_fields
    wanted = list(range(1, min(pages, cfg.max_pages) + 1))
    warnings = list(layer.warnings)
    if pages > cfg.max_pages:
        warnings.append(f"pages {cfg.max_pages + 1}-{pages} were not read for contracts (more than "
                        f"labels.contract_fields.max_pages)")
    lines = layer.lines(wanted)  # scanned pages: the OcrPages the classifier used (classify_pdf), read once
    by_page = {number: [_pdf_piece(pf, layer, line) for line in _ordered(lines.get(number, []))]
               for number in wanted}
    words = Words(rules)
    return _record(split(by_page, words), words, warnings)


def _ordered(lines: list[Line]) -> list[Line]:
    return sorted((line for line in lines if any(line.boxes)), key=lambda line: line.top)


def _pdf_piece(pf: PacketFile, layer: TextLayer, line: Line) -> Piece:
    def source(start: int, end: int) -> Source:
        while start < end and line.text[start].isspace():
            start += 1
        bbox = line.span_bbox(start, end)
        confidence: Decimal | None = layer.confidence(line.page, bbox) if bbox else None
        box = None
        if bbox:
            x0, top, x1, bottom = layer.page_box(line.page, bbox)
            box = round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)
        return Source(file=pf.rel, sha256=pf.sha256, page=line.page, bbox=box, text=line.text[start:end].strip(),
                      confidence=confidence)

    return Piece(line.page, line.text, source)


# --- .docx ------------------------------------------------------------------------------------------------------


def read_docx(pf: PacketFile, rules: Rules, found: Classified | None = None) -> ContractsRecord:
    """The contract of a .docx told a contract: its paragraphs and table rows in body order, one contract."""
    try:
        document = docx.Document(str(pf.path))
    except Exception as exc:  # the classifier opened it; a failure now is the file's
        raise DocumentError(f"the .docx cannot be opened: {exc}") from exc
    grids, paragraphs = read_document(document)
    pieces: list[Piece] = []
    tops = [g for g in grids if g.parent is None]
    at = 0
    for index, text in enumerate(paragraphs):
        while at < len(tops) and tops[at].preceding <= index:
            pieces += _grid_pieces(pf, tops[at])
            at += 1
        pieces.append(Piece(None, text, _paragraph_source(pf, text)))
    for grid in tops[at:]:
        pieces += _grid_pieces(pf, grid)
    words = Words(rules)
    return _record([_Part(pages=[], pieces=pieces)], words, [])


def _paragraph_source(pf: PacketFile, text: str) -> SourceOf:
    def source(start: int, end: int) -> Source:
        return Source(file=pf.rel, sha256=pf.sha256, text=text[start:end].strip())

    return source


def _grid_pieces(pf: PacketFile, grid: Grid) -> list[Piece]:
    pieces = []
    for r in range(len(grid.rows)):
        cells = [c for c in grid.distinct(r) if c.text.strip()]
        if not cells:
            continue
        text, spans = "", []
        for cell in cells:
            if text:
                text += "  "
            spans.append((len(text), len(text) + len(cell.text), grid.origin(cell)))
            text += cell.text
        pieces.append(Piece(None, text, _cell_source(pf, grid, spans, text)))
    return pieces


def _cell_source(pf: PacketFile, grid: Grid, spans: list[tuple[int, int, GridCell]], text: str) -> SourceOf:
    def source(start: int, end: int) -> Source:
        for first, last, cell in spans:
            if first <= start < last or (start < first < end):
                return Source(file=pf.rel, sha256=pf.sha256, table=grid.index, cell=cell.address,
                              text=text[start:end].strip())
        return Source(file=pf.rel, sha256=pf.sha256, table=grid.index, text=text[start:end].strip())

    return source

