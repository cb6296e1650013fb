"""Certificates and the business licence read into typed records: 软件著作权登记证书, ITSS 符合性证书,
计算机信息系统集成企业资质证书 (``CertificateRecord``) and 营业执照 (``LicenseRecord``).

``classify`` has told the kind (and a certificate's type) from the title; this reads the fields, never judges them.
A certificate is a set of ``label: value`` pairs, in one column or two, its labels often letter-spaced (登 记 号),
each value on its label's line (after a colon or a gap) or on the line below, in the label's column. So:

1. the lines of the page that holds the title: a PDF's text layer (positioned lines), or, on a scanned page, the
   OCR lines of the classifier's own ``OcrPages`` (the page is read in full once; nothing is OCR'd twice); in a
   .docx, the tables' cells (a label's value is the next cell of its row, or the cell below) and the paragraphs;
2. on each line, the labels of ``labels.certificate_fields`` (the document's fields, matched by
   ``extractors.labels`` as the form's labels are, spaces ignored) and its ``other_labels`` (fields not read,
   where a value ends); a label starts a line or follows a gap or a colon;
3. a label's value runs to the next label on its line or to a column gap (``column_gap`` character heights);
   a label with nothing after it takes the text under it, in its column (from its left edge to the next label's),
   on the next line within ``below_lines`` line heights;
4. lines without a label give what certificates print without one: the date at the bottom (a copyright's 登记日期,
   a certificate's 发证日期 when not labelled) and a holder's name (``holder_suffixes``: …有限公司).

Every value carries its ``Source`` (file, page, bbox mapped back to the PDF page, OCR confidence) as a statement's
do; a value OCR read below ``ocr.min_confidence`` is listed in ``low_confidence``. What is not found stays ``None``
with a warning; a 统一社会信用代码 or 注册号 whose check character is wrong is kept as written and flagged
(``identifier_problems``). The 法定代表人 is a person's name: no warning or log line holds it unmasked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import docx

from omreview.errors import DocumentError
from omreview.extractors.classify import Classified
from omreview.extractors.labels import match_label
from omreview.extractors.ocr.pages import OcrPages
from omreview.extractors.office.docx_grid import Grid, GridCell, read_document
from omreview.extractors.pdf.layer import OcrLayer, TextLayer
from omreview.extractors.pdf.pages import BBox, Line
from omreview.extractors.values import parse_period, read_date, try_amount
from omreview.identifiers import CompanyIdKind, company_ids, mask_name
from omreview.model import CertificateType, DocumentKind, Source
from omreview.packet import PacketFile
from omreview.records import (
    CertificateLevel,
    DateValue,
    DocumentRecord,
    ItssCertificate,
    LicenseRecord,
    Money,
    SiQualificationCertificate,
    SoftwareCopyrightCertificate,
    Text,
)
from omreview.rules import CertificateFieldLabels, Rules
from omreview.text import norm

__all__ = ["READ_TYPES", "group_of", "read_docx", "read_lines", "read_pdf"]

_MAX_LABEL = 16  # characters of a label, spaces left out
_MIN_SHORTENED = 4  # a label OCR read with a character missing is recognised when it has this many or more
_COLON = ":："
_BREAKS = _COLON + ";；，,|｜"  # after one of these a label may start
_PERIOD = re.compile(r"\s*(?:至|到|～|~|—|－)\s*")
_NOT_A_VALUE = re.compile(r"^[\s|｜:：_＿.…·/、，,;；\-—]*$")  # a blank, a rule, a lone mark
_DATE_LINE_CHARS = 16  # a line that is a date alone (二〇一〇年三月十五日) is no longer than this, spaces left out

# the certificate types read into records (the others, patents and ISO certificates, are only told)
READ_TYPES = (CertificateType.SOFTWARE_COPYRIGHT, CertificateType.ITSS, CertificateType.SI_QUALIFICATION)


def group_of(found: Classified) -> str | None:
    """The ``labels.certificate_fields`` group of a classified attachment; ``None``: a kind not read here."""
    if found.kind is DocumentKind.BUSINESS_LICENSE:
        return "business_license"
    if found.kind is DocumentKind.CERTIFICATE and found.certificate_type in READ_TYPES:
        return str(found.certificate_type.value) if found.certificate_type else None
    return None


# --- labels and values on a line ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    """A label on a line: its field (``None``: one of ``other_labels``), where it starts and where what follows
    it starts (after its colon), and the money unit it states (注册资本（万元）)."""

    field: str | None
    start: int
    end: int
    after: int
    unit: Decimal | None = None


@dataclass(frozen=True)
class _Value:
    text: str
    source: Source
    unit: Decimal | None = None


class _Vocabulary:
    """One group's field labels and the labels that end a value."""

    def __init__(self, group: str, rules: Rules) -> None:
        self.cfg: CertificateFieldLabels = rules.labels.certificate_fields
        self.rules = rules
        self.fields = self.cfg.fields(group)
        self.others = {norm(w) for w in self.cfg.other_labels if norm(w)}
        # OCR loses a character of a letter-spaced label now and then (注 册 资 本 → 注 册 本): the labels of four
        # characters or more with one left out, each naming its field (one that could be two fields is left out)
        short: dict[str, set[str]] = {}
        for key, words in self.fields.items():
            for word in (norm(w) for w in words):
                for i in range(len(word) if len(word) >= _MIN_SHORTENED else 0):
                    short.setdefault(word[:i] + word[i + 1:], set()).add(key)
        exact = {norm(w) for words in self.fields.values() for w in words} | self.others
        self.shortened = {text: keys.pop() for text, keys in short.items() if len(keys) == 1 and text not in exact}

    def label(self, text: str) -> tuple[str | None, bool, Decimal | None] | None:
        """What a piece of text names as a label: (field or None for another label, exact, unit); None: no label."""
        found = match_label(text, self.fields, self.rules)
        if found.key is not None:
            return found.key, found.exact, found.unit
        return (None, True, None) if norm(text) in self.others else None

    def labels(self, text: str, ocr: bool = False) -> list[_Label]:
        """The labels on a line, left to right (see the module's docstring); on a line OCR read, a label of four
        characters or more may miss one, when a break follows it."""
        out: list[_Label] = []
        position = 0
        for start in _starts(text):
            if start < position:
                continue
            best: _Label | None = None
            for end, broken in _ends(text, start):
                if text[end - 1].isspace():
                    continue
                named = self.label(text[start:end])
                if named is None and ocr and broken and norm(text[start:end]) in self.shortened:
                    named = self.shortened[norm(text[start:end])], True, None
                if named is None:
                    continue
                key, exact, unit = named
                colon = end < len(text) and text[end] in _COLON
                if exact or colon:  # a label that only holds a term needs its colon
                    best = _Label(key, start, end, end + 1 if colon else end, unit)
            if best is not None:
                out.append(best)
                position = best.after
        return out


def _starts(text: str) -> Iterator[int]:
    for i, ch in enumerate(text):
        if not ch.isspace() and (i == 0 or text[i - 1].isspace() or text[i - 1] in _BREAKS):
            yield i


def _ends(text: str, start: int) -> Iterator[tuple[int, bool]]:
    """Where a label starting at ``start`` may end, at most ``_MAX_LABEL`` characters on, and whether a break
    follows there (a space, a colon, the line's end, or Han text meeting a number: 登记号2010SR012345). OCR
    often joins a label and its value (企业名称北京…): an exact label may end anywhere."""
    count = 0
    for i in range(start + 1, len(text) + 1):
        if not text[i - 1].isspace():
            count += 1
        if count > _MAX_LABEL:
            return
        here = text[i] if i < len(text) else " "
        yield i, here.isspace() or here in _COLON or (_latin(here) and not _latin(text[i - 1]))


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _clean(text: str) -> str:
    return " ".join(text.replace("\u3000", " ").split()).strip(" " + _BREAKS)


# --- positioned lines (a PDF's text layer, or OCR) ------------------------------------------------------------


class _PageLines:
    """The positioned lines of one page and how their boxes become sources."""

    def __init__(self, pf: PacketFile, number: int, lines: list[Line], ocr: OcrPages | None) -> None:
        self.pf, self.number, self.ocr = pf, number, ocr
        self.lines = sorted((line for line in lines if line.text.strip()), key=lambda line: line.top)

    def source(self, line: Line, start: int, end: int) -> Source:
        raw = line.span_bbox(start, end)
        box: BBox | None = None
        confidence = None
        if raw is not None:
            box = self.ocr.page_box(self.number, raw) if self.ocr else raw
            box = (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))
            confidence = self.ocr.confidence(self.number, raw) if self.ocr else None
        return Source(file=self.pf.rel, sha256=self.pf.sha256, page=self.number, bbox=box,
                      text=line.text[start:end].strip(), confidence=confidence)


def _height(line: Line) -> float:
    heights = [b[3] - b[1] for b in line.boxes if b]
    return sorted(heights)[len(heights) // 2] if heights else 10.0


def _gap_cut(line: Line, start: int, end: int, gap: float) -> int:
    """Where a value starting at ``start`` ends before a column gap (wider than ``gap`` character heights)."""
    limit = gap * _height(line)
    previous: BBox | None = None
    for i in range(start, end):
        box = line.boxes[i] if i < len(line.boxes) else None
        if box is None or line.text[i].isspace():
            continue
        if previous is not None and box[0] - previous[2] > limit:
            return i
        previous = box
    return end


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _BREAKS):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _BREAKS):
        end -= 1
    return start, end


@dataclass
class _Read:
    """What a page or a document gave: each field's first value, and the lines that hold no label."""

    values: dict[str, _Value]
    loose: list[_Value]


def read_lines(page: _PageLines, vocab: _Vocabulary) -> _Read:
    """The fields of a page's positioned lines (steps 2-4 of the module's docstring)."""
    values: dict[str, _Value] = {}
    used: set[int] = set()
    found = [vocab.labels(line.text, ocr=page.ocr is not None) for line in page.lines]
    for index, (line, labels) in enumerate(zip(page.lines, found, strict=True)):
        if labels:
            used.add(index)
        for k, label in enumerate(labels):
            if label.field is None or label.field in values:
                continue
            stop = labels[k + 1].start if k + 1 < len(labels) else len(line.text)
            start, end = _trimmed(line.text, label.after, stop)
            end = _trimmed(line.text, start, _gap_cut(line, start, end, vocab.cfg.column_gap))[1]
            if start < end and not _NOT_A_VALUE.match(line.text[start:end]):
                values[label.field] = _Value(_clean(line.text[start:end]), page.source(line, start, end), label.unit)
                continue
            below = _below(page, index, line, label, labels[k + 1] if k + 1 < len(labels) else None, found,
                           vocab.cfg.below_lines)
            if below is not None:
                at, a, b = below
                used.add(at)
                values[label.field] = _Value(_clean(page.lines[at].text[a:b]), page.source(page.lines[at], a, b),
                                             label.unit)
    loose = [_Value(_clean(line.text), page.source(line, 0, len(line.text)))
             for index, line in enumerate(page.lines) if index not in used]
    return _Read(values, loose)


def _below(page: _PageLines, index: int, line: Line, label: _Label, following: _Label | None,
           found: list[list[_Label]], lines_apart: float) -> tuple[int, int, int] | None:
    """The text under a label, in its column, on the next line (its index, start, end); ``None``: nothing there."""
    box = line.span_bbox(label.start, label.end)
    if box is None:
        return None
    height = box[3] - box[1]
    right = line.span_bbox(following.start, following.end) if following else None
    left_edge, right_edge = box[0] - height, (right[0] - height / 2) if right else float("inf")
    for at in range(index + 1, len(page.lines)):
        nxt = page.lines[at]
        if nxt.top - box[3] > lines_apart * height:
            return None
        if nxt.top <= box[1] + height / 2:
            continue  # the same row, drawn as another line
        labels = found[at]
        pieces = [(m.start(), m.end()) for m in re.finditer(r"\S+", nxt.text)
                  if not any(lb.start <= m.start() < lb.after for lb in labels)]
        inside = []
        for a, b in pieces:
            piece = nxt.span_bbox(a, b)
            if piece is not None and left_edge <= piece[0] < right_edge:
                inside.append((a, b))
        if any(left_edge <= (nxt.span_bbox(lb.start, lb.end) or (-1.0,))[0] < right_edge for lb in labels):
            return None  # a label in this column: the labels' row goes on
        if not inside:
            return None
        return at, inside[0][0], inside[-1][1]
    return None


# --- .docx -----------------------------------------------------------------------------------------------------


def _docx_read(pf: PacketFile, vocab: _Vocabulary) -> _Read:
    """The fields of a .docx: label cells and their next cell (or the cell below), ``label：value`` in a cell or a
    paragraph."""
    try:
        document = docx.Document(str(pf.path))
    except Exception as exc:  # the classifier opened it; a failure now is a damaged file
        raise DocumentError(f"the .docx cannot be read: {exc}") from exc
    grids, paragraphs = read_document(document)
    values: dict[str, _Value] = {}
    loose: list[_Value] = []
    for grid in grids:
        _grid_values(pf, grid, vocab, values)
    for text in paragraphs:
        labels = vocab.labels(text)
        if not labels:
            loose.append(_Value(_clean(text), Source(file=pf.rel, sha256=pf.sha256, text=text)))
        for k, label in enumerate(labels):
            stop = labels[k + 1].start if k + 1 < len(labels) else len(text)
            start, end = _trimmed(text, label.after, stop)
            value = re.split(r"\s{4,}", text[start:end])[0] if start < end else ""
            if label.field and label.field not in values and value and not _NOT_A_VALUE.match(value):
                values[label.field] = _Value(_clean(value), Source(file=pf.rel, sha256=pf.sha256, text=text),
                                             label.unit)
    return _Read(values, loose)


def _grid_values(pf: PacketFile, grid: Grid, vocab: _Vocabulary, values: dict[str, _Value]) -> None:
    for r in range(len(grid.rows)):
        row = grid.distinct(r)
        for i, cell in enumerate(row):
            labels = vocab.labels(cell.text)
            field = labels[0].field if labels and labels[0].start == 0 else None
            if field is None or field in values:
                continue
            label = labels[0]
            stop = labels[1].start if len(labels) > 1 else len(cell.text)
            rest = _clean(cell.text[label.after:stop])
            if rest and not _NOT_A_VALUE.match(rest):
                target, text = cell, rest
            else:
                chosen = _value_cell(grid, row, i, vocab)
                if chosen is None:
                    continue
                target, text = chosen, _clean(chosen.text)
            origin = grid.origin(target)
            values[field] = _Value(text, Source(file=pf.rel, sha256=pf.sha256, table=grid.index,
                                                      cell=origin.address, text=target.text), label.unit)


def _value_cell(grid: Grid, row: list[GridCell], i: int, vocab: _Vocabulary) -> GridCell | None:
    """A label cell's value: the next cell of its row (left empty: no value), or, when the label has no next cell
    or a label follows it (a row of labels), the cell under it."""
    nxt = row[i + 1] if i + 1 < len(row) else None
    if nxt is not None and not _is_label_cell(nxt.text, vocab):
        return nxt if _cell_value(nxt.text, vocab) else None
    below = grid.cell(grid.span(row[i]).bottom + 1, row[i].col)
    return below if below is not None and _cell_value(below.text, vocab) else None


def _is_label_cell(text: str, vocab: _Vocabulary) -> bool:
    labels = vocab.labels(_clean(text))
    return bool(labels) and labels[0].start == 0 and labels[0].after >= len(_clean(text))


def _cell_value(text: str, vocab: _Vocabulary) -> bool:
    """A cell that holds a value: not blank, not a rule or a mark, no label at its start (企业状态：)."""
    clean = _clean(text)
    if not clean or _NOT_A_VALUE.match(clean):
        return False
    labels = vocab.labels(clean)
    return not (labels and labels[0].start == 0)


# --- entry points -------------------------------------------------------------------------------------------------


def read_pdf(pf: PacketFile, rules: Rules, found: Classified, layer: TextLayer) -> DocumentRecord | None:
    """The record of a certificate or licence PDF (its title page); ``None`` for a kind not read here.

    A scanned page is read through the classifier's ``OcrPages`` (``found.ocr``), which has its top band, and
    perhaps the whole page, read already; a text-layer page through ``layer``."""
    group = group_of(found)
    if group is None:
        return None
    number = found.page
    scanned = isinstance(layer, OcrLayer) and number in layer.scanned
    ocr: OcrPages | None = None
    if scanned:
        assert isinstance(layer, OcrLayer)
        ocr = found.ocr if found.ocr is not None else layer.pages
        lines = ocr.lines([number])[number]
    else:
        lines = layer.lines([number]).get(number, [])
    page = _PageLines(pf, number, lines, ocr)
    read = read_lines(page, _Vocabulary(group, rules))
    return _record(group, read, rules, number, list(layer.warnings))


def read_docx(pf: PacketFile, rules: Rules, found: Classified) -> DocumentRecord | None:
    """The record of a certificate or licence .docx; ``None`` for a kind not read here."""
    group = group_of(found)
    if group is None:
        return None
    return _record(group, _docx_read(pf, _Vocabulary(group, rules)), rules, None, [])


# --- records ------------------------------------------------------------------------------------------------------


def _record(group: str, read: _Read, rules: Rules, page: int | None, warnings: list[str]) -> DocumentRecord:
    build = _BUILDERS[group]
    fields, more = build(read, rules)
    record_type = _TYPES[group]
    missing = [name for name in _WANTED[group] if fields.get(name) is None]
    warnings = warnings + more
    if missing:
        labels = rules.labels.certificate_fields.fields(group)
        warnings.append("未读到：" + "、".join(labels[name][0] for name in missing))
    record = record_type(page=page, warnings=warnings, **fields)
    return _confidence(record, rules)


def _text(value: _Value | None) -> Text | None:
    return Text(value=value.text, source=value.source) if value else None


def _date(value: _Value | None) -> DateValue | None:
    if value is None:
        return None
    found = read_date(value.text)
    return DateValue(value=found.value, source=value.source, precision=found.precision) if found else None


def _bottom_date(read: _Read) -> DateValue | None:
    """The last line that is a date alone (the date under a certificate's seal)."""
    for value in reversed(read.loose):
        if len(norm(value.text)) <= _DATE_LINE_CHARS and read_date(value.text) is not None:
            return _date(value)
    return None


def _holder(read: _Read, cfg: CertificateFieldLabels) -> _Value | None:
    """The first line without a label that is a name ending as a holder's does (…有限公司)."""
    for value in read.loose:
        squeezed = norm(value.text)
        if 4 <= len(squeezed) <= 40 and squeezed.endswith(tuple(norm(s) for s in cfg.holder_suffixes)):
            return value
    return None


def _validity(validity: _Value | None, until: _Value | None, cfg: CertificateFieldLabels
              ) -> tuple[DateValue | None, DateValue | None, bool]:
    """(from, until, open-ended) of 有效期：A至B / 有效期至 B / 营业期限 A至长期."""
    start = end = None
    unlimited = False
    if validity is not None:
        pieces = [p for p in _PERIOD.split(validity.text) if p.strip()]
        if len(pieces) == 1 and all(parse_period(pieces[0])):  # 2011.06.01-2014.05.31
            pieces = [str(d) for d in parse_period(pieces[0])]
        dates = [read_date(p) for p in pieces]
        unlimited = any(norm(w) in norm(validity.text) for w in cfg.unlimited_terms)
        if len(pieces) >= 2 and dates[0]:
            start = DateValue(value=dates[0].value, source=validity.source, precision=dates[0].precision)
        last = read_date(pieces[-1], end_of_month=True) if pieces else None
        if last and (len(pieces) >= 2 or start is None):
            end = DateValue(value=last.value, source=validity.source, precision=last.precision)
    if until is not None and end is None:
        end = _date(until)
    return start, end, unlimited


def _copyright(read: _Read, rules: Rules) -> tuple[dict[str, Any], list[str]]:
    v = read.values
    cfg = rules.labels.certificate_fields
    name = _text(v.get("software_name"))
    version = _text(v.get("version"))
    if name is not None:
        m = re.search(cfg.version_pattern, name.value)
        if m and m.start() > 0:
            if version is None:
                version = Text(value=m.group().strip(), source=name.source)
            name = Text(value=name.value[: m.start()].strip(), source=name.source)
    number = v.get("registration_number")
    registration = None
    if number is not None:
        compact = re.sub(r"\s", "", unicodedata.normalize("NFKC", number.text)).upper()
        registration = Text(value=compact, source=number.source)
    return {
        "certificate_number": _text(v.get("certificate_number")), "registration_number": registration,
        "software_name": name, "version": version, "holder": _text(v.get("holder")),
        "first_published": _date(v.get("first_published")), "completed": _date(v.get("completed")),
        "registered": _date(v.get("registered")) or _bottom_date(read),
    }, []


def _credential(read: _Read, rules: Rules) -> tuple[dict[str, Any], list[str]]:
    v = read.values
    cfg = rules.labels.certificate_fields
    start, end, _ = _validity(v.get("validity"), v.get("valid_until"), cfg)
    level = v.get("level")
    written = _text(level)
    return {
        "number": _text(v.get("number")), "holder": _text(v.get("holder") or _holder(read, cfg)),
        "level": CertificateLevel(written=written, number=cfg.level_number(written.value)) if written else None,
        "valid_from": start, "valid_until": end, "validity": _text(v.get("validity") or v.get("valid_until")),
        "issued": _date(v.get("issued")) or _bottom_date(read), "issuer": _text(v.get("issuer")),
    }, []


def _license(read: _Read, rules: Rules) -> tuple[dict[str, Any], list[str]]:
    v = read.values
    cfg = rules.labels.certificate_fields
    fields: dict[str, Any] = {"name": _text(v.get("name")), "founded": _date(v.get("founded"))}
    warnings: list[str] = []
    ids, problems = _identifiers([v[k] for k in ("credit_code", "registration_number") if k in v])
    fields.update(ids)
    if not ids:
        warnings.append("未读到统一社会信用代码或注册号")
    fields["identifier_problems"] = problems
    warnings += [f"{_ID_NAMES[k]}{ids[k].value}：{why}" for k, why in problems.items()]
    rep = v.get("legal_representative")
    fields["legal_representative"] = _text(rep)
    capital = v.get("registered_capital")
    amount = try_amount(capital.text, capital.unit) if capital else None
    fields["registered_capital"] = Money.of(amount, capital.source) if amount and capital else None
    if capital and amount is None:
        warnings.append(f"注册资本不是可读的金额：{capital.text}")
    start, end, unlimited = _validity(v.get("term"), None, cfg)
    fields.update(term=_text(v.get("term")), term_start=start, term_end=end, term_unlimited=unlimited)
    return fields, warnings


_ID_NAMES = {"credit_code": "统一社会信用代码", "registration_number": "注册号"}


def _identifiers(values: Sequence[_Value]) -> tuple[dict[str, Text], dict[str, str]]:
    """The credit code and the registration number, each by its shape whatever its label; a wrong check
    character is kept, with its reason."""
    out: dict[str, Text] = {}
    problems: dict[str, str] = {}
    for value in values:
        for found in company_ids(value.text):
            if found.kind is CompanyIdKind.ORGANIZATION_CODE:
                continue
            key = "credit_code" if found.kind is CompanyIdKind.CREDIT_CODE else "registration_number"
            if key in out:
                continue
            out[key] = Text(value=found.number, source=value.source)
            if found.problem:
                problems[key] = found.problem
    return out, problems


def _confidence(record: DocumentRecord, rules: Rules) -> DocumentRecord:
    """List the fields OCR read below ``ocr.min_confidence``, each with a warning (a person's name masked)."""
    floor = rules.labels.statement_pdf.ocr.min_confidence
    doubtful: list[tuple[str, Source]] = []
    for name in type(record).model_fields:
        value = getattr(record, name)
        source = value.written.source if isinstance(value, CertificateLevel) else getattr(value, "source", None)
        if isinstance(source, Source) and source.confidence is not None and source.confidence < floor:
            doubtful.append((name, source))
    if not doubtful:
        return record
    warnings = [f"p{src.page}: {name} read by OCR with confidence {src.confidence} (below {floor}): "
                f"«{_shown(name, src.text or '')}»" for name, src in doubtful]
    return record.model_copy(update={"low_confidence": [name for name, _ in doubtful],
                                     "warnings": [*record.warnings, *warnings]})


def _shown(name: str, text: str) -> str:
    """A value's text as a warning may hold it: a person's name masked."""
    return mask_name(text) if name == "legal_representative" else text


_Builder = Callable[[_Read, Rules], tuple[dict[str, Any], list[str]]]
_BUILDERS: dict[str, _Builder] = {"software_copyright": _copyright, "itss": _credential,
                                  "si_qualification": _credential, "business_license": _license}
_TYPES: dict[str, type[SoftwareCopyrightCertificate | ItssCertificate | SiQualificationCertificate | LicenseRecord]] = {
    "software_copyright": SoftwareCopyrightCertificate, "itss": ItssCertificate,
    "si_qualification": SiQualificationCertificate, "business_license": LicenseRecord,
}
# the fields whose absence is said in a warning
_WANTED = {
    "software_copyright": ("registration_number", "software_name", "holder"),
    "itss": ("number", "holder", "level"),
    "si_qualification": ("number", "holder", "level"),
    "business_license": ("name", "legal_representative", "registered_capital", "founded"),
}
