"""Archives an applicant sends (issue #19, 3): a .zip in the folder, or the whole submission as one .zip, opened
safely; its files join the packet as ``archive.zip!/inner/path`` and are reviewed like the folder's own."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import pytest

from omreview import archives
from omreview.packet import applicant_folders, applicant_id_of, load_packet, locate, packet_hash
from omreview.review import review_applicant
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS, tree_fingerprint

APP_01 = SAMPLE_DOCS / "app-01"


def _zip(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _raw_names(path: Path, names: dict[str, bytes]) -> None:
    """Put raw bytes (GBK, as Chinese Windows writes them, UTF-8 flag unset) in place of ASCII placeholder names
    of the same length, in the local headers and the central directory alike."""
    data = path.read_bytes()
    for placeholder, raw in names.items():
        assert len(placeholder.encode()) == len(raw)
        data = data.replace(placeholder.encode(), raw)
    path.write_bytes(data)


def _errors(packet) -> dict[str, str | None]:
    return {f.rel: f.error for f in packet.files}


def _sample_files() -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(APP_01.iterdir())}


def _as_folder_names(report_json: str, prefix: str) -> str:
    return report_json.replace(prefix, "")


def test_a_zip_of_a_sample_folder_gets_the_folders_checks_and_verdict(tmp_path):
    before = tree_fingerprint(APP_01)
    folder = tmp_path / "app-01"
    _zip(folder / "申报材料 2012.zip", _sample_files())
    from_zip = review_applicant(folder)
    from_folder = review_applicant(APP_01)

    assert [d.file for d in from_zip.documents] == [f"申报材料 2012.zip!/{d.file}" for d in from_folder.documents]
    assert [(d.kind, d.status, d.sha256) for d in from_zip.documents] == [
        (d.kind, d.status, d.sha256) for d in from_folder.documents]
    assert from_zip.verdict is from_folder.verdict
    dump = json.dumps([c.model_dump(mode="json") for c in from_zip.checks + from_zip.discrepancies],
                      ensure_ascii=False)
    expected = json.dumps([c.model_dump(mode="json") for c in from_folder.checks + from_folder.discrepancies],
                          ensure_ascii=False)
    assert _as_folder_names(dump, "申报材料 2012.zip!/") == expected
    assert '"file": "申报材料 2012.zip!/资料5.docx"' in dump  # the evidence names the file inside the archive
    assert tree_fingerprint(APP_01) == before


def test_a_submission_sent_as_one_zip_is_an_applicant_of_the_intake(tmp_path):
    intake = tmp_path / "intake"
    _zip(intake / "公司A.zip", _sample_files())
    (intake / "app-02").mkdir()
    (intake / "app-02" / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    _zip(intake / "app-02.zip", {"a.pdf": b"%PDF-1.4\n%%EOF\n"})  # the folder's own archive: the folder counts
    (intake / "readme.txt").write_text("x")

    folders, loose = applicant_folders(intake)

    assert [f.name for f in folders] == ["app-02", "公司A.zip"]
    assert [applicant_id_of(f) for f in folders] == ["app-02", "公司A"]
    assert loose == ["app-02.zip", "readme.txt"]
    report = review_applicant(intake / "公司A.zip")
    assert report.applicant.id == "公司A"
    assert [d.file for d in report.documents][:2] == ["公司A.zip!/资料1.pdf", "公司A.zip!/资料2.pdf"]
    assert report.verdict is review_applicant(APP_01).verdict


def test_gbk_names_without_the_utf8_flag_are_decoded(tmp_path):
    archive = _zip(tmp_path / "app" / "材料.zip", {"XXXXXXXX/YYYYYYYYY.pdf": b"%PDF-1.4\n%%EOF\n",
                                                   "notes.txt": b"x"})
    _raw_names(archive, {"XXXXXXXX": "审计报告".encode("gbk"), "YYYYYYYYY": "营业执照1".encode("gbk")})
    with zipfile.ZipFile(archive) as zf:
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
        assert zf.namelist()[0] != "审计报告/营业执照1.pdf"  # what Python makes of it: cp437

    packet = load_packet(tmp_path / "app")

    assert [f.rel for f in packet.files] == ["材料.zip!/notes.txt", "材料.zip!/审计报告/营业执照1.pdf"]
    assert packet.files[1].path.name == "营业执照1.pdf" and packet.files[1].path.read_bytes().startswith(b"%PDF")
    packet_hash(packet)  # every name encodes


def test_a_utf8_name_without_the_flag_and_a_unicode_path_field_are_read_as_utf8():
    raw = "合同.pdf".encode()
    info = zipfile.ZipInfo(raw.decode("cp437"))
    assert archives.entry_name(info) == "合同.pdf"
    info = zipfile.ZipInfo("????.pdf")
    info.extra = struct.pack("<HHBI", 0x7075, 5 + len(raw), 1, __import__("zlib").crc32(b"????.pdf")) + raw
    assert archives.entry_name(info) == "合同.pdf"
    cp437 = zipfile.ZipInfo(b"\xff\xfe\xff.txt".decode("cp437"))  # neither UTF-8 nor GB18030: kept
    assert archives.entry_name(cp437) == b"\xff\xfe\xff.txt".decode("cp437")


def test_zip_slip_entries_are_refused_with_their_reason_and_nothing_is_written_outside(tmp_path):
    archive = tmp_path / "intake" / "app" / "evil.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escaped.txt", "x")
        zf.writestr("/etc/escaped.txt", "x")
        zf.writestr("C:/escaped.txt", "x")
        zf.writestr("..\\..\\escaped2.txt", "x")
        link = zipfile.ZipInfo("link.pdf")
        link.create_system, link.external_attr = 3, (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
        zf.writestr("ok/a.txt", "fine")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it writes
            zf.writestr("ok/a.txt", "again")
        zf.writestr("__MACOSX/._a.txt", "debris")
    before = tree_fingerprint(tmp_path)

    errors = _errors(load_packet(archive.parent))

    assert errors == {
        "evil.zip!/../../escaped.txt": "its name contains '..', which would lead outside the archive; not unpacked",
        "evil.zip!/../../escaped2.txt": "its name contains '..', which would lead outside the archive; not unpacked",
        "evil.zip!//etc/escaped.txt": "its name is an absolute path, which would lead outside the archive; "
                                      "not unpacked",
        "evil.zip!/C:/escaped.txt": "its name starts with a drive letter, which would lead outside the archive; "
                                    "not unpacked",
        "evil.zip!/link.pdf": "a symbolic link inside the archive; not followed",
        "evil.zip!/ok/a.txt": None,
        "evil.zip!/ok/a (2).txt": "a second entry named 'ok/a.txt' in the archive (listed with a number added); "
                                  "not unpacked",
    }
    assert tree_fingerprint(tmp_path) == before
    assert not list(tmp_path.rglob("escaped*")) and not Path("/etc/escaped.txt").exists()


def test_a_zip_in_a_zip_is_opened_and_one_level_further_is_an_error(tmp_path):
    innermost = _zip(tmp_path / "work" / "c.zip", {"deep.pdf": b"%PDF-1.4\n%%EOF\n"})
    inner = _zip(tmp_path / "work" / "b.zip", {"c.zip": innermost.read_bytes(), "b.txt": b"b"})
    _zip(tmp_path / "app" / "a.zip", {"b.zip": inner.read_bytes(), "a.txt": b"a"})

    errors = _errors(load_packet(tmp_path / "app"))

    assert errors == {"a.zip!/a.txt": None, "a.zip!/b.zip!/b.txt": None,
                      "a.zip!/b.zip!/c.zip": "archive inside archives 2 levels deep (the limit is 2); not opened"}


def test_a_zip_bomb_is_refused_from_its_headers_at_once(tmp_path):
    archive = tmp_path / "app" / "bomb.zip"
    archive.parent.mkdir()
    with (zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
          zf.open("zeros.bin", "w", force_zip64=True) as fh):
        block = bytes(1 << 20)
        for _ in range(300):  # 300 MB of zeros in ~300 KB
            fh.write(block)
    assert archive.stat().st_size < 2_000_000
    start = time.perf_counter()
    packet = load_packet(archive.parent)
    took = time.perf_counter() - start

    [pf] = packet.files
    assert pf.rel == "bomb.zip" and pf.error is not None
    assert pf.error.startswith("an entry is compressed 1,0")  # 1,029 to 1 with Debian's zlib
    assert pf.error.endswith(" to 1, typical of a zip bomb (the limit is 100 to 1); not opened")
    assert took < 1.0
    assert not any(archives.workdir().rglob("zeros.bin"))


def test_archives_over_the_entry_and_size_limits_are_errors(tmp_path):
    rules = default_rules()
    def limited(**archive_limits):
        tight = rules.limits.archives.model_copy(update=archive_limits)
        return rules.model_copy(update={"limits": rules.limits.model_copy(update={"archives": tight})})

    _zip(tmp_path / "a" / "many.zip", {f"{n}.txt": b"x" for n in range(5)})
    assert _zip(tmp_path / "b" / "big.zip", {"a.txt": b"x" * 401}).stat().st_size < 400

    assert [f.error for f in load_packet(tmp_path / "a", limited(max_entries=3)).files] == [
        "the archive has too many entries (5; the limit is 3); not opened"]
    assert [f.error for f in load_packet(tmp_path / "b", limited(max_unpacked_bytes=400)).files] == [
        "the archive would unpack to 0 MB, more than the 0 MB left of the 0 MB limit (a zip bomb?); not opened"]


def test_an_encrypted_archive_is_an_error_with_its_reason(tmp_path):
    archive = _zip(tmp_path / "app" / "locked.zip", {"a.pdf": b"%PDF-1.4\n%%EOF\n"})
    data = bytearray(archive.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + flag_at] |= 0x1
    archive.write_bytes(bytes(data))

    assert _errors(load_packet(archive.parent)) == {
        "locked.zip": "password-protected (encrypted) archive: please send it without a password"}


@pytest.mark.parametrize("damage", ["truncated", "not_a_zip", "crc"])
def test_a_damaged_archive_is_an_error_with_its_reason(tmp_path, damage):
    archive = _zip(tmp_path / "app" / "broken.zip", {"a.txt": b"hello" * 100, "b.txt": b"fine"},
                   method=zipfile.ZIP_STORED)
    data = archive.read_bytes()
    if damage == "truncated":
        archive.write_bytes(data[: len(data) // 2])
    elif damage == "not_a_zip":
        archive.write_bytes(b"this is not an archive at all")
    else:
        archive.write_bytes(data.replace(b"hellohello", b"jellohello", 1))

    errors = _errors(load_packet(archive.parent))

    if damage == "crc":  # one entry's bytes damaged: that entry's error, the others read
        assert errors == {"broken.zip!/a.txt": "damaged inside the archive (Bad CRC-32 for file 'a.txt'); not read",
                          "broken.zip!/b.txt": None}
    else:
        assert errors == {"broken.zip": "damaged or truncated archive (not a readable .zip): please send it again"}


def test_7z_and_rar_files_are_errors_asking_for_a_zip(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "材料.7z").write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(40))
    (tmp_path / "app" / "scan.dat").write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(40))

    assert _errors(load_packet(tmp_path / "app")) == {
        "scan.dat": "7z/RAR archives are not read: please send a .zip",
        "材料.7z": "7z/RAR archives are not read: please send a .zip"}


def test_office_files_are_zips_that_are_never_unpacked(tmp_path):
    folder = tmp_path / "app"
    folder.mkdir()
    shutil.copy(APP_01 / "资料5.docx", folder / "form")  # no suffix: told by its [Content_Types].xml
    shutil.copy(APP_01 / "资料7.xlsx", folder / "roster.xlsx")

    assert [f.rel for f in load_packet(folder).files] == ["form", "roster.xlsx"]


def test_a_very_long_name_is_kept_in_the_report_and_shortened_on_disk(tmp_path):
    long_name = "运维服务合同" * 20 + "（全角　名称） final.pdf"  # ~400 bytes in UTF-8
    _zip(tmp_path / "app" / "a.zip", {f"合同/{long_name}": b"%PDF-1.4\n%%EOF\n"})

    [pf] = load_packet(tmp_path / "app").files

    assert pf.rel == f"a.zip!/合同/{long_name}" and pf.error is None
    assert len(os.fsencode(pf.path.name)) <= 255 and pf.path.suffix == ".pdf"
    assert pf.path.read_bytes() == b"%PDF-1.4\n%%EOF\n"


def test_an_id_number_in_a_name_inside_an_archive_is_masked(tmp_path):
    _zip(tmp_path / "app" / "a.zip", {"张三110105194912310021身份证.pdf": b"%PDF-1.4\n%%EOF\n"})

    assert [f.rel for f in load_packet(tmp_path / "app").files] == ["a.zip!/张三1101**********0021身份证.pdf"]


def test_the_same_archive_listed_again_is_not_unpacked_again_and_hashes_alike(tmp_path):
    _zip(tmp_path / "app" / "a.zip", {"a.txt": b"a", "b.txt": b"b"})
    first = load_packet(tmp_path / "app")
    mtime = first.files[0].path.stat().st_mtime_ns
    again = load_packet(tmp_path / "app")

    assert packet_hash(first) == packet_hash(again)
    assert again.files[0].path == first.files[0].path and again.files[0].path.stat().st_mtime_ns == mtime


def test_the_working_folder_is_private_and_goes_with_its_process(tmp_path):
    base = tmp_path / "unpack"
    base.mkdir()
    stale = base / f"omreview-unpacked-{archives._host()}-999999999-abc"  # a process that is gone
    stale.mkdir()
    script = (
        "import zipfile, sys\nfrom pathlib import Path\nfrom omreview.packet import load_packet\n"
        "folder = Path(sys.argv[1])\npf = load_packet(folder).files[0]\n"
        "print(pf.path)\nimport os, stat\nprint(oct(stat.S_IMODE(os.stat(pf.path.parent.parent.parent).st_mode)))\n"
    )
    _zip(tmp_path / "app" / "a.zip", {"a.txt": b"a"})
    env = os.environ | {archives.UNPACK_DIR_ENV: str(base)}
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "app")], env=env, capture_output=True,
                         text=True, check=True).stdout.split()

    assert Path(out[0]).is_relative_to(base) and out[1] == "0o700"
    assert not Path(out[0]).exists() and not stale.exists()  # removed at exit; the dead one's too
    assert list(base.iterdir()) == []


def test_a_viewer_finds_the_file_behind_a_name_inside_an_archive_or_in_gbk_bytes(tmp_path):
    folder = tmp_path / "app"
    _zip(folder / "材料.zip", {"sub/a.pdf": b"%PDF-a", "b.zip": _zip(tmp_path / "b.zip", {"c.pdf": b"%PDF-c"})
                             .read_bytes()})
    raw = os.open(os.fsencode(folder) + b"/" + "审计报告.pdf".encode("gbk"), os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(raw, b"%PDF-gbk")
    os.close(raw)
    whole = _zip(tmp_path / "intake" / "公司A.zip", {"x.pdf": b"%PDF-x"})

    assert locate(folder, "材料.zip!/sub/a.pdf").read_bytes() == b"%PDF-a"
    assert locate(folder, "材料.zip!/b.zip!/c.pdf").read_bytes() == b"%PDF-c"
    assert locate(folder, "审计报告.pdf").read_bytes() == b"%PDF-gbk"
    assert locate(whole, "公司A.zip!/x.pdf").read_bytes() == b"%PDF-x"
    assert locate(folder, "材料.zip!/missing.pdf") is None and locate(folder, "nothing.pdf") is None


def test_an_archive_may_be_larger_than_a_document_up_to_its_own_limit(tmp_path):
    rules = default_rules()
    small_files = rules.model_copy(update={"limits": rules.limits.model_copy(update={"max_file_bytes": 1000})})
    _zip(tmp_path / "app" / "scans.zip", {"a.pdf": os.urandom(1500), "b.pdf": os.urandom(500)},
         method=zipfile.ZIP_STORED)

    assert _errors(load_packet(tmp_path / "app", small_files)) == {
        "scans.zip!/a.pdf": "file is larger than the 0 MB limit; not read", "scans.zip!/b.pdf": None}
    tight = small_files.limits.archives.model_copy(update={"max_unpacked_bytes": 1024})
    tiny = small_files.model_copy(update={"limits": small_files.limits.model_copy(update={"archives": tight})})
    assert _errors(load_packet(tmp_path / "app", tiny)) == {
        "scans.zip": "archive is larger than the 0 MB limit; not opened"}


def test_the_viewer_of_originals_opens_a_file_sent_inside_an_archive_or_named_in_gbk_bytes(tmp_path):
    """The evidence viewer and the .docx crops (omreview.crops) find the applicant sent as one .zip, a folder whose
    name on disk is GBK bytes, and a file inside an archive of a folder, and still refuse a changed file."""
    import datetime as dt
    import hashlib

    from omreview.crops import SourceUnavailable, applicant_folder, original
    from omreview.store import StoredApplicant

    def entry(applicant_id: str, intake: Path) -> StoredApplicant:
        return StoredApplicant(row_id=1, applicant_id=applicant_id, verdict="meets",
                               application_date=dt.date(2012, 6, 1), updated_at=dt.datetime.now(dt.UTC),
                               batch_id=1, batch_intake=str(intake), batch_started_at=None, report={})

    intake = tmp_path / "intake"
    whole = _zip(intake / "公司A.zip", {"合同/x.pdf": b"%PDF-x"})
    gbk = os.fsencode(intake) + b"/" + "公司乙".encode("gbk")
    os.mkdir(gbk)
    raw = os.open(gbk + b"/" + "审计报告.pdf".encode("gbk"), os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(raw, b"%PDF-gbk")
    os.close(raw)
    _zip(Path(os.fsdecode(gbk)) / "附件.zip", {"c.pdf": b"%PDF-c"})

    sent = applicant_folder(entry("公司A", intake))
    assert sent == whole.resolve()
    digest = hashlib.sha256(b"%PDF-x").hexdigest()
    assert original(sent, "公司A.zip!/合同/x.pdf", digest).read_bytes() == b"%PDF-x"
    folder = applicant_folder(entry("公司乙", intake))
    assert original(folder, "审计报告.pdf", None).read_bytes() == b"%PDF-gbk"
    assert original(folder, "附件.zip!/c.pdf", hashlib.sha256(b"%PDF-c").hexdigest()).read_bytes() == b"%PDF-c"
    with pytest.raises(SourceUnavailable, match="sha256"):
        original(folder, "附件.zip!/c.pdf", "0" * 64)
    with pytest.raises(SourceUnavailable, match="不在申报材料目录"):
        original(folder, "附件.zip!/none.pdf", None)


def test_a_reviewer_names_an_applicant_sent_as_a_zip_or_named_in_gbk_bytes_by_its_id(tmp_path):
    """The reviewer's run (``omreview serve``'s form, flows/applicant.py) takes the applicant's id as the batch lists
    it: 公司A for 公司A.zip, 公司乙 for a folder whose name on disk is GBK bytes; an unknown id is refused in words."""
    from omreview.errors import InputError
    from omreview.flows.applicant import applicant_folder

    intake = tmp_path / "intake"
    sent = _zip(intake / "公司A.zip", _sample_files())
    gbk = os.fsencode(intake) + b"/" + "公司乙".encode("gbk")
    shutil.copytree(APP_01, os.fsdecode(gbk))

    assert applicant_folder("公司A", intake) == sent
    assert os.fsencode(applicant_folder("公司乙", intake)) == gbk
    with pytest.raises(InputError, match="受理目录"):
        applicant_folder("公司丙", intake)
