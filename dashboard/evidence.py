"""The evidence of a value, shown whole: the applicant page calls :func:`show_evidence` for each source it shows.

- a PDF page: the highlighted band of the page (where the value is), and on request the page
  whole, the region highlighted, at a few zoom steps, with the previous and next pages of the document;
- a cell of the .docx 申报表: the table around it, the cell highlighted;
- a cell of the .xlsx 人员名册: the rows around it under the roster's header, the cell highlighted, the
  person cited by sheet row and 序号;
- a value read by OCR: its confidence as a percentage, marked when below the rules' floor.

What is shown is built by plain functions of :mod:`omreview.dashboard.sources` (tested without a
browser); only files inside the applicant folder whose sha256 is the one reviewed are shown
(``sources.original``); every table is masked there. Images travel as ``data:`` URIs inside the page
(``session.data_uri``), never from Streamlit's media store.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import streamlit as st

from omreview.dashboard import sources
from omreview.dashboard.present import personal_page
from omreview.dashboard.session import Context, data_uri, source_image
from omreview.dashboard.sources import (
    ZOOMS,
    Confidence,
    PageImage,
    SourceUnavailable,
    TableWindow,
    applicant_folder,
    ocr_confidence,
    original,
)
from omreview.masking import mask_path, mask_text
from omreview.overview import source_label
from omreview.rules import Rules
from omreview.store import StoredApplicant

_HIGHLIGHT = "background:#fff3a0;outline:2px solid #d00000;outline-offset:-2px;font-weight:600"


def kind(src: dict[str, Any] | None) -> str | None:
    """The view a source has, by what it names (not its file's suffix: a photo's page is shown as a PDF page, a .doc's
    table cell as the .docx it was converted to, ``omreview.crops.viewable``): ``pdf`` (a page), ``docx`` (a form
    table's cell), ``xlsx`` (a sheet's cell), or None."""
    if not src or not src.get("file"):
        return None
    if src.get("page"):
        return "pdf"
    if src.get("table") is not None and src.get("cell"):
        return "docx"
    if src.get("sheet") and src.get("cell"):
        return "xlsx"
    return None


def showable(src: dict[str, Any] | None) -> bool:
    return kind(src) is not None


def confidence_markdown(src: dict[str, Any] | None, rules: Rules) -> str | None:
    """``OCR置信度 97.00%``, or for a low one ``:red[⚠ OCR置信度 62.00%（低于90.00%，请核对原件）]``."""
    found: Confidence | None = ocr_confidence(src, rules)
    if found is None:
        return None
    return f":red[**⚠ {found.text}**]" if found.low else found.text


def evidence_table(evidence: list[dict[str, Any]], rules: Rules) -> list[dict[str, str]]:
    """A check's evidence as the page lists it: source, text and, for a value read by OCR, its confidence."""
    rows = []
    for src in evidence:
        row = {"来源": source_label(src), "原文": mask_text(src.get("text") or "") or ""}
        if kind(src) == "xlsx" and not src.get("text"):
            row["原文"] = "（名册单元格，打开“显示来源原件”查看）"
        found = ocr_confidence(src, rules)
        row["OCR置信度"] = ("⚠ " + found.text if found.low else found.text) if found else ""
        rows.append(row)
    if not any(r["OCR置信度"] for r in rows):
        for r in rows:
            del r["OCR置信度"]
    return rows


def window_html(window: TableWindow, alt: str) -> str:
    """A table window as an HTML table: column letters above, row numbers left, the cited cell highlighted,
    ``…`` where rows are left out. Every text is escaped (and was masked by ``sources``)."""
    head = "".join(f'<th style="color:#888;font-weight:400">{c}</th>' for c in window.columns)
    lines = ['<div style="overflow-x:auto">',
             f'<table aria-label="{html.escape(alt)}" style="border-collapse:collapse;font-size:0.9em">',
             f'<tr><th></th>{head}</tr>']
    for row in window.rows:
        if row.gap_before:
            lines.append(f'<tr><td style="color:#888">…</td><td colspan="{len(window.columns)}"></td></tr>')
        cells = "".join(_cell_html(c) for c in row.cells)
        lines.append(f'<tr><td style="color:#888;padding:2px 6px">{row.number}</td>{cells}</tr>')
    lines.append("</table></div>")
    return "".join(lines)


def _cell_html(cell: sources.WindowCell) -> str:
    style = "border:1px solid #ccc;padding:2px 6px;vertical-align:top"
    if cell.header:
        style += ";background:#f3f3f3"
    if cell.cited:
        style += ";" + _HIGHLIGHT
    spans = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
        f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "")
    marker = ' data-cited="1"' if cell.cited else ""
    text = html.escape(cell.text).replace("\n", "<br>")
    return f'<td{spans}{marker} title="{cell.address}" style="{style}">{text}</td>'


def page_html(page: PageImage, alt: str) -> str:
    """The page image at its own size in a scrolling frame (a zoomed page is wider than the column)."""
    return (f'<div style="overflow:auto;max-height:85vh;border:1px solid #ccc">'
            f'<img src="{data_uri(page.png)}" alt="{html.escape(alt)}" width="{page.width}" height="{page.height}" '
            f'style="max-width:none"></div>')


@st.cache_data(max_entries=64, show_spinner=False)
def _page(path: str, sha256: str | None, page: int, zoom: int,
          bbox: tuple[float, float, float, float] | None) -> PageImage:
    return sources.render_page(Path(path), page, zoom=zoom, bbox=bbox)


@st.cache_data(max_entries=64, show_spinner=False)
def _docx_window(path: str, sha256: str | None, rel: str, table: int, cell: str, _rules: Rules) -> TableWindow:
    return sources.docx_table_window(Path(path), rel, table, cell, _rules)


@st.cache_data(max_entries=64, show_spinner=False)
def _roster_window(path: str, sha256: str | None, rel: str, sheet: str, cell: str, _rules: Rules) -> TableWindow:
    return sources.roster_window(Path(path), rel, sheet, cell, _rules)


def _bbox(value: Any) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    x0, top, x1, bottom = value
    return float(x0), float(top), float(x1), float(bottom)


def show_evidence(ctx: Context, entry: StoredApplicant, src: dict[str, Any] | None, *, key: str,
                  margin: float | None = None) -> None:
    """The source ``src`` of a value as the page shows it (see the module's docstring); ``key`` tells this place
    of the page from others showing the same source (widget keys). ``margin``: the PDF points kept above and below
    the value's box (``omreview.crops.LINE_MARGIN``: the value's own line only); the default band otherwise."""
    if not src:
        return
    conf = confidence_markdown(src, ctx.rules)
    if conf:
        st.markdown(conf)
    shown = kind(src)
    personal = personal_page(entry.report, src) if shown == "pdf" else None
    if personal is not None:
        st.caption(f"{mask_path(src['file'])} 第{src['page']}页：{personal}的页面含人员姓名等个人信息，"
                   f"不在此显示，请查看原件。所引内容：{mask_text(src.get('text') or '')}")
        return
    if shown is None:
        if src.get("text"):
            st.caption(mask_text(src["text"]))
        return
    try:
        path = original(applicant_folder(entry, ctx.config.intake), src["file"], src.get("sha256"))
        if shown == "pdf":
            _pdf(ctx, entry, src, path, key, margin)
        elif shown == "docx":
            window = _docx_window(str(path), src.get("sha256"), src["file"], int(src["table"]), src["cell"], ctx.rules)
            _window(window, f"来源表格 {mask_path(src['file'])} {window.title} {window.where}")
        else:
            window = _roster_window(str(path), src.get("sha256"), src["file"], src["sheet"], src["cell"], ctx.rules)
            _window(window, f"来源名册 {mask_path(src['file'])} {window.title} {window.where}")
    except SourceUnavailable as exc:
        st.caption(str(exc))


def _window(window: TableWindow, alt: str) -> None:
    st.caption(f"来源：{mask_path(window.file)} {window.title} {window.where}：{window.cited_text or '（空）'}"
               f"（共{window.rows_total}行，显示所引单元格前后各{sources.ROWS_AROUND}行）")
    st.html(window_html(window, alt))


@st.cache_data(max_entries=256, show_spinner=False)
def _line_png(path: str, sha256: str | None, page: int, bbox: tuple[float, float, float, float] | None,
              margin: float) -> bytes:
    return sources.render_region(Path(path), page, bbox, margin=margin)


def _pdf(ctx: Context, entry: StoredApplicant, src: dict[str, Any], path: Path, key: str,
         margin: float | None = None) -> None:
    if margin is None:
        png, why = source_image(ctx, entry, src)
    else:
        try:
            png, why = _line_png(str(path), src.get("sha256"), int(src["page"]), _bbox(src.get("bbox")), margin), ""
        except SourceUnavailable as exc:
            png, why = None, str(exc)
    label = source_label(src)
    if png is None:
        st.caption(why)
    else:
        st.image(data_uri(png), caption=f"来源：{label}　{mask_text(src.get('text') or '')}", alt=f"来源图像 {label}")
    if st.toggle("查看整页（缩放、翻页）", key=f"whole-{key}"):
        _page_viewer(src, path, key)


def _page_viewer(src: dict[str, Any], path: Path, key: str) -> None:
    """The cited page whole, zoom steps and previous/next page; the region highlighted on the cited page only."""
    cited = int(src["page"])
    page_key, zoom_key = f"page-{key}", f"zoom-{key}"
    current = int(st.session_state.get(page_key, cited))
    pages = sources.page_count(path)
    current = min(max(1, current), pages)
    left, middle, right, zoom_col = st.columns([1, 2, 1, 3])
    with left:
        st.button("上一页", key=f"prev-{key}", disabled=current <= 1,
                  on_click=_turn, args=(page_key, current - 1))
    with middle:
        st.markdown(f"第{current}页 / 共{pages}页" + ("（所引页）" if current == cited else ""))
    with right:
        st.button("下一页", key=f"next-{key}", disabled=current >= pages,
                  on_click=_turn, args=(page_key, current + 1))
    with zoom_col:
        zoom = st.segmented_control("缩放", ZOOMS, default=sources.DEFAULT_ZOOM, key=zoom_key,
                                    format_func=lambda z: f"{z}%", label_visibility="collapsed")
    page = _page(str(path), src.get("sha256"), current, int(zoom or sources.DEFAULT_ZOOM),
                 _bbox(src.get("bbox")) if current == cited else None)
    note = "（页面过大，已按上限缩小）" if page.capped else ""
    alt = f"整页 {mask_path(src['file'])} 第{current}页"
    st.html(page_html(page, alt))
    st.caption(f"{alt}，{page.zoom}%{note}" + ("，红框为所引位置" if page.highlighted else ""))


def _turn(page_key: str, page: int) -> None:
    st.session_state[page_key] = page
