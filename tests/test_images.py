"""Images (JPEG, PNG, TIFF, BMP) read as scanned pages: the same figures as the scanned PDF they were made from,
pages photographed one per file read as one document, and hostile or broken images refused with a reason.

The inputs are made here from the scanned sample statement (``sample_docs/app-21``): its pages rendered at the
scan's own resolution into a multi-page TIFF, a set of JPEGs one per page (one of them stored turned a quarter
with EXIF orientation 6, as a phone stores a portrait photo), a PNG and a BMP.
"""

from __future__ import annotations

import hashlib
import io
import struct
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from omreview.extractors.ocr import images
from omreview.extractors.registry import read_document, sniff_format
from omreview.model import DocStatus, DocumentKind
from omreview.packet import PacketFile, load_packet, sha256_file
from omreview.pages_group import PagePart, PageSet, grouped, with_parts
from omreview.records import record_values
from omreview.review import document_of
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS

SCAN_DPI = 150  # the sample scans' resolution (A4 at 1241 × 1754 px)


def packet_file(path: Path, rel: str | None = None) -> PacketFile:
    return PacketFile(rel=rel or path.name, path=path, size=path.stat().st_size, sha256=sha256_file(path))


def _scanned_statement() -> Path:
    """A scanned statement PDF of the scanned sample packet (image-only pages)."""
    return sorted((SAMPLE_DOCS / "app-21").glob("*.pdf"))[0]


def _pages(pdf_path: Path) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        return [pdf[i].render(scale=SCAN_DPI / 72).to_pil().convert("RGB") for i in range(len(pdf))]
    finally:
        pdf.close()


def _figures(record) -> dict:
    out = {name: value.value for name, value in record_values(record)}
    out["fiscal_year"] = record.fiscal_year
    out["revenue_lines"] = [(r.name, r.amount.value, r.is_om) for r in record.revenue_lines]
    return out


def _turned_with_exif(page: Image.Image) -> bytes:
    """``page`` as a phone stores a portrait photo: the pixels turned a quarter, EXIF orientation 6 to put it up."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    out = io.BytesIO()
    page.transpose(Image.Transpose.ROTATE_90).save(out, "JPEG", quality=95, dpi=(SCAN_DPI, SCAN_DPI), exif=exif)
    return out.getvalue()


@pytest.fixture(scope="module")
def statement(tmp_path_factory):
    """(the scanned PDF's extraction, its pages as images, a folder for the image versions)."""
    pdf_path = _scanned_statement()
    return read_document(packet_file(pdf_path)), _pages(pdf_path), tmp_path_factory.mktemp("images")


# --- read by OCR: the same figures as the scanned PDF (slow: ~15 s of OCR each) ----------------------------------


def test_a_multi_page_tiff_reads_to_the_scanned_pdfs_figures_with_its_frames_as_pages(statement):
    reference, pages, folder = statement
    assert reference.kind is DocumentKind.FINANCIAL_STATEMENT and reference.ocr
    tiff = folder / "审计报告.tif"
    pages[0].save(tiff, save_all=True, append_images=pages[1:], dpi=(SCAN_DPI, SCAN_DPI), compression="tiff_deflate")
    found = read_document(packet_file(tiff))
    assert (found.kind, found.fiscal_year, found.pages, found.ocr, found.error) == (
        reference.kind, reference.fiscal_year, len(pages), True, None)
    assert _figures(found.record) == _figures(reference.record)
    digest = sha256_file(tiff)
    for (name, value), (_, ref) in zip(record_values(found.record), record_values(reference.record), strict=True):
        source = value.source
        assert (source.file, source.sha256, source.page) == ("审计报告.tif", digest, ref.source.page), name


def test_a_statement_photographed_page_by_page_is_one_document_naming_each_page(statement):
    """One JPEG a page, in name order (``_2`` before ``_10`` by number), one of them turned with EXIF orientation 6:
    the first file carries the statement's figures, each value names its own page's file, the others point to it."""
    reference, pages, folder = statement
    applicant = folder / "applicant"
    applicant.mkdir()
    for number, page in enumerate(pages, start=1):
        path = applicant / f"审计报告2011_{number}.jpg"
        if number == 3:
            path.write_bytes(_turned_with_exif(page))
        else:
            page.save(path, "JPEG", quality=95, dpi=(SCAN_DPI, SCAN_DPI))
    (applicant / "其他.txt").write_text("not a page", encoding="utf-8")
    packet = grouped(load_packet(applicant), default_rules())
    docs = [document_of(pf, default_rules(), read_document) for pf in packet.files]
    by_file = {doc.file: (doc, record) for doc, record in docs}
    first, record = by_file["审计报告2011_1.jpg"]
    assert (first.kind, first.fiscal_year, first.status, first.pages, first.ocr, first.part_of) == (
        reference.kind, reference.fiscal_year, DocStatus.OK, len(pages), True, None)
    assert _figures(record) == _figures(reference.record)
    for (name, value), (_, ref) in zip(record_values(record), record_values(reference.record), strict=True):
        page_file = applicant / f"审计报告2011_{ref.source.page}.jpg"
        assert (value.source.file, value.source.sha256, value.source.page) == (
            page_file.name, sha256_file(page_file), 1), name
    for number in range(2, len(pages) + 1):
        doc, part_record = by_file[f"审计报告2011_{number}.jpg"]
        assert (doc.part_of, doc.status, part_record, doc.sha256) == (
            "审计报告2011_1.jpg", DocStatus.OK, None, sha256_file(applicant / doc.file))
    assert by_file["其他.txt"][0].part_of is None


# --- recognised, bounded, refused with a reason (fast) ---------------------------------------------------------


def _tiff_claiming(width: int, height: int) -> bytes:
    """A 200-byte TIFF whose header claims ``width`` × ``height`` 8-bit gray pixels (a "1 GB TIFF claim")."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (278, 4, 1, height), (279, 4, 1, min(width * height, 2**32 - 1))]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8 + 16) + b"\x00" * 16 + ifd


def test_a_huge_tiff_claim_is_an_error_with_its_reason_before_decoding(tmp_path):
    path = tmp_path / "scan.tif"
    path.write_bytes(_tiff_claiming(100_000, 100_000))
    started = time.monotonic()
    found = read_document(packet_file(path))
    assert time.monotonic() - started < 2
    assert found.error is not None and "10,000,000,000 pixels" in found.error and "images.max_pixels" in found.error


def test_a_tiff_with_more_frames_than_the_limit_is_an_error(tmp_path):
    rules = default_rules()
    few = rules.model_copy(update={"images": rules.images.model_copy(update={"max_pages": 3})})
    path = tmp_path / "many.tif"
    frames = [Image.new("L", (40, 60), 255) for _ in range(4)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    found = read_document(packet_file(path), few)
    assert found.error == "the image has more than 3 pages (images.max_pages); not read"


def test_a_truncated_jpeg_is_an_error_with_its_reason(tmp_path):
    whole = io.BytesIO()
    Image.effect_noise((600, 800), 60).convert("RGB").save(whole, "JPEG", quality=90)
    path = tmp_path / "第1页.jpg"
    path.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    found = read_document(packet_file(path))
    assert found.error is not None and found.error.startswith("the image is damaged or truncated and cannot be read")


def test_a_heic_photo_is_refused_with_the_remedy(tmp_path):
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    found = read_document(packet_file(path))
    assert found.error is not None and "HEIC" in found.error and "convert it to JPEG" in found.error


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "JPEG", "TIFF"])
def test_png_bmp_jpeg_and_tiff_are_recognised_and_a_blank_page_is_read_as_unknown(tmp_path, fmt):
    path = tmp_path / f"page.{fmt.lower()}"
    Image.new("RGB", (620, 877), "white").save(path, fmt)
    pf = packet_file(path)
    assert sniff_format(pf) == "image"
    found = read_document(pf)
    assert (found.kind, found.pages, found.error, found.errors) == (DocumentKind.UNKNOWN, 1, None, ())


def test_a_photo_of_nothing_is_unknown_not_an_error(tmp_path):
    path = tmp_path / "photo.png"
    Image.radial_gradient("L").resize((640, 480)).convert("RGB").save(path)
    found = read_document(packet_file(path))
    assert (found.kind, found.error, found.record) == (DocumentKind.UNKNOWN, None, None)


def test_exif_orientation_puts_the_page_upright_in_the_pdf_read(tmp_path):
    """A portrait page stored turned (EXIF orientation 6) is a portrait page of the PDF the reader reads, at its dpi."""
    page = Image.new("RGB", (1241, 1754), "white")
    path = tmp_path / "p.jpg"
    path.write_bytes(_turned_with_exif(page))
    pdf_path = tmp_path / "out.pdf"
    origins = images._write_pdf(packet_file(path), (packet_file(path),), pdf_path, default_rules())
    pdf = pdfium.PdfDocument(pdf_path)
    width, height = pdf[0].get_size()
    pdf.close()
    assert [(o.file, o.page) for o in origins] == [("p.jpg", 1)]
    assert (round(width), round(height)) == (round(1241 * 72 / SCAN_DPI), round(1754 * 72 / SCAN_DPI))


def test_an_image_file_is_shown_on_the_same_pages_as_it_was_read(tmp_path):
    """``page_pdf`` writes one file's pages as the reader read them: a source's page and box fit it."""
    path = tmp_path / "two.tif"
    frames = [Image.new("L", (1241, 1754), 255), Image.new("L", (1754, 1241), 255)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(SCAN_DPI, SCAN_DPI))
    read_as = tmp_path / "read.pdf"
    images._write_pdf(packet_file(path), (packet_file(path),), read_as, default_rules())
    assert images.page_pdf(path, tmp_path / "shown.pdf", default_rules()) == 2
    sizes = []
    for written in (read_as, tmp_path / "shown.pdf"):
        pdf = pdfium.PdfDocument(written)
        sizes.append([tuple(round(v) for v in pdf[i].get_size()) for i in range(len(pdf))])
        pdf.close()
    assert sizes[0] == sizes[1] == [(596, 842), (842, 596)]


def test_an_image_without_a_believable_resolution_is_taken_as_an_a4_page(tmp_path):
    path = tmp_path / "p.png"
    Image.new("L", (2480, 3508), 255).save(path, dpi=(72, 72))  # 300 dpi A4 pixels, saying 72 dpi (a 1.2 m page)
    pdf_path = tmp_path / "out.pdf"
    images._write_pdf(packet_file(path), (packet_file(path),), pdf_path, default_rules())
    pdf = pdfium.PdfDocument(pdf_path)
    height = pdf[0].get_size()[1]
    pdf.close()
    assert round(height / 72 * 25.4) == 297


def test_a_page_of_a_set_changed_since_it_was_listed_is_changed_while_read(tmp_path):
    one, two = tmp_path / "证书_1.png", tmp_path / "证书_2.png"
    for path in (one, two):
        Image.new("L", (200, 300), 255).save(path)
    first, second = packet_file(one), packet_file(two)
    two.write_bytes(two.read_bytes() + b"\x00")
    found = read_document(PageSet(first.rel, first.path, first.size, first.sha256, pages=(first, second)))
    assert found.changed and found.error == "changed while being read; review it again once it is complete"


# --- which files are one document --------------------------------------------------------------------------------


@pytest.mark.parametrize(("names", "sets"), [
    (["审计报告2011_1.jpg", "审计报告2011_2.jpg", "审计报告2011_10.jpg"],
     [["审计报告2011_1.jpg", "审计报告2011_2.jpg", "审计报告2011_10.jpg"]]),
    (["2011审计报告/第2页.JPG", "2011审计报告/第1页.JPG", "2012审计报告/第1页.JPG"],
     [["2011审计报告/第1页.JPG", "2011审计报告/第2页.JPG"]]),
    (["report-p0.png", "report-p1.png"], [["report-p0.png", "report-p1.png"]]),
    (["审计报告2010.tif", "审计报告2011.tif"], []),  # years: two documents
    (["IMG_0001.jpg", "IMG_0002.jpg", "微信图片_20120305_1.jpg", "微信图片_20120305_2.jpg"], []),  # a camera's names
    (["合同12.jpg", "合同15.jpg"], []),  # numbers, not pages from the first
    (["审计报告2011_1.jpg", "审计报告2012_1.jpg"], []),  # one page each of two documents
    (["审计报告_1.jpg", "审计报告_2.pdf"], []),  # not both images
])
def test_page_sets_are_images_of_one_folder_whose_names_differ_by_a_page_number(tmp_path, names, sets):
    root = tmp_path / "applicant"
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(hashlib.sha256(name.encode()).digest())
    packet = grouped(load_packet(root), default_rules())
    found = [[pf.rel for pf in pf.pages] for pf in packet.files if isinstance(pf, PageSet)]
    assert found == sets
    parts = {pf.rel: pf.part_of for pf in packet.files if isinstance(pf, PagePart)}
    assert parts == {rel: pages[0] for pages in sets for rel in pages[1:]}
    assert [pf.rel for pf in packet.files] == [pf.rel for pf in load_packet(root).files]  # every file still listed


def test_a_page_document_says_part_of_and_other_documents_have_no_such_key(tmp_path):
    root = tmp_path / "applicant"
    root.mkdir()
    for name in ("证书_1.png", "证书_2.png"):
        Image.new("L", (200, 300), 255).save(root / name)
    packet = grouped(load_packet(root), default_rules())
    docs = [document_of(pf, default_rules(), read_document)[0] for pf in packet.files]
    dumped = [doc.model_dump(mode="json") for doc in docs]
    assert "part_of" not in dumped[0] and dumped[1]["part_of"] == "证书_1.png"
    assert docs[0].pages == 2 and docs[0].status is DocStatus.OK and docs[0].ocr and not docs[1].ocr
    assert with_parts(docs)[1].ocr  # the page's entry says what its document's says (kind, year, OCR)
