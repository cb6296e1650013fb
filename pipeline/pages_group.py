"""Documents photographed or scanned page by page, one image per page: their files read as one document.

A statement photographed page by page arrives as ``审计报告2011_1.jpg`` … ``审计报告2011_6.jpg``, or as a folder
``2011审计报告/`` of ``第1页.jpg`` … ``第6页.jpg``. ``grouped(packet, rules)`` finds such sets in a packet as it
was listed: image files (by their suffix) of one folder whose names differ only by their last number, at least two
of them, the numbers all different, the lowest 0 or 1, none above ``images.max_pages`` (``审计报告2010.tif``
and ``审计报告2011.tif`` are two documents: those numbers are years). Not when the rest of the name is a camera's
or a scanner's own (``IMG_0001.jpg``, ``微信图片_2012….jpg``, ``scan0003.jpg``: ``images.generic_names``):
those are anything, each read alone. The pages are in the numbers' order (``_2`` before ``_10``).

The first page's file becomes a ``PageSet`` (``omreview.extractors.ocr.images``) holding every page: it is read as
one multi-page scan, and the sources of what is read name each page's own file. Each other page's file becomes a
``PagePart``: it is not read again, and its entry in the report says which file carries the reading
(``documents[].part_of``), with that document's kind and fiscal year (``with_parts``). Every file is still listed
with its own digest; a file of a set that cannot be used (empty, too large) stays out of it, with its reason.

Both hooks are where a packet is listed for review (``omreview.review.review``, ``omreview.intake.open_applicant``),
so every consumer of the packet (the plain review, the flows' reading tasks) reads the same documents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from omreview.extractors.ocr.images import PageSet
from omreview.model import Document
from omreview.packet import Packet, PacketFile
from omreview.rules import ImageRules, Rules

__all__ = ["PagePart", "PageSet", "grouped", "part_document", "with_parts"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".bmp"})
_LAST_NUMBER = re.compile(r"^(?P<head>.*?)(?P<number>\d+)(?P<tail>\D*)$")
_SEPARATORS = re.compile(r"[\s_\-.·,，、()（）\[\]【】{}#]+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class PagePart(PacketFile):
    """A page of a document photographed page by page, other than its first: read with the first (``part_of``)."""

    part_of: str = ""


def grouped(packet: Packet, rules: Rules) -> Packet:
    """``packet`` with each set of page images marked: its first file a ``PageSet``, the others ``PagePart``."""
    sets: dict[tuple[str, str, str, str], list[tuple[int, PacketFile]]] = {}
    for pf in packet.files:
        key = _page_key(pf, rules.images)
        if key is not None:
            sets.setdefault(key[0], []).append((key[1], pf))
    marked: dict[str, PacketFile] = {}
    for members in sets.values():
        numbers = [n for n, _ in members]
        if len(members) < 2 or len(set(numbers)) != len(numbers) or min(numbers) > 1:
            continue
        pages = tuple(pf for _, pf in sorted(members, key=lambda m: m[0]))
        first = pages[0]
        marked[first.rel] = PageSet(first.rel, first.path, first.size, first.sha256, pages=pages)
        for pf in pages[1:]:
            marked[pf.rel] = PagePart(pf.rel, pf.path, pf.size, pf.sha256, part_of=first.rel)
    if not marked:
        return packet
    return replace(packet, files=tuple(marked.get(pf.rel, pf) for pf in packet.files))


def part_document(pf: PagePart) -> Document:
    """The report's entry of a page read with its document's first page (not read on its own)."""
    return Document(file=pf.rel, sha256=pf.sha256, size=pf.size, part_of=pf.part_of)


def with_parts(documents: list[Document]) -> list[Document]:
    """The pages' entries with their document's kind, fiscal year and OCR flag (known once the first is read)."""
    by_file = {d.file: d for d in documents}
    out = []
    for doc in documents:
        first = by_file.get(doc.part_of) if doc.part_of else None
        if first is not None:
            doc = doc.model_copy(update={"kind": first.kind, "certificate_type": first.certificate_type,
                                         "fiscal_year": first.fiscal_year, "ocr": first.ocr})
        out.append(doc)
    return out


def _page_key(pf: PacketFile, cfg: ImageRules) -> tuple[tuple[str, str, str, str], int] | None:
    """(folder, name before and after the page number, suffix) and the number, for a page image; else ``None``."""
    if pf.error or type(pf) is not PacketFile:
        return None
    rel = PurePosixPath(pf.rel)
    suffix = rel.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        return None
    found = _LAST_NUMBER.match(unicodedata.normalize("NFKC", rel.stem))
    if found is None or int(found["number"]) > cfg.max_pages or _generic(found["head"] + found["tail"], cfg):
        return None  # a larger number is no page's (审计报告2011.tif: a year)
    return (str(rel.parent), found["head"], found["tail"], suffix), int(found["number"])


def _generic(rest: str, cfg: ImageRules) -> bool:
    """Whether the name around the page number is a camera's or scanner's own (no document's name)."""
    words = _DIGITS.sub(" ", rest.casefold())
    plain = "".join(_SEPARATORS.split(words)).strip()
    for word in sorted((w.casefold() for w in cfg.page_words), key=len, reverse=True):
        if plain.endswith(word) and plain != word:
            plain = plain[: -len(word)]
        if plain.startswith(word) and plain != word:
            plain = plain[len(word):]
    return any(plain == name.casefold() for name in cfg.generic_names)
