"""The original files behind a figure: find them, check they are the files reviewed, show the spot.

The store keeps each source's file name relative to the applicant folder, and the applicant id
is that folder's name. The folder is found as ``INTAKE/<applicant id>``, where INTAKE is the
dashboard's configured intake folder (``--intake``) if given, else the batch's intake folder as the
store recorded it. A file is shown only when its sha256 is still the one reviewed, and only from
inside the applicant folder. Nothing here writes to the originals.

A 身份证号 in a folder or file name is stored masked (``omreview.masking.mask_path``): such a name is
found again as the one entry of the folder whose masked name it is (and, for a file, whose sha256 is
the one reviewed).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
from openpyxl.utils.cell import coordinate_from_string
from PIL import Image, ImageDraw

from omreview.errors import DocumentError
from omreview.extractors.office.roster import sheet_row
from omreview.identifiers import mask_id_number
from omreview.masking import mask_name, mask_path, mask_text
from omreview.packet import sha256_file
from omreview.rules import Rules
from omreview.store import StoredApplicant

_PDFIUM = threading.Lock()  # pdfium is not thread-safe; Streamlit runs each session in a thread


class SourceUnavailable(Exception):
    """The original cannot be shown; the message says why, plainly."""


def applicant_folder(entry: StoredApplicant, intake: Path | None = None) -> Path:
    candidates = [Path(intake) / entry.applicant_id] if intake else []
    if entry.batch_intake:
        candidates.append(Path(entry.batch_intake) / entry.applicant_id)
    for folder in candidates:
        if folder.is_dir():
            return folder.resolve()
        named = _unmasked(folder.parent, folder.name, lambda p: p.is_dir())
        if named is not None:
            return named.resolve()
    tried = "、".join(str(c) for c in candidates) or "（未配置申报材料目录，且该批次未记录目录）"
    raise SourceUnavailable(f"找不到申报材料目录：{tried}")


@lru_cache(maxsize=512)
def _sha256(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(Path(path))


def original(folder: Path, rel: str, sha256: str | None) -> Path:
    """The file ``rel`` of the applicant folder, if it is inside it and unchanged since the review."""
    path = (folder / rel).resolve()
    if not path.exists() and mask_path(rel) == rel:  # a masked 身份证号 in the name: the file that masks to it
        found = _unmasked_file(folder, rel, sha256)
        path = found.resolve() if found is not None else path
    if not path.is_relative_to(folder) or not path.is_file():
        raise SourceUnavailable(f"原件不在申报材料目录中：{rel}")
    st = path.stat()
    if sha256 and _sha256(str(path), st.st_mtime_ns, st.st_size) != sha256:
        raise SourceUnavailable(f"原件自审查以来已改变（sha256 不同）：{rel}")
    return path


def _unmasked(parent: Path, name: str, keep: Callable[[Path], bool]) -> Path | None:
    """The one entry of ``parent`` whose name masks to ``name`` (a name holding a masked 身份证号)."""
    if "*" not in name or not parent.is_dir():
        return None
    found = [p for p in parent.iterdir() if p.name != name and mask_path(p.name) == name and keep(p)]
    return found[0] if len(found) == 1 else None


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
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise SourceUnavailable(f"{mask_path(path.name)} 无法打开：{exc}") from exc
        try:
            if not 1 <= page <= len(pdf):
                raise SourceUnavailable(f"{mask_path(path.name)} 没有第{page}页")
            pg = pdf[page - 1]
            try:
                media, crop, rotation = pg.get_mediabox(), pg.get_cropbox(), pg.get_rotation()
                image = pg.render(scale=scale).to_pil().convert("RGB")
            finally:
                pg.close()
        finally:
            pdf.close()
    if bbox is not None and rotation == 0:
        image = _highlight(image, bbox, media, crop, scale, margin)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _highlight(image: Image.Image, bbox: tuple[float, float, float, float], media: tuple[float, ...],
               crop: tuple[float, ...], scale: float, margin: float) -> Image.Image:
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
    marked = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    band = (0, max(0, int(upper - margin * scale)), image.width, min(image.height, int(lower + margin * scale)))
    return marked.crop(band)


@dataclass(frozen=True)
class RosterRow:
    """One row of a roster sheet with the sheet's column headers; ``keys`` are roster field names or None."""

    file: str
    sheet: str
    row: int
    headers: tuple[str, ...]
    keys: tuple[str | None, ...]
    values: tuple[str, ...]

    def masked(self) -> RosterRow:
        """Names and 身份证号 masked (by their column), and any 身份证号 elsewhere in the row."""
        values = tuple(mask_name(v) if k == "name" else mask_id_number(v) if k == "id_number" and v else mask_text(v)
                       for k, v in zip(self.keys, self.values, strict=True))
        return RosterRow(self.file, self.sheet, self.row, self.headers, self.keys, values)


def read_roster_row(path: Path, rel: str, sheet: str, cell: str, rules: Rules) -> RosterRow:
    """The row of ``cell`` on ``sheet`` of a roster workbook, unmasked: mask it before showing (``.masked()``)."""
    row = coordinate_from_string(cell)[1]
    try:
        found = sheet_row(path, sheet, row, rules)
    except DocumentError as exc:  # the reader's reason is for the log; the page speaks the reviewers' language
        raise SourceUnavailable(f"{rel}：无法读取（文件已损坏，或不是有效的 Excel 工作簿）") from exc
    except KeyError:
        raise SourceUnavailable(f"{rel} 没有工作表 {sheet}") from None
    except IndexError:
        raise SourceUnavailable(f"{rel} 的 {sheet} 没有第{row}行") from None
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise SourceUnavailable(f"{rel}：无法读取（{type(exc).__name__}）") from exc
    # every column keyed, so that a second name or 身份证号 column is masked too
    headers, keys, values = found.labels, found.keys, found.values
    width = max(len(values), len(headers))
    headers = tuple(headers[i] if i < len(headers) and headers[i] else f"第{i + 1}列" for i in range(width))
    keys = tuple(keys[i] if i < len(keys) else None for i in range(width))
    values = tuple(values[i] if i < len(values) else "" for i in range(width))
    return RosterRow(file=rel, sheet=sheet, row=row, headers=headers, keys=keys, values=values)
