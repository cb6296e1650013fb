"""The originals behind a value and the picture of where it is: find a file of the applicant folder as reviewed,
render the region of a PDF page that a source names, highlighted (application layer: no Streamlit).

The store keeps each source's file name relative to the applicant folder, and the applicant id is that
folder's name: the folder is ``INTAKE/<applicant id>``, INTAKE being the one given (the dashboard's
``--intake``) or else the batch's intake folder as the store recorded it (:func:`applicant_folder`). A file is
used only from inside the applicant folder and only while its sha256 is the one reviewed (:func:`original`);
nothing here writes to the originals. A 身份证号 in a folder or file name is stored masked
(``omreview.masking.mask_path``): such a name is found again as the one entry whose masked name it is (and, for
a file, whose sha256 is the one reviewed).

:func:`render_region` draws the band of a page around a source's box, the box outlined and tinted: the
dashboard's evidence viewer (``omreview.dashboard.sources``, which adds the page viewer and its caches) and the
评审报告 draft's contract crops (``omreview.review_docx``) both use it. :func:`source_crop` is the whole way from a
stored source to its picture. pdfium is not thread-safe: every use holds :data:`PDFIUM`.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from omreview import archives
from omreview.errors import DocumentError
from omreview.extractors.ocr import images
from omreview.extractors.office import convert
from omreview.masking import mask_path
from omreview.packet import PacketFile, find_applicant, locate, sha256_file
from omreview.rules import Rules, default_rules
from omreview.store import StoredApplicant

PDFIUM = threading.Lock()  # pdfium is not thread-safe; Streamlit runs each session in a thread


class SourceUnavailable(Exception):
    """The original cannot be shown; the message says why, plainly."""


def applicant_folder(entry: StoredApplicant, intake: Path | None = None) -> Path:
    """The applicant's folder (or the archive it was sent as) in the intake given, else in its batch's, found as the
    batch listed it (``packet.find_applicant``)."""
    intakes = [Path(intake)] if intake else []
    if entry.batch_intake:
        intakes.append(Path(entry.batch_intake))
    for folder in intakes:
        found = find_applicant(folder, entry.applicant_id)
        if found is not None:
            return found.resolve()
    tried = "、".join(str(i / entry.applicant_id) for i in intakes) or "（未配置申报材料目录，且该批次未记录目录）"
    raise SourceUnavailable(f"找不到申报材料目录：{tried}")


@lru_cache(maxsize=512)
def _sha256(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(Path(path))


def original(folder: Path, rel: str, sha256: str | None) -> Path:
    """The file ``rel`` of the applicant folder, if it is inside it and unchanged since the review, as the viewer
    opens it (:func:`viewable`: a photo's pages as a PDF, a 97-2003 or WPS file as .docx/.xlsx)."""
    path = (folder / rel).resolve()
    if not path.exists() and mask_path(rel) == rel:  # a masked 身份证号 in the name: the file that masks to it
        found = _unmasked_file(folder, rel, sha256)
        path = found.resolve() if found is not None else path
    if not path.is_file():  # inside an archive, or a name on disk in GBK bytes: as the packet listed it
        located = locate(folder, rel)
        path = located.resolve() if located is not None else path
        if located is None or not located.is_file():
            raise SourceUnavailable(f"原件不在申报材料目录中：{rel}")
    elif not path.is_relative_to(folder):
        raise SourceUnavailable(f"原件不在申报材料目录中：{rel}")
    st = path.stat()
    if sha256 and _sha256(str(path), st.st_mtime_ns, st.st_size) != sha256:
        raise SourceUnavailable(f"原件自审查以来已改变（sha256 不同）：{rel}")
    return viewable(path, rel)


_VIEWS: dict[tuple[str, int, int], Path] = {}
_VIEWS_LOCK = threading.Lock()


def viewable(path: Path, rel: str, rules: Rules | None = None) -> Path:
    """``path`` itself when a PDF, .docx or .xlsx; else the copy its reader read, which the sources' pages and cells
    are of: an image's pages as an image-only PDF (``images.page_pdf``: upright, the same size in points), a Word
    or Excel 97-2003 or WPS file converted by LibreOffice (``convert.converted_copy``). Made once per file content
    in this process's private working folder (``archives.workdir``), never beside the original."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith((b"%PDF", b"PK\x03\x04")):
        return path
    rules = rules or default_rules()
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    with _VIEWS_LOCK:
        if key in _VIEWS and _VIEWS[key].is_file():
            return _VIEWS[key]
        folder = archives.workdir() / "views" / hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        _VIEWS[key] = _copy_for_viewing(path, rel, folder, rules)
        return _VIEWS[key]


def _copy_for_viewing(path: Path, rel: str, folder: Path, rules: Rules) -> Path:
    listed = PacketFile(path.name, path, None, None)
    try:
        if head_is_ole(path):
            kind = convert.legacy_kind(listed)
            if kind is None:
                raise SourceUnavailable(f"{mask_path(rel)} 不是 Word 或 Excel 文件，无法显示")
            with convert.converted_copy(listed, rules, kind) as (copy, _):
                out = folder / f"copy{copy.path.suffix}"
                shutil.copyfile(copy.path, out)
                return out
        out = folder / "pages.pdf"
        images.page_pdf(path, out, rules)
        return out
    except DocumentError as exc:
        raise SourceUnavailable(f"{mask_path(rel)} 无法转换为可显示的页面：{exc}") from exc


def head_is_ole(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == bytes.fromhex("d0cf11e0a1b11ae1")


def _unmasked_file(folder: Path, rel: str, sha256: str | None) -> Path | None:
    """The file below ``folder`` whose masked relative path is ``rel`` and, given one, whose sha256 is ``sha256``."""
    if "*" not in rel:
        return None
    for path in folder.rglob("*"):
        if path.is_file() and mask_path(path.relative_to(folder).as_posix()) == rel:
            st = path.stat()
            if sha256 is None or _sha256(str(path), st.st_mtime_ns, st.st_size) == sha256:
                return path
    return None


def render_region(path: Path, page: int, bbox: tuple[float, float, float, float] | None, *, scale: float = 2.0,
                  margin: float = 48.0) -> bytes:
    """PNG of the band of ``page`` (1-based) around ``bbox`` (PDF points, top-left origin), bbox highlighted.

    The band spans the page's width, so the row's label is seen with its value; without a bbox
    the whole page is shown.
    """
    with PDFIUM:
        pdf = open_pdf(path)
        try:
            check_page(path, pdf, page)
            raster = rasterize(pdf, page, scale)
        finally:
            pdf.close()
    image = raster.image
    if bbox is not None and raster.rotation == 0:
        image, (upper, lower) = mark_region(image, bbox, raster.media, raster.crop, scale)
        image = image.crop((0, max(0, int(upper - margin * scale)), image.width,
                            min(image.height, int(lower + margin * scale))))
    return png_bytes(image)


@dataclass(frozen=True)
class Raster:
    image: Image.Image  # RGB
    media: tuple[float, ...]
    crop: tuple[float, ...]
    rotation: int
    scale: float  # pixels per PDF point


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """Open under ``PDFIUM`` (the caller holds it)."""
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise SourceUnavailable(f"{mask_path(path.name)} 无法打开：{exc}") from exc


def check_page(path: Path, pdf: pdfium.PdfDocument, page: int) -> None:
    if not 1 <= page <= len(pdf):
        raise SourceUnavailable(f"{mask_path(path.name)} 没有第{page}页")


def rasterize(pdf: pdfium.PdfDocument, page: int, scale: float) -> Raster:
    pg = pdf[page - 1]
    try:
        media, crop, rotation = pg.get_mediabox(), pg.get_cropbox(), pg.get_rotation()
        image = pg.render(scale=scale).to_pil().convert("RGB")
    finally:
        pg.close()
    return Raster(image, tuple(media), tuple(crop), rotation, scale)


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def mark_region(image: Image.Image, bbox: tuple[float, float, float, float], media: tuple[float, ...],
          crop: tuple[float, ...], scale: float) -> tuple[Image.Image, tuple[float, float]]:
    """``image`` with ``bbox`` outlined and tinted, and the box's top and bottom in pixels."""
    # bbox: x from the PDF origin, top measured down from the media box's top; the bitmap shows the crop box.
    x0, top, x1, bottom = bbox
    dx, dy = crop[0], media[3] - crop[3]
    left, right = (x0 - dx) * scale, (x1 - dx) * scale
    upper, lower = (top - dy) * scale, (bottom - dy) * scale
    if lower - upper < 10 * scale:  # a zero-height box (a line's baseline): give it a text line's height
        upper, lower = lower - 10 * scale, lower + 2 * scale
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    box = (left - 3 * scale, upper - 2 * scale, right + 3 * scale, lower + 2 * scale)
    draw.rectangle(box, fill=(255, 230, 0, 70), outline=(220, 0, 0, 255), width=max(2, int(scale * 1.5)))
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"), (upper, lower)


def file_sha256(path: Path) -> str:
    """The sha256 of the file at ``path``, computed once per (path, mtime, size)."""
    st = path.stat()
    return _sha256(str(path), st.st_mtime_ns, st.st_size)


# A value's own line: the margin (PDF points) kept above and below the box of a crop that shows one value (a
# contract's amount, a party) and not its neighbours (a signature block, a person's name on the next line)
LINE_MARGIN = 6.0


def source_crop(folder: Path, src: dict[str, Any], *, margin: float = LINE_MARGIN, scale: float = 2.0) -> bytes:
    """PNG of the region of a PDF source (``file``, ``page``, ``bbox``, ``sha256`` as the report stores them) in the
    applicant folder ``folder``, the box highlighted, ``margin`` points above and below it; ``SourceUnavailable``
    (why, in the reviewers' words) for a source that is no region of a PDF page or whose original cannot be used."""
    if not src.get("file") or not src.get("page"):
        raise SourceUnavailable(f"{mask_path(str(src.get('file') or ''))} 不是 PDF 页面，无页面图像")
    bbox = src.get("bbox")
    box = (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])) if bbox else None
    if box is None:
        raise SourceUnavailable(f"{mask_path(str(src['file']))} 第{src['page']}页：未记录位置，无法截取")
    path = original(folder, str(src["file"]), src.get("sha256"))
    return render_region(path, int(src["page"]), box, scale=scale, margin=margin)
