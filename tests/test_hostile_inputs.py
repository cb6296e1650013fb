"""Bad and hostile input never crashes the batch, never hangs, never eats memory.

Every hostile file is built in ``tmp_path`` and is small on disk (the zip bomb, the largest, is
about 1 MB). Each ends as ``Extraction(error=<plain reason>)`` from ``read_document``, in-process
and in the isolated worker alike.
"""

from __future__ import annotations

import io
import shutil
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import openpyxl
import pdfplumber
import pytest
import yaml
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from omreview.errors import DocumentError, RulesError
from omreview.extractors import registry
from omreview.extractors.contract import Extraction
from omreview.extractors.isolate import IsolatedReader
from omreview.extractors.office import zip_guard as office_zip
from omreview.extractors.pdf import guard as pdf_guard
from omreview.extractors.registry import read_document
from omreview.model import DocStatus
from omreview.packet import PacketFile, load_packet
from omreview.review import review_applicant
from omreview.rules import RULES_PATH, Rules, default_rules, load_rules
from tests.isolation_readers import misbehaving_reader

GOOD_PACKET = Path(__file__).resolve().parents[1] / "sample_docs" / "app-01"
GOOD_ROSTER = GOOD_PACKET / "资料7.xlsx"
GIB = 1 << 30
CRC32_OF_1_GIB_OF_ZEROS = 0x5B64C2B0
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- builders ------------------------------------------------------------------------------------


def _pf(path: Path, rules: Rules | None = None) -> PacketFile:
    """The packet entry of ``path``, as ``load_packet`` builds it (so size limits and 0-byte files apply)."""
    packet = load_packet(path.parent, rules)
    return next(f for f in packet.files if f.rel == path.name)


def _with_limits(**limits: object) -> Rules:
    rules = default_rules()
    return rules.model_copy(update={"limits": rules.limits.model_copy(update=limits)})


def _reportlab_pdf(encrypt: StandardEncryption | None = None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    c.drawString(100, 700, "Balance sheet 2011")
    c.showPage()
    c.save()
    return buf.getvalue()


def _handmade_pdf(*objects: bytes) -> bytes:
    """A PDF whose objects are numbered from 1 (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def _docx_bytes() -> bytes:
    buf = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("说明")
    document.save(buf)
    return buf.getvalue()


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "备注"])
    wb.save(buf)
    return buf.getvalue()


def _rewrite_zip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of the zip ``data`` with some members replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


def _with_prolog(xml: bytes, prolog: bytes) -> bytes:
    """``xml`` with ``prolog`` (a DTD) inserted after its XML declaration."""
    head, sep, rest = xml.partition(b"?>")
    return head + sep + b"\n" + prolog + rest


def _zip_of_zeros(name: str, size: int, crc: int) -> bytes:
    """A one-member zip whose member is ``size`` zero bytes (a multiple of 1 MiB), written without unpacking it.

    Deflate output after a full flush depends only on the input that follows, so one compressed
    MiB of zeros repeated is a valid stream for any number of MiB.
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(bytes(1 << 20)) + comp.flush(zlib.Z_FULL_FLUSH)
    data = block * (size >> 20) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    raw = name.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, len(raw), 0) + raw
    central = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), size, len(raw), 0, 0, 0, 0, 0, 0
    ) + raw
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


def _ole(*names: str, tail: bytes = b"") -> bytes:
    """A minimal compound file (OLE, as .doc/.xls and encrypted Office files) with these stream names."""
    free, end_of_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(b"\xff" * 512)
    header[:0x4C] = bytes(0x4C)
    header[0:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<LLLLLLLLL", header, 0x2C, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0, 0)
    fat = struct.pack("<LL", fat_sector, end_of_chain) + struct.pack("<L", free) * 126
    entries = []
    all_names = ["Root Entry", *names]
    for i, name in enumerate(all_names):
        encoded = (name + "\0").encode("utf-16-le")
        right = i + 1 if 0 < i < len(all_names) - 1 else no_stream
        child = 1 if i == 0 and names else no_stream
        entry = bytearray(128)
        entry[: len(encoded)] = encoded
        struct.pack_into("<HBBLLL", entry, 64, len(encoded), 5 if i == 0 else 2, 1, no_stream, right, child)
        struct.pack_into("<LQ", entry, 116, end_of_chain, 0)
        entries.append(bytes(entry))
    directory = b"".join(entries).ljust(512 * ((len(entries) + 3) // 4), b"\0")
    return bytes(header) + fat + directory + tail


# --- the hostile files: name -> (builder, words the reason must contain) ------------------------


def _loop_pdf() -> bytes:
    return _handmade_pdf(
        _CATALOG,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",  # the child points back to its parent
    )


def _many_pages_pdf() -> bytes:
    n = 100_000  # a real page tree: one page object listed 100,000 times (600 KB)
    return _handmade_pdf(
        _CATALOG,
        b"<< /Type /Pages /Kids [" + b"3 0 R " * n + b"] /Count %d >>" % n,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    )


def _nested_pdf() -> bytes:
    deep = b"[" * 100_000 + b"]" * 100_000
    return _handmade_pdf(
        _CATALOG,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792 " + deep + b"] >>",
    )


def _truncated_pdf() -> bytes:
    data = _reportlab_pdf()
    return data[: len(data) // 2]


def _truncated_xlsx() -> bytes:
    data = _xlsx_bytes()
    return data[: len(data) // 2]


def _zip_bomb() -> bytes:
    return _zip_of_zeros("word/document.xml", GIB, CRC32_OF_1_GIB_OF_ZEROS)


def _ratio_bomb() -> bytes:  # 20 MB of zeros: under the total limit, but packed about 1000 to 1
    return _rewrite_zip(_docx_bytes(), add={"word/media/padding.bin": bytes(20 << 20)})


def _many_entries() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/document.xml", b"<w:document/>")
        for i in range(5_000):
            zf.writestr(f"word/parts/p{i}.xml", b"")
    return out.getvalue()


def _lying_sizes() -> bytes:
    """A member whose headers declare 1,000 bytes while its data unpacks to 1 MiB."""
    data = bytearray(_rewrite_zip(_docx_bytes(), add={"word/liar.xml": bytes(1 << 20)}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        local = zf.getinfo("word/liar.xml").header_offset
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"word/liar.xml"))
    struct.pack_into("<L", data, local + 22, 1_000)  # uncompressed size, local header
    struct.pack_into("<L", data, central + 24, 1_000)  # uncompressed size, central directory
    return bytes(data)


_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>"
)


def _billion_laughs_docx() -> bytes:
    data = _docx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        document = zf.read("word/document.xml")
    laughs = _with_prolog(document, _LAUGHS).replace(b"\xe8\xaf\xb4\xe6\x98\x8e", b"&lol9;")
    return _rewrite_zip(data, replace={"word/document.xml": laughs})


def _external_entity_xlsx() -> bytes:
    data = _xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        workbook = zf.read("xl/workbook.xml")
    prolog = b'<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return _rewrite_zip(data, replace={"xl/workbook.xml": _with_prolog(workbook, prolog)})


def _utf16_dtd_docx() -> bytes:
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>'
    return _rewrite_zip(_docx_bytes(), replace={"word/document.xml": b"\xff\xfe" + xml.encode("utf-16-le")})


def _dtd_across_chunks_docx() -> bytes:
    """The DTD marker straddles the scanner's 1 MiB chunk boundary."""
    head = b'<?xml version="1.0"?><!--'
    filler = b" " * ((1 << 20) - len(head) - 4)
    xml = head + filler + b"--><!DOCTYPE d><d/>"
    return _rewrite_zip(_docx_bytes(), replace={"word/document.xml": xml})


HOSTILE: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "corrupt.pdf": (lambda: b"%PDF-1.4\n" + b"garbage " * 100, ("not a valid", "pdf")),
    "truncated.pdf": (_truncated_pdf, ("not a valid", "truncated")),
    "password.pdf": (lambda: _reportlab_pdf(StandardEncryption("secret")), ("password",)),
    "loop.pdf": (_loop_pdf, ("page tree",)),
    "many-pages.pdf": (_many_pages_pdf, ("100,000 pages", "2,000-page limit")),
    "not-a-zip.docx": (lambda: b"this is not a Word document", ("not a valid", ".docx")),
    "damaged-zip.docx": (lambda: b"PK\x03\x04" + bytes(200), ("not a valid", "damaged")),
    "truncated.xlsx": (_truncated_xlsx, ("not a valid", "truncated")),
    "bomb.docx": (_zip_bomb, ("unpack", "1,024 MB", "zip bomb")),
    "ratio-bomb.docx": (_ratio_bomb, ("compressed", "zip bomb")),
    "many-entries.docx": (_many_entries, ("too many parts", "5,001")),
    "lying-sizes.docx": (_lying_sizes, ("not a valid", "damaged")),
    "billion-laughs.docx": (_billion_laughs_docx, ("DTD", "word/document.xml")),
    "external-entity.xlsx": (_external_entity_xlsx, ("DTD", "xl/workbook.xml")),
    "utf16-dtd.docx": (_utf16_dtd_docx, ("DTD",)),
    "dtd-across-chunks.docx": (_dtd_across_chunks_docx, ("DTD",)),
    "legacy.doc": (lambda: _ole("WordDocument", "1Table"), ("legacy", ".doc")),
    "legacy.xls": (lambda: _ole("Workbook"), ("legacy", ".xls")),
    "encrypted.docx": (lambda: _ole("EncryptionInfo", "EncryptedPackage"), ("password",)),
}


@pytest.fixture(scope="module")
def isolated():
    with IsolatedReader() as reader:
        yield reader


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(HOSTILE[name][0]())
    return path


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_a_plain_error(tmp_path, name):
    path = _write(tmp_path, name)
    assert path.stat().st_size < 2 << 20  # tiny on disk
    extraction = read_document(_pf(path))
    assert extraction.error, f"{name} was read without an error"
    for word in HOSTILE[name][1]:
        assert word.lower() in extraction.error.lower(), extraction.error
    assert "Traceback" not in extraction.error and extraction.record is None


@pytest.mark.parametrize("name", ["bomb.docx", "billion-laughs.docx", "password.pdf", "loop.pdf", "encrypted.docx"])
def test_hostile_file_is_the_same_error_isolated(tmp_path, isolated, name):
    pf = _pf(_write(tmp_path, name))
    assert isolated.read(pf, default_rules()) == read_document(pf)


# --- PDFs: nesting and the time budget need a reader that really parses -------------------------


def _plumber_reader(pf: PacketFile, rules: Rules) -> Extraction:
    """A stand-in for the statement reader: every page through pdfplumber, under the budget.

    The stream is ours to close: on a file that makes pdfminer recurse, ``PDF.close()`` recurses too
    and never closes a stream pdfplumber opened itself.
    """
    with open(pf.path, "rb") as fh, pdfplumber.open(fh) as pdf:
        for page in pdf_guard.current_budget().each(pdf.pages):
            page.extract_text()
            page.annots  # noqa: B018 - reading the annotations is the point
    return Extraction()


def _pdf_reader(monkeypatch, reader) -> None:
    """Read PDFs with ``reader`` in place of the statement reader, under the same guards (the registry's entry)."""
    monkeypatch.setitem(registry.READERS, "pdf", pdf_guard.guarded(reader))


def test_deeply_nested_pdf_is_refused_not_a_recursion_error(tmp_path, monkeypatch):
    _pdf_reader(monkeypatch, _plumber_reader)
    path = tmp_path / "nested.pdf"
    path.write_bytes(_nested_pdf())
    extraction = read_document(_pf(path))
    assert extraction.error and "nested too deeply" in extraction.error


def test_good_pdf_reads_through_the_same_stand_in(tmp_path, monkeypatch):
    _pdf_reader(monkeypatch, _plumber_reader)
    path = tmp_path / "good.pdf"
    path.write_bytes(_reportlab_pdf())
    assert read_document(_pf(path)).error is None


def test_pdf_reader_over_its_time_budget_is_stopped(tmp_path, monkeypatch):
    def slow_reader(pf: PacketFile, rules: Rules) -> Extraction:
        for _ in pdf_guard.current_budget().each(range(1000)):
            time.sleep(0.01)
        return Extraction()

    _pdf_reader(monkeypatch, slow_reader)
    path = tmp_path / "slow.pdf"
    path.write_bytes(_reportlab_pdf())
    extraction = read_document(_pf(path), _with_limits(max_pdf_seconds=0.1))
    assert extraction.error == "reading took longer than the 0.1 s limit; not read"


def test_budget_counts_from_its_start():
    now = [100.0]
    budget = pdf_guard.Budget(120, clock=lambda: now[0])
    budget.check()
    now[0] += 119
    assert list(budget.each([1, 2])) == [1, 2]
    now[0] += 2
    with pytest.raises(DocumentError, match="took longer than the 120 s limit"):
        budget.check()


def test_pdf_page_limit_comes_from_the_rules(tmp_path, monkeypatch):
    _pdf_reader(monkeypatch, _plumber_reader)
    path = tmp_path / "three.pdf"
    path.write_bytes(_handmade_pdf(
        _CATALOG,
        b"<< /Type /Pages /Kids [3 0 R 3 0 R 3 0 R] /Count 3 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ))
    assert read_document(_pf(path)).error is None
    extraction = read_document(_pf(path), _with_limits(max_pdf_pages=2))
    assert "3 pages, more than the 2-page limit" in extraction.error


# --- Office containers ---------------------------------------------------------------------------


def test_sound_containers_are_recognised_by_content(tmp_path):
    (tmp_path / "a.docx").write_bytes(_docx_bytes())
    (tmp_path / "b.xlsx").write_bytes(_xlsx_bytes())
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as zf:
        zf.writestr("readme.txt", "not office")
    rules = default_rules()
    assert office_zip.open_office(_pf(tmp_path / "a.docx"), rules).kind == "docx"
    assert office_zip.open_office(_pf(tmp_path / "b.xlsx"), rules).kind == "xlsx"
    # a plain .zip is an archive whose files the packet lists (omreview.archives); handed to the readers, it is of
    # no kind
    plain = PacketFile("c.zip", tmp_path / "c.zip", (tmp_path / "c.zip").stat().st_size, None)
    assert office_zip.open_office(plain, rules).kind is None
    assert read_document(plain) == Extraction()  # unknown kind, no error
    assert [f.rel for f in load_packet(tmp_path).files] == ["a.docx", "b.xlsx", "c.zip!/readme.txt"]


def test_svg_image_with_a_doctype_is_not_refused_but_a_disguised_xml_part_is(tmp_path):
    svg = b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'
    data = _rewrite_zip(_docx_bytes(), add={"word/media/image1.svg": svg})
    (tmp_path / "svg.docx").write_bytes(data)
    assert read_document(_pf(tmp_path / "svg.docx")).error is None

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        types = zf.read("[Content_Types].xml")
    override = b'<Override PartName="/word/media/image1.svg" ContentType="application/xml"/></Types>'
    disguised = _rewrite_zip(data, replace={"[Content_Types].xml": types.replace(b"</Types>", override)})
    (tmp_path / "disguised.docx").write_bytes(disguised)
    assert "DTD" in read_document(_pf(tmp_path / "disguised.docx")).error


def test_huge_central_directory_is_refused_before_it_is_parsed(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/document.xml", b"<w:document/>")
        for i in range(5):
            zf.writestr(f"{i}" + "x" * 3000, b"")  # few entries, but 15 KB of names
    (tmp_path / "long-names.docx").write_bytes(out.getvalue())
    rules = _with_limits(max_zip_entries=10)  # directory limit: 10 entries x 1 KB
    error = read_document(_pf(tmp_path / "long-names.docx"), rules).error
    assert error and "too many parts" in error and "directory" in error


def test_damaged_xml_part_is_a_plain_error(tmp_path):
    data = _rewrite_zip(_docx_bytes(), replace={"word/document.xml": b"<w:document><unclosed"})
    (tmp_path / "bad-xml.docx").write_bytes(data)
    extraction = read_document(_pf(tmp_path / "bad-xml.docx"))
    assert extraction.error and "docx" in extraction.error


def test_encrypted_stream_name_inside_legacy_text_is_not_encryption(tmp_path):
    text = b"x" + "EncryptedPackage".encode("utf-16-le")  # in the document's text, not a directory entry
    (tmp_path / "legacy.doc").write_bytes(_ole("WordDocument", tail=text * 20))
    assert "legacy" in read_document(_pf(tmp_path / "legacy.doc")).error


# --- files the packet already refuses ------------------------------------------------------------


def test_empty_and_oversized_files_are_errors_through_read_document(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "big.docx").write_bytes(_docx_bytes())
    assert read_document(_pf(tmp_path / "empty.pdf")).error == "empty file (0 bytes)"
    small = _with_limits(max_file_bytes=1024)
    assert "larger than" in read_document(_pf(tmp_path / "big.docx", small), small).error


# --- isolation: memory, time, crashes ------------------------------------------------------------


def _isolation_packet(tmp_path: Path, *names: str) -> dict[str, PacketFile]:
    """The misbehaving files (any content: the reader goes by name) and ``good.xlsx``, a real roster."""
    for name in names:
        (tmp_path / name).write_bytes(_reportlab_pdf())
    shutil.copyfile(GOOD_ROSTER, tmp_path / "good.xlsx")
    return {f.rel: f for f in load_packet(tmp_path).files}


def _reads_like_in_process(reader: IsolatedReader, pf: PacketFile, rules: Rules) -> bool:
    isolated = reader.read(pf, rules)
    return isolated.error is None and isolated == read_document(pf, rules)


@pytest.fixture(params=["fresh", "forked"])
def started(request, monkeypatch):
    """Reading processes started as fresh interpreters, or forked (the warm runner's runs, omreview.runner)."""
    from omreview.extractors import isolate

    if request.param == "forked":
        monkeypatch.setattr(isolate, "_may_fork", lambda: True)

    def check(reader: IsolatedReader) -> None:
        worker = reader._worker
        assert worker is not None and isinstance(worker._proc, isolate._Forked) == (request.param == "forked")

    return check


def test_document_over_the_memory_limit_is_an_error_and_the_next_reads(tmp_path, started):
    files = _isolation_packet(tmp_path, "hungry.pdf")
    rules = default_rules()
    with IsolatedReader(misbehaving_reader) as reader:
        hungry = reader.read(files["hungry.pdf"], rules)
        limit = rules.limits.max_document_memory_mb
        assert hungry.error == f"reading needed more than the {limit:,} MB memory limit; not read"
        assert _reads_like_in_process(reader, files["good.xlsx"], rules)
        started(reader)


def test_document_over_the_time_limit_is_stopped_and_the_next_reads(tmp_path, started):
    files = _isolation_packet(tmp_path, "sleepy.pdf")
    rules = _with_limits(max_pdf_seconds=0.5, max_document_seconds=1.0)
    with IsolatedReader(misbehaving_reader) as reader:
        sleepy = reader.read(files["sleepy.pdf"], rules)
        assert sleepy.error == "reading took longer than the 1 s limit; the reading was stopped"
        assert _reads_like_in_process(reader, files["good.xlsx"], rules)
        started(reader)


def test_crashing_reader_is_an_error_and_a_bug_surfaces_as_a_bug(tmp_path, started):
    files = _isolation_packet(tmp_path, "crashy.pdf", "buggy.pdf")
    rules = default_rules()
    with IsolatedReader(misbehaving_reader) as reader:
        assert "crashed" in reader.read(files["crashy.pdf"], rules).error
        with pytest.raises(ValueError, match="a bug in a reader") as raised:
            reader.read(files["buggy.pdf"], rules)
        assert "raised in the reading process" in raised.value.__notes__[0]
        assert _reads_like_in_process(reader, files["good.xlsx"], rules)
        started(reader)


def test_threads_share_one_isolated_reader(tmp_path, isolated):
    names = ["bomb.docx", "password.pdf", "legacy.doc", "billion-laughs.docx"]
    for name in names:
        _write(tmp_path, name)
    shutil.copyfile(GOOD_ROSTER, tmp_path / "good.xlsx")
    files = load_packet(tmp_path).files
    rules = default_rules()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda pf: isolated.read(pf, rules), files * 2))
    assert results == [read_document(pf, rules) for pf in files * 2]


def test_outer_time_limit_must_exceed_the_pdf_budget(tmp_path):
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    data["limits"]["max_document_seconds"] = data["limits"]["max_pdf_seconds"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match="max_document_seconds"):
        load_rules(path)


# --- a packet mixing hostile and good files -------------------------------------------------------


def test_packet_mixing_hostile_and_good_files_reads_the_good_ones(tmp_path):
    clean = tmp_path / "clean"
    shutil.copytree(GOOD_PACKET, clean)
    mixed = tmp_path / "mixed"
    shutil.copytree(GOOD_PACKET, mixed)
    (mixed / "notes.txt").write_text("说明", encoding="utf-8")
    (mixed / "empty.pdf").write_bytes(b"")
    hostile = ["bomb.docx", "billion-laughs.docx", "external-entity.xlsx", "password.pdf", "loop.pdf",
               "truncated.xlsx", "legacy.doc", "encrypted.docx", "many-entries.docx", "not-a-zip.docx"]
    for name in hostile:
        _write(mixed, name)

    expected = {d.file: d for d in review_applicant(clean).documents}
    report = review_applicant(mixed)
    documents = {d.file: d for d in report.documents}
    assert all(d.status == DocStatus.OK for d in expected.values())
    for name, document in expected.items():  # the good files read exactly as they do on their own
        assert documents[name] == document
    assert documents["notes.txt"].status == DocStatus.OK
    for bad in [*hostile, "empty.pdf"]:
        assert documents[bad].status == DocStatus.ERROR and documents[bad].error, bad
