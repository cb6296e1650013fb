"""A 人员名册 printed to PDF: its ruled table read cell by cell (pdfplumber), then by the roster's own rules.

Applicants print the roster from Word or Excel. On the page it is a ruled table: pdfplumber finds its cells from
the rules drawn, and a cell's text comes back with the line breaks of a narrow column (``身份证\\n号``,
``31010\\n51985…``), joined here without them. What a printed table adds to a workbook:

- the header is on its first page only (or repeated on each): a table on a later page with as many columns is
  the same table, its repeated header (the same fields) left out;
- a row that did not fit at a page's foot goes on at the top of the next, its 序号 and 姓名 cells empty there: that
  first row is joined to the row it continues, cell by cell.

Then ``office.roster.from_rows`` reads the rows as it reads a sheet (the header under any title rows, totals and
footers, education and titles by the rules). Each person cites their page and the box of their row.
What a print can lose is not guessed at: a table whose education column is not on the pages with its 身份证号
column (a wide sheet printed in two halves, one after the other), or a 身份证号 cut short at its cell's edge, is not
read at all (the roster is then missing, never a roster of wrong numbers that would fail T2). Only for a PDF with a
text layer whose text names a roster's 身份证号 column (``labels.roster_columns``), on its
first ``labels.roster_layout.pdf_pages`` pages: a scanned roster is not read here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pdfplumber

from omreview.extractors.contract import Extraction
from omreview.extractors.office.roster import Header, from_rows, roster_header
from omreview.model import Source
from omreview.packet import PacketFile
from omreview.records import RosterRecord
from omreview.rules import Rules
from omreview.text import norm

Row = tuple[str, ...]
_ID_CHARS = 18  # a 身份证号 as printed whole (a 15-digit one of old is not expected on a roster's print)


def _id_words(rules: Rules) -> list[str]:
    return [norm(w) for w in rules.labels.roster_columns["id_number"]]


def _names_id_column(text: str, words: Sequence[str]) -> bool:
    compact = "".join(norm(text).split())
    return any(w in compact for w in words)


def may_be_roster(texts: Sequence[str], rules: Rules) -> bool:
    """Whether the text layer names an identity number column somewhere: the only PDFs ``read`` opens."""
    words = _id_words(rules)
    return any(_names_id_column(t, words) for t in texts)


def _cell(text: str | None) -> str:
    return "".join((text or "").split("\n")).strip()


class _Table:
    """The roster's rows as they are gathered page by page, with each row's source, under the header found first."""

    def __init__(self, pf: PacketFile) -> None:
        self.pf = pf
        self.header: Header | None = None
        self.width = 0
        self.rows: list[Row] = []
        self.places: dict[int, Source] = {}

    def take(self, cells: list[Row], boxes: list[tuple[float, float, float, float]], page: int,
             rules: Rules) -> bool:
        """Take a table of ``page`` if it is the roster (its start, or its part on a later page); whether it was."""
        header = roster_header(cells, rules)
        if self.header is None:  # the first table with a roster's header starts it
            if header is None:
                return False
            self.header, self.width = header, len(cells[0])
            start = 0
        elif len(cells[0]) != self.width:
            return False  # another table
        else:  # the same table on a later page, with its header again or none
            start = header.row if header is not None and header.signature == self.header.signature else 0
            if start == 0 and self.rows and self._goes_on(cells[0]):
                self.rows[-1] = tuple(a + b for a, b in zip(self.rows[-1], cells[0], strict=True))
                start = 1
        for i in range(start, len(cells)):
            self.rows.append(cells[i])
            x0, top, x1, bottom = boxes[i]
            self.places[len(self.rows)] = Source(file=self.pf.rel, sha256=self.pf.sha256, page=page,
                                                 bbox=(round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)))
        return True

    def _goes_on(self, first: Row) -> bool:
        """Whether a later page's first row is the rest of the last row before it: its 姓名 and 序号 cells empty,
        another cell not."""
        assert self.header is not None
        identity = [self.header.columns["name"], *([] if self.header.seq is None else [self.header.seq])]
        return all(not first[i] for i in identity) and any(first)


def read(pf: PacketFile, texts: Sequence[str], rules: Rules) -> Extraction | None:
    """The roster of a PDF whose pages hold it as a ruled table; ``None`` if none of its tables is one.

    Tables are looked for from the first page whose text names a 身份证号 column, and no further than the first page
    after the roster's start that holds no part of it (a long PDF is not searched page by page)."""
    if not may_be_roster(texts, rules):
        return None
    words = _id_words(rules)
    table = _Table(pf)
    with pdfplumber.open(pf.path) as pdf:
        for number, page in enumerate(pdf.pages[: rules.labels.roster_layout.pdf_pages], 1):
            if table.header is None and (number > len(texts) or not _names_id_column(texts[number - 1], words)):
                continue
            took = False
            for found in page.find_tables():
                cells = [tuple(_cell(c) for c in row) for row in found.extract()]
                if cells and table.take(cells, [row.bbox for row in found.rows], number, rules):
                    took = True
            if table.header is not None and not took:
                break  # the roster ended on the page before
    if table.header is None or "education" not in table.header.columns:
        return None  # a printed sheet whose other columns went to later pages: not read, rather than read half
    roster = from_rows(pf, table.rows, table.places, rules)
    if roster is None or not isinstance(roster.record, RosterRecord):
        return None
    if any(len(r.id_number) != _ID_CHARS for r in roster.record.rows):
        return None  # a number cut at its cell's edge in print: what is left of it would count as a wrong one
    return roster
