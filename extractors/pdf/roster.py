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
Only for a PDF with a text layer whose text names a roster's 身份证号 column (``labels.roster_columns``), on its
first ``labels.roster_layout.pdf_pages`` pages: a scanned roster is not read here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pdfplumber

from omreview.extractors.contract import Extraction
from omreview.extractors.office.roster import from_rows, roster_header
from omreview.model import Source
from omreview.packet import PacketFile
from omreview.rules import Rules
from omreview.text import norm

Row = tuple[str, ...]
_IDENTITY = ("name", "id_number")  # empty on the first row of a page: the row of the page before goes on


def may_be_roster(texts: Sequence[str], rules: Rules) -> bool:
    """Whether the text layer names an identity number column somewhere: the only PDFs ``read`` opens."""
    words = [norm(w) for w in rules.labels.roster_columns["id_number"]]
    return any(w in "".join(norm(t).split()) for t in texts for w in words)


def _cell(text: str | None) -> str:
    return "".join((text or "").split("\n")).strip()


def read(pf: PacketFile, texts: Sequence[str], rules: Rules) -> Extraction | None:
    """The roster of a PDF whose pages hold it as a ruled table; ``None`` if none of its tables is one."""
    if not may_be_roster(texts, rules):
        return None
    rows: list[Row] = []
    places: dict[int, Source] = {}
    width = 0
    signature: tuple[str, ...] = ()
    with pdfplumber.open(pf.path) as pdf:
        for number, page in enumerate(pdf.pages[: rules.labels.roster_layout.pdf_pages], 1):
            for table in page.find_tables():
                cells = [tuple(_cell(c) for c in row) for row in table.extract()]
                boxes = [row.bbox for row in table.rows]
                if not cells:
                    continue
                header = roster_header(cells, rules)
                if not rows:  # the first table with a roster's header starts it
                    if header is None:
                        continue
                    width, signature = len(cells[0]), header.signature
                    start = 0
                elif len(cells[0]) != width:
                    continue  # another table
                else:  # the same table on a later page, with its header again or none
                    start = header.row if header is not None and header.signature == signature else 0
                    if start == 0 and _goes_on(cells[0], rows, width, rules):
                        rows[-1] = tuple(a + b for a, b in zip(rows[-1], cells[0], strict=True))
                        start = 1
                for i in range(start, len(cells)):
                    rows.append(cells[i])
                    x0, top, x1, bottom = boxes[i]
                    places[len(rows)] = Source(file=pf.rel, sha256=pf.sha256, page=number,
                                               bbox=(round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)))
    return from_rows(pf, rows, places, rules) if rows else None


def _goes_on(first: Row, rows: list[Row], width: int, rules: Rules) -> bool:
    """Whether a later page's first row is the rest of the last row before it: its name and 序号 cells empty,
    another cell not."""
    header = roster_header(rows, rules)
    if header is None or len(first) != width:
        return False
    identity = [header.columns[k] for k in _IDENTITY if k != "id_number"]
    if header.seq is not None:
        identity.append(header.seq)
    return all(not first[i] for i in identity) and any(first)
