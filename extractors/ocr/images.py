"""Images (JPEG, PNG, TIFF, BMP) read as scanned pages: put into a private image-only PDF, read by the PDF reader.

A photo or a scan of a statement, a contract or a certificate is read exactly as a scanned PDF is: each page
(a TIFF's frames; the files of a document photographed page by page, ``PageSet``) is decoded with Pillow, made
upright by its EXIF orientation (``ImageOps.exif_transpose``), reduced to at most ``images.max_dpi`` and written
as one page of a PDF in a private temporary folder, at its own resolution; the PDF reader
(``pdf.statement.extract`` behind ``pdf.guard``) then reads it by OCR (orientation, skew, seals, low resolution,
triage, attachments told by content). Every value's source is put back on the original: the image file, its
digest and the page in it (a TIFF's frame, 1-based); its box is in points of that page (pixels × 72 / dpi of
the upright image as written), the page ``page_pdf`` writes again for whoever shows it.

Why a PDF and not the pages handed to OCR directly: the reader, its triage, the attachments' classifier and
their OCR all work on PDF pages; one small step in front of them keeps a single path for every scan.

Bounds, from ``images`` in the rules, checked from the headers before anything is decoded: pixels of one page
(a TIFF header claiming 100000 × 100000 px is refused at once; Pillow's own decompression-bomb check is held to
the same limit), pixels of all the pages, and the number of pages; a page is then decoded one at a time. The
time is the PDF reader's budget (``limits.max_pdf_seconds``, checked per page), and the reading process's hard
time and memory limits (``extractors/isolate.py``) hold over all of it.

HEIC (iPhone photos) is refused with its reason: no well-kept HEIC decoder is installed (pillow-heif is not in
the lock); convert it to JPEG.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel

from omreview.errors import DocumentError
from omreview.extractors.contract import CHANGED_WHILE_READ, Extraction
from omreview.extractors.pdf import guard as pdf_guard
from omreview.extractors.pdf import statement as statement_pdf
from omreview.model import Source
from omreview.packet import PacketFile
from omreview.rules import ImageRules, Rules

__all__ = ["PageSet", "extract", "image_type", "page_pdf"]

_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1")
_BMP_HEADERS = (12, 16, 40, 52, 56, 64, 108, 124)  # the sizes of a BMP's DIB header
_FORMATS = {"JPEG", "MPO", "PNG", "TIFF", "BMP", "DIB"}  # MPO: a phone's JPEG with a preview inside
_HEIC = ("HEIC photo: no HEIC decoder is installed, so it cannot be read; please convert it to JPEG "
         "and submit it again")
_MM_PER_INCH = Decimal("25.4")
_ORIENTATION = 0x0112  # the EXIF (and TIFF) tag


def image_type(head: bytes) -> str | None:
    """The image format from a file's first bytes (``jpeg``, ``png``, ``tiff``, ``bmp``, ``heic``), or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_HEADERS:
        return "bmp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return "heic"
    return None


@dataclass(frozen=True)
class PageSet(PacketFile):
    """A document photographed page by page: ``pages`` are its files in page order, this one (the first) among
    them; it is read as one document whose record names each page's own file."""

    pages: tuple[PacketFile, ...] = ()

    @property
    def bytes_to_read(self) -> int:
        return sum(page.size or 0 for page in self.pages) or self.size or 0


@dataclass(frozen=True)
class _Origin:
    """Where a page of the PDF written came from: the file, its digest, the page in it (1-based)."""

    file: str
    sha256: str | None
    page: int


def extract(pf: PacketFile, rules: Rules) -> Extraction:
    """Read an image file (or a ``PageSet``) as a scanned document; ``DocumentError`` with a plain reason."""
    files = pf.pages if isinstance(pf, PageSet) and pf.pages else (pf,)
    with tempfile.TemporaryDirectory(prefix="omreview-image-") as private:
        pdf = Path(private) / "pages.pdf"
        try:
            origins = _write_pdf(pf, files, pdf, rules)
        except _Changed:
            return Extraction.failed(CHANGED_WHILE_READ, changed=True)
        found = pdf_guard.guarded(statement_pdf.extract)(replace(pf, path=pdf), rules)
    if found.record is None or all(o.file == pf.rel and o.page == n for n, o in enumerate(origins, start=1)):
        return found
    return replace(found, record=_on_originals(found.record, pf.rel, origins))


def page_pdf(path: Path, out: Path, rules: Rules) -> int:
    """One image file's pages written to ``out`` as the reader read them (upright, at the same size in points), so
    a source's page and box can be shown on it as on a scanned PDF's; the number of pages."""
    listed = PacketFile(path.name, path, None, None)
    return len(_write_pdf(listed, (listed,), out, rules))


class _Changed(Exception):
    """A page's file is no longer the one listed (written to or replaced meanwhile)."""


def _write_pdf(pf: PacketFile, files: tuple[PacketFile, ...], pdf: Path, rules: Rules) -> list[_Origin]:
    """Every page of ``files`` into ``pdf``, one at a time; where each page came from."""
    cfg = rules.images
    budget = pdf_guard.Budget(rules.limits.max_pdf_seconds)
    origins: list[_Origin] = []
    total = 0
    with _pixel_limit(cfg.max_pixels):
        for index, page_file in enumerate(files):
            if index == 0 or page_file.path == pf.path:
                source: Path | io.BytesIO = pf.path  # the file being read (pinned by the registry)
            else:
                source = io.BytesIO(_listed_bytes(page_file))
            with _opened(source, page_file.rel if len(files) > 1 else None, cfg) as image:
                frames = _frames(image, cfg, page_file.rel if len(files) > 1 else None)
                total += sum(w * h for w, h in frames)
                if len(origins) + len(frames) > cfg.max_pages:
                    raise DocumentError(f"more than {cfg.max_pages:,} pages (images.max_pages); not read")
                if total > cfg.max_total_pixels:
                    raise DocumentError(f"the pages hold more than {cfg.max_total_pixels / 1e6:,.0f} million pixels "
                                        "in all (images.max_total_pixels); not read")
                for frame in range(len(frames)):
                    budget.check()
                    _append(image, frame, pdf, cfg, first=not origins)
                    listed = pf if index == 0 else page_file  # the first: the digest of the bytes read
                    origins.append(_Origin(listed.rel, listed.sha256, frame + 1))
    return origins


def _listed_bytes(page_file: PacketFile) -> bytes:
    """A page's file as listed: its bytes, whose digest must still be the one listed."""
    data = page_file.path.read_bytes()
    if page_file.sha256 is not None and hashlib.sha256(data).hexdigest() != page_file.sha256:
        raise _Changed(page_file.rel)
    return data


@contextmanager
def _pixel_limit(limit: int) -> Iterator[None]:
    """Pillow's decompression-bomb check held to ``limit`` pixels, its warning an error."""
    before = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = before


@contextmanager
def _opened(source: Path | io.BytesIO, name: str | None, cfg: ImageRules) -> Iterator[Image.Image]:
    """The image opened (its header read, nothing decoded); a plain ``DocumentError`` for a bad one."""
    where = f"{name}: " if name else ""
    if isinstance(source, io.BytesIO):
        head = source.getvalue()[:16]
    else:
        with open(source, "rb") as fh:
            head = fh.read(16)
    if image_type(head) == "heic":
        raise DocumentError(f"{where}{_HEIC}")
    try:
        Image.init()  # every plugin registered (TIFF and MPO are not among those Pillow loads first)
        image = Image.open(source, formats=sorted(_FORMATS & set(Image.OPEN)))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentError(f"{where}{_too_large(exc, cfg)}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DocumentError(f"{where}not a valid image file (damaged, or not an image: {_short(exc)})") from exc
    try:
        yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentError(f"{where}{_too_large(exc, cfg)}") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # what the decoders raise on damaged data
        raise DocumentError(f"{where}the image is damaged or truncated and cannot be read ({_short(exc)})") from exc
    finally:
        image.close()


def _frames(image: Image.Image, cfg: ImageRules, name: str | None) -> list[tuple[int, int]]:
    """Each frame's size (pixels), from the headers only; a frame too large or too many frames is refused.

    A TIFF's frames are walked one by one, at most ``max_pages`` + 1 (``n_frames`` would walk them all, however
    many a hostile file chains); of any other format the first picture is the page (an MPO's others are previews).
    """
    where = f"{name}: " if name else ""
    sizes: list[tuple[int, int]] = []
    while True:
        try:
            if sizes:
                if image.format != "TIFF":
                    break
                image.seek(len(sizes))
        except EOFError:
            break
        if len(sizes) >= cfg.max_pages:
            raise DocumentError(f"{where}the image has more than {cfg.max_pages:,} pages (images.max_pages); not read")
        width, height = image.size
        if width * height > cfg.max_pixels:
            raise DocumentError(
                f"{where}page {len(sizes) + 1} claims {width:,} × {height:,} pixels, more than the "
                f"{cfg.max_pixels / 1e6:,.0f} million pixels a page may have (images.max_pixels); not read")
        sizes.append((width, height))
    return sizes


def _append(image: Image.Image, frame: int, pdf: Path, cfg: ImageRules, first: bool) -> None:
    """Decode frame ``frame`` of ``image``, make it upright and add it to ``pdf`` as a page at its resolution."""
    image.seek(frame)
    dpi = _dpi(image, cfg)
    long_side = max(image.size)
    target = int(long_side * min(1.0, cfg.max_dpi / dpi))
    if image.format in ("JPEG", "MPO") and target < long_side:
        scale = target / long_side  # decode at 1/2, 1/4 or 1/8 when that still holds the target
        image.draft(image.mode, (int(image.size[0] * scale) + 1, int(image.size[1] * scale) + 1))
    image.load()
    turned = image.getexif().get(_ORIENTATION, 1) not in (None, 1)
    page = ImageOps.exif_transpose(image) if turned else image  # (a copy even when upright: not made)
    page = _plain_mode(page)
    if max(page.size) > target:
        factor = target / max(page.size)
        page = page.resize((max(1, round(page.size[0] * factor)), max(1, round(page.size[1] * factor))),
                           Image.Resampling.LANCZOS)
    resolution = dpi * max(page.size) / long_side
    page.save(pdf, "PDF", resolution=resolution, append=not first, quality=cfg.jpeg_quality)


def _dpi(image: Image.Image, cfg: ImageRules) -> float:
    """The image's own resolution when it gives a believable page size; else that of a page ``page_mm`` long."""
    long_side = max(image.size)
    stated = image.info.get("dpi")
    low, high = cfg.plausible_page_mm
    if isinstance(stated, tuple) and stated and isinstance(stated[0], int | float) and stated[0] > 0:
        page_mm = Decimal(long_side) / Decimal(str(float(stated[0]))) * _MM_PER_INCH
        if low <= page_mm <= high:
            return float(stated[0])
    return float(Decimal(long_side) * _MM_PER_INCH / cfg.page_mm)


def _plain_mode(page: Image.Image) -> Image.Image:
    """Bilevel, gray or RGB (what the PDF holds as scans do); transparency flattened onto white paper."""
    if page.mode in ("1", "L", "RGB"):
        return page
    if page.mode in ("RGBA", "LA", "PA") or (page.mode == "P" and "transparency" in page.info):
        rgba = page.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    if page.mode.startswith("I") or page.mode == "F":  # 16- or 32-bit gray: scaled to 8 bits
        return page.point(lambda v: v / 256).convert("L") if page.mode.startswith("I;16") else page.convert("L")
    return page.convert("RGB")  # P, CMYK, YCbCr, LAB ...


def _too_large(exc: BaseException, cfg: ImageRules) -> str:
    """Pillow's decompression-bomb check, said as ``_frames`` says a page too large."""
    claimed = re.search(r"\((\d+) pixels\)", str(exc))
    size = f"{int(claimed[1]):,} pixels" if claimed else "more pixels"
    return (f"the image claims {size}, more than the {cfg.max_pixels / 1e6:,.0f} million pixels a page may have "
            "(images.max_pixels); not read")


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --- sources put back on the original files --------------------------------------------------------------------


def _on_originals(record: Any, rel: str, origins: list[_Origin]) -> Any:
    """``record`` with every source of the PDF written (named ``rel``, page N) on the file and page N came from."""

    def moved(source: Source) -> Source:
        if source.file != rel or source.page is None or not 1 <= source.page <= len(origins):
            return source
        origin = origins[source.page - 1]
        return source.model_copy(update={"file": origin.file, "sha256": origin.sha256, "page": origin.page})

    return _mapped(record, moved)


def _mapped(value: Any, moved: Any) -> Any:
    """``value`` with ``moved`` applied to every ``Source`` inside it (models, lists, tuples, dicts)."""
    if isinstance(value, Source):
        return moved(value)
    if isinstance(value, BaseModel):
        update = {}
        for name in type(value).model_fields:
            item = getattr(value, name)
            new = _mapped(item, moved)
            if new is not item:
                update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, list | tuple):
        items = [_mapped(item, moved) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else type(value)(items)
    if isinstance(value, dict):
        mapped = {key: _mapped(item, moved) for key, item in value.items()}
        return value if all(mapped[k] is value[k] for k in value) else mapped
    return value
