"""Attachments told by their content: certificates, business licences and contracts.

``read_document`` (``base``) hands a document here when the reader of its format took it for none of the kinds
it reads (no form, roster or statement, no error, no record). Here only its kind (and a certificate's type) is
told, from words the rules hold (``labels.document_kinds``), never from the file name; the readers of
``extractors/attachments/`` then read its record, from the page that holds the title (``Classified.page``) and,
for a scanned PDF, the pages as this module OCR'd them (``Classified.ocr``, so no page is OCR'd twice):

1. the title zone: the first ``title_lines`` lines of the first page that has text, top to bottom (a PDF's
   text layer by position; a scanned page's top band from the OCR pipeline's low-resolution pass, as the
   statement triage reads it); in a .docx the paragraphs before the first table and that table's merged
   title row;
2. the topmost line of the zone that is a title decides: one that ends with a form's word (申请表, 登记表 …) is a
   form, never an attachment, whatever it names (计算机软件著作权登记申请表); otherwise the longest title of
   any kind that the line ends with (计算机软件著作权登记证书 over 证书), once ``title_noise`` such as （副本）
   is taken off. A form lists certificate numbers in labelled cells, but its title is a form's;
3. the title must be backed by ``min_markers`` of the kind's markers (登记号, 著作权人 …; 甲方, 乙方 …) in the
   text of the first ``marker_pages`` pages, the title line left out. A scanned title page whose top band
   holds too few is read in full (once) before the document is left ``unknown``.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import wraps
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.table import Table, _Cell

from omreview.errors import DocumentError
from omreview.extractors.contract import Extraction, Reader
from omreview.extractors.labels import match
from omreview.extractors.ocr.pages import Lexicon, OcrPages
from omreview.extractors.pdf.layer import OcrLayer, TextLayer, layer_for
from omreview.extractors.pdf.pages import pdfium_lines, read_texts
from omreview.model import CertificateType, DocumentKind
from omreview.packet import PacketFile
from omreview.records import DocumentRecord
from omreview.rules import KindWords, Rules
from omreview.text import norm

_FORM = "form"
_MAX_LABELS = 3000  # label candidates looked at for the form test
# a numbered section heading: 三、 （二） 2. 2、 第三条
_NUMBERED = re.compile(
    r"^(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,3}(?:[、．]|\.(?!\d))"
    r"|第[一二三四五六七八九十\d]{1,3}[章节条部])"
)
_DOCX_MAX_CHARS = 50_000  # the text of a .docx searched for markers (a contract's parties are on its first page)


@dataclass(frozen=True)
class Classified:
    """What an attachment is: its kind, a certificate's type, and the title line that said so."""

    kind: DocumentKind
    certificate_type: CertificateType | None = None
    title: str = ""
    page: int = 1  # the page that holds the title (a PDF's), 1-based
    # a scanned PDF's pages as the classifier OCR'd them, for the reader of the attachment to go on with
    ocr: OcrPages | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class _Title:
    term: str  # normalised
    kind: DocumentKind
    certificate_type: CertificateType | None
    markers: tuple[str, ...]


class Classifier:
    """The rules' titles and markers, normalised once."""

    def __init__(self, rules: Rules) -> None:
        cfg = rules.labels.document_kinds
        self.cfg, self.rules = cfg, rules
        self.noise = [re.compile(p) for p in cfg.title_noise]
        self.prose = tuple(m for m in cfg.prose_marks if m)
        self.forms = tuple(t for t in (norm(w) for w in cfg.form_titles) if t)
        titles: list[_Title] = []

        def add(words: KindWords, kind: DocumentKind, cert: CertificateType | None) -> None:
            markers = tuple(m for m in (norm(w) for w in words.markers) if m)
            titles.extend(_Title(t, kind, cert, markers) for t in (norm(w) for w in words.titles) if t)

        for name, words in cfg.certificate.items():
            add(words, DocumentKind.CERTIFICATE, CertificateType(name))
        add(cfg.business_license, DocumentKind.BUSINESS_LICENSE, None)
        add(cfg.contract, DocumentKind.CONTRACT, None)
        self.titles = sorted(titles, key=lambda t: len(t.term), reverse=True)

    def vocabulary(self) -> list[str]:
        """The words OCR'd lines are corrected towards (``ocr.pages.Lexicon``)."""
        return [t.term for t in self.titles] + [m for t in self.titles for m in t.markers]

    def title(self, line: str) -> _Title | str | None:
        """``_FORM`` when the line is a form's title, the attachment title it ends with, else ``None``."""
        found: _Title | None = None
        for text in _candidates(line, self.cfg.max_title_chars):
            if text.rstrip().endswith((":", "：")):
                continue  # a line that introduces what follows (签订了如下合同：), not a title
            s = norm(text)
            if _NUMBERED.match(s):
                continue  # a numbered section heading (三、软件著作权登记证书), not a document's title
            for pattern in self.noise:
                s = pattern.sub("", s)
            if len(s) < 2 or len(s) > self.cfg.max_title_chars:
                continue
            if s.endswith(self.forms):
                return _FORM
            best = next((t for t in self.titles if s.endswith(t.term)), None)
            if best and (found is None or len(best.term) > len(found.term)):
                found = best
        return found

    def decide(self, zone: list[str]) -> tuple[int, _Title] | str | None:
        """The topmost title line of the zone: (its index, its title), ``_FORM``, or ``None``."""
        for index, line in enumerate(zone[: self.cfg.title_lines]):
            if self.is_prose(line):
                return None  # running text: a title would have come before it
            found = self.title(line)
            if isinstance(found, _Title):
                return index, found
            if found == _FORM:
                return _FORM
        return None

    def is_prose(self, line: str) -> bool:
        """Running text: a sentence's punctuation (as printed: a full-width comma, not an amount's), or a line
        far longer than a title."""
        return len(norm(line)) > 2 * self.cfg.max_title_chars or any(mark in line for mark in self.prose)

    def backed(self, title: _Title, text: str) -> bool:
        """Whether ``text`` (the title line left out) holds enough of the kind's markers."""
        squeezed = norm(text)
        return sum(1 for m in title.markers if m in squeezed) >= self.cfg.min_markers

    def is_form(self, labels: Iterable[str]) -> bool:
        """Whether the labels name ``form_min_fields`` of the application form's fields: many labelled cells."""
        fields = self.rules.labels.form_fields
        named: set[str] = set()
        for label in itertools.islice(labels, _MAX_LABELS):
            key = match(label, fields, self.rules)[0]
            if key:
                named.add(key)
                if len(named) >= self.cfg.form_min_fields:
                    return True
        return False

    def classify(self, zone: list[str], text: str, labels: Iterable[str] | None = None) -> Classified | None:
        """The kind of a document from its title zone, its text (which holds the zone) and its labels (a
        table's cells; by default the words of the text's lines before a colon, or between spaces)."""
        decided = self.decide(zone)
        if not isinstance(decided, tuple):
            return None
        index, title = decided
        if not self.backed(title, _without(text, zone[index])):
            return None
        if self.is_form(_line_labels(text) if labels is None else labels):
            return None
        return Classified(title.kind, title.certificate_type, zone[index].strip())


def _candidates(line: str, longest: int) -> Iterator[str]:
    """The whole line, then, on a short line, its pieces between spaces (a title may share its row with a
    number or a note: 营业执照  副本编号：1-1)."""
    yield line
    pieces = line.split()
    if len(pieces) > 1 and len(norm(line)) <= longest:
        yield from pieces


def _line_labels(text: str) -> Iterator[str]:
    """What may be a label on a text's lines: each piece between spaces, up to its colon."""
    for line in text.split("\n"):
        for piece in line.split():
            label = re.split(r"[:：]", piece, maxsplit=1)[0]
            if label:
                yield label


def _without(text: str, line: str) -> str:
    """``text`` with the first occurrence of ``line`` taken out (a title's own words are no markers)."""
    at = text.find(line)
    return text[:at] + "\n" + text[at + len(line):] if at >= 0 else text


def attachments(reader: Reader, find: Callable[[PacketFile, Rules], Classified | None],
                read: Callable[[PacketFile, Rules, Classified], DocumentRecord | None] | None = None) -> Reader:
    """``reader``, then ``find`` on a document it took for none of its kinds (no error, no record), and ``read``
    for the record of what ``find`` told (``None``: a kind it does not read)."""

    @wraps(reader)
    def read_attachment(pf: PacketFile, rules: Rules) -> Extraction:
        extraction = reader(pf, rules)
        if extraction.kind is not DocumentKind.UNKNOWN or extraction.record is not None or extraction.error:
            return extraction
        found = find(pf, rules)
        if found is None:
            return extraction
        record = read(pf, rules, found) if read is not None else None
        return replace(extraction, kind=found.kind, certificate_type=found.certificate_type, record=record)

    return read_attachment


# --- PDF ------------------------------------------------------------------------------------------------------


def classify_pdf(path: Path, rules: Rules, texts: list[str] | None = None,
                 layer: TextLayer | None = None) -> Classified | None:
    """A PDF's attachment kind: its text layer, or its scanned pages through the OCR pipeline. The statement
    reader hands over the page texts and the layer it has read already."""
    classifier = Classifier(rules)
    texts = read_texts(path) if texts is None else texts
    if layer is None:
        try:
            layer = layer_for(path, texts, rules)
        except DocumentError:  # no usable text layer and no OCR: nothing to tell the kind from
            return None
    scanned = layer.scanned if isinstance(layer, OcrLayer) else set()
    count = min(len(texts), classifier.cfg.marker_pages)
    ocr = _layer_pages(layer, classifier) if scanned else None
    for number in range(1, count + 1):  # the first page with text holds the title
        if ocr is not None and number in scanned:
            ocr.quick([number])
            zone = list(ocr.pages[number].band)
        else:
            zone = _text_zone(path, number, texts[number - 1])
        if zone:
            break
    else:
        return None
    others = "\n".join(texts[n - 1] for n in range(1, count + 1) if n != number and n not in scanned)
    found = classifier.classify(zone, "\n".join(zone) + "\n" + others)
    if found is None and ocr is not None and number in scanned and isinstance(classifier.decide(zone), tuple):
        ocr.read([number])  # a title in the top band: its markers may lie below the band
        lines = [line.text for line in ocr.pages[number].lines or []]
        found = classifier.classify(lines, "\n".join(lines) + "\n" + others)
    return replace(found, page=number, ocr=ocr) if found is not None else None


def _layer_pages(layer: TextLayer, classifier: Classifier) -> OcrPages | None:
    """The layer's own OCR pages (their low-resolution pass done by its triage; a page the reader of the
    attachment reads next is read in full once), their lexicon widened to the attachments' words."""
    if not isinstance(layer, OcrLayer):
        return None
    ocr = layer.pages
    rules = classifier.rules
    words = [*classifier.vocabulary(), *attachment_vocabulary(rules)]
    ocr.lexicon = Lexicon([*ocr.lexicon.words, *words], rules.labels.statement_pdf.ocr.confusions)
    return ocr


def attachment_vocabulary(rules: Rules) -> list[str]:
    """The labels the attachments' readers look for, which OCR'd lines are corrected towards."""
    cfg = rules.labels.contract_fields
    return [*cfg.client_roles, *cfg.provider_roles, *cfg.number, *cfg.amount, *cfg.signed, *cfg.period,
            *cfg.subject, *cfg.content]


def _text_zone(path: Path, number: int, text: str) -> list[str]:
    """The lines of a text-layer page from its top (by position); the text pass's order if that fails."""
    if not text.strip():
        return []
    lines = pdfium_lines(path, [number]).get(number, [])
    ordered = [line.text for line in sorted(lines, key=lambda line: line.top)]
    return ordered or [t for t in text.split("\n") if t.strip()]


# --- .docx ----------------------------------------------------------------------------------------------------


def docx_kind(pf: PacketFile, rules: Rules) -> Classified | None:
    """A .docx's attachment kind (an .xlsx, or a zip of another kind, is left as it is)."""
    try:
        with zipfile.ZipFile(pf.path) as zf:
            if "word/document.xml" not in zf.namelist():
                return None
        document = docx.Document(str(pf.path))
    except Exception:  # the reader before took the file: what it did not read is no attachment either
        return None
    zone, text, cells = docx_text(document)
    return Classifier(rules).classify(zone, text, cells)


def docx_text(document: DocxDocument) -> tuple[list[str], str, list[str]]:
    """(the title zone, the text, the tables' cells) of a python-docx ``Document``, in body order."""
    zone: list[str] = []
    parts: list[str] = []
    cells: list[str] = []
    size = 0
    in_zone = True
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [_row_texts(row.cells) for row in item.rows]
            cells.extend(text for texts in rows for text in texts)
            if in_zone and rows and len(rows[0]) == 1:
                zone.append(rows[0][0])  # a merged title row
            in_zone = False
            lines = ["  ".join(texts) for texts in rows if texts]
        else:
            lines = [t for t in (s.strip() for s in item.text.split("\n")) if t]
            if in_zone:
                zone.extend(lines)
        parts.extend(lines)
        size += sum(len(line) for line in lines)
        if size > _DOCX_MAX_CHARS:
            break
    return zone, "\n".join(parts), cells


def _row_texts(cells: Iterable[_Cell]) -> list[str]:
    """A row's distinct cell texts (a merged cell repeats in every grid column it spans)."""
    out: list[str] = []
    for cell in cells:
        text = " ".join(cell.text.split())
        if text and (not out or out[-1] != text):
            out.append(text)
    return out
