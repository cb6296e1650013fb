"""Legacy and WPS office files (.doc, .xls, .wps, .et): converted by LibreOffice, read by the .docx/.xlsx readers.

The legacy files are made here from a sample applicant's form and roster with LibreOffice itself
(``soffice --convert-to doc|xls``); the tests that need it take the ``soffice`` fixture (which skips
without it). The converter's absence, a hanging converter, its limits and damaged compound files
need no LibreOffice: the compound files are built here, the converter is a shell script.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from omreview.errors import RulesError
from omreview.extractors.contract import ReadStatus
from omreview.extractors.isolate import IsolatedReader
from omreview.extractors.office.convert import INSTALL_HINT, SOFFICE_ENV
from omreview.extractors.registry import read_document
from omreview.model import DocStatus, DocumentKind
from omreview.packet import PacketFile, sha256_file
from omreview.review import review_applicant
from omreview.rules import RULES_PATH, Rules, default_rules, load_rules
from tests.conftest import SAMPLE_DOCS

APP = SAMPLE_DOCS / "app-01"
FREE, END_OF_CHAIN, FAT_SECTOR, NO_ENTRY = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _pf(path: Path) -> PacketFile:
    return PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=sha256_file(path))


def _rules(**converter: Any) -> Rules:
    rules = default_rules()
    return rules.model_copy(update={"converter": rules.converter.model_copy(update=converter)})


def _to_legacy(soffice: str, source: Path, fmt: str, out: Path) -> Path:
    """``source`` converted by LibreOffice to ``fmt`` (doc, xls) in ``out``, as Office 97-2003 would write it."""
    profile = (out.parent / f"profile-{fmt}").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt, "--outdir",
                    str(out), str(source)], check=True, capture_output=True, timeout=120)
    return out / f"{source.stem}.{fmt}"


@pytest.fixture(scope="module")
def folders(tmp_path_factory, soffice):
    """A copy of a sample applicant (``modern``) and the same applicant with its form as .doc and its roster as
    .xls (``legacy``)."""
    root = tmp_path_factory.mktemp("legacy")
    modern = root / "modern"
    shutil.copytree(APP, modern)
    legacy = root / "legacy"
    shutil.copytree(APP, legacy)
    for modern_file, fmt in ((_one(modern, "*.docx"), "doc"), (_one(modern, "*.xlsx"), "xls")):
        _to_legacy(soffice, modern_file, fmt, legacy)
        (legacy / modern_file.name).unlink()
    return modern, legacy


def _one(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def _without_origin(data: Any) -> Any:
    """A record's data with each source's file, digest and conversion note left out (the rest must be equal)."""
    if isinstance(data, dict):
        return {k: _without_origin(v) for k, v in data.items() if k not in ("file", "sha256", "converted")}
    if isinstance(data, list):
        return [_without_origin(v) for v in data]
    return data


def _sources(data: Any) -> list[dict]:
    if isinstance(data, dict):
        found = [data] if "file" in data and "sha256" in data else []
        return found + [s for v in data.values() for s in _sources(v)]
    if isinstance(data, list):
        return [s for v in data for s in _sources(v)]
    return []


# --- read as the .docx/.xlsx they were made from ----------------------------------------------------------------


@pytest.mark.parametrize("pattern, fmt, kind, target", [("*.docx", "doc", DocumentKind.APPLICATION_FORM, ".docx"),
                                                        ("*.xlsx", "xls", DocumentKind.STAFF_ROSTER, ".xlsx")])
def test_a_legacy_file_gives_the_record_of_its_modern_original(folders, soffice, pattern, fmt, kind, target):
    modern, legacy = folders
    original = _one(modern, pattern)
    old = legacy / f"{original.stem}.{fmt}"
    expected, read = read_document(_pf(original)), read_document(_pf(old))
    assert read.status is ReadStatus.READ and read.kind is kind and expected.kind is kind
    data = read.record.model_dump(mode="json")
    assert _without_origin(data) == _without_origin(expected.record.model_dump(mode="json"))
    sources = _sources(data)
    assert sources and all(s["file"] == old.name and s["sha256"] == sha256_file(old) for s in sources)
    assert {s["converted"] for s in sources} == {f"LibreOffice {_version(soffice)} → {target}"}
    assert all("converted" not in s for s in _sources(expected.record.model_dump(mode="json")))


def _version(soffice: str) -> str:
    out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60).stdout
    return out.split()[1]  # LibreOffice 7.4.7.2 40(Build:2)


def test_wps_files_and_misnamed_files_are_told_by_their_content(folders, tmp_path):
    """WPS Office's .wps and .et (since WPS 2005 the same compound files as .doc/.xls), a .doc under a .docx name and
    an .xls under an .xlsx name are converted; a .wps that is really a .docx (OOXML) is read as one, unconverted."""
    modern, legacy = folders
    form, roster = _one(legacy, "*.doc"), _one(legacy, "*.xls")
    cases = {"申报表.wps": (form, DocumentKind.APPLICATION_FORM, True),
             "人员名册.et": (roster, DocumentKind.STAFF_ROSTER, True),
             "申报表.docx": (form, DocumentKind.APPLICATION_FORM, True),
             "人员名册.xlsx": (roster, DocumentKind.STAFF_ROSTER, True),
             "申报表（新版）.wps": (_one(modern, "*.docx"), DocumentKind.APPLICATION_FORM, False)}
    for name, (content, kind, converted) in cases.items():
        path = tmp_path / name
        shutil.copyfile(content, path)
        read = read_document(_pf(path))
        assert read.status is ReadStatus.READ and read.kind is kind, name
        sources = _sources(read.record.model_dump(mode="json"))
        assert sources and all(s["file"] == name for s in sources), name
        assert all(("converted" in s) is converted for s in sources), name


def test_a_legacy_file_is_read_alike_in_the_reading_process(folders):
    """Converted inside the isolated reading process, under its memory limit, the same as in this process."""
    _, legacy = folders
    pf = _pf(_one(legacy, "*.doc"))
    with IsolatedReader() as reader:
        isolated = reader.read(pf, default_rules())
    assert isolated.status is ReadStatus.READ and isolated == read_document(pf)


def test_an_applicant_in_legacy_files_gets_the_review_of_its_modern_files(folders):
    modern, legacy = folders
    expected, report = review_applicant(modern), review_applicant(legacy)
    assert report.verdict == expected.verdict
    assert [(c.id, c.status, c.message, c.values) for c in report.checks] == [
        (c.id, c.status, c.message, c.values) for c in expected.checks]
    assert {k: (f.value, f.unit) for k, f in report.figures.items()} == {
        k: (f.value, f.unit) for k, f in expected.figures.items()}
    kinds = {Path(d.file).stem: (d.kind, d.status) for d in report.documents}
    assert kinds == {Path(d.file).stem: (d.kind, d.status) for d in expected.documents}
    form = next(d for d in report.documents if d.kind is DocumentKind.APPLICATION_FORM)
    assert form.file.endswith(".doc") and form.status is DocStatus.OK
    cited = {s.file: s.converted for c in report.checks for s in c.evidence if s.file.endswith((".doc", ".xls"))}
    assert cited and all(note and note.startswith("LibreOffice") for note in cited.values())


# --- what goes wrong: no converter, a hanging one, damaged files -----------------------------------------------


def _ole(top: list[str], storages: dict[str, list[str]] | None = None) -> bytes:
    """A compound file whose root holds the streams ``top`` (and storages ``storages``, each with its streams),
    every stream empty: a directory as .doc/.xls files have, nothing in it for LibreOffice to read."""
    storages = storages or {}
    entries: list[tuple[str, int, int, int]] = [("Root Entry", 5, NO_ENTRY, NO_ENTRY)]  # name, type, right, child

    def add(names: list[str]) -> int:
        first = len(entries)
        for i, name in enumerate(names):
            right = first + i + 1 if i < len(names) - 1 else NO_ENTRY
            entries.append((name, 1 if name in storages else 2, right, NO_ENTRY))
        return first

    names = top + list(storages)
    entries[0] = ("Root Entry", 5, NO_ENTRY, add(names) if names else NO_ENTRY)
    for storage, inner in storages.items():
        at = next(i for i, e in enumerate(entries) if e[0] == storage)
        entries[at] = (storage, 1, entries[at][2], add(inner))
    dir_sectors = (len(entries) + 3) // 4
    header = bytearray(b"\xff" * 512)
    header[:0x4C] = bytes(0x4C)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<LLLLLLLLL", header, 0x2C, 1, 1, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0, 0)
    chain = [FAT_SECTOR] + [s + 1 for s in range(1, dir_sectors)] + [END_OF_CHAIN]
    fat = struct.pack(f"<{len(chain)}L", *chain).ljust(512, b"\xff")
    directory = bytearray()
    for name, kind, right, child in entries:
        encoded = (name + "\0").encode("utf-16-le")
        entry = bytearray(128)
        entry[: len(encoded)] = encoded
        struct.pack_into("<HBBLLL", entry, 64, len(encoded), kind, 1, NO_ENTRY, right, child)
        struct.pack_into("<LQ", entry, 116, END_OF_CHAIN, 0)
        directory += entry
    return bytes(header) + fat + bytes(directory).ljust(512 * dir_sectors, b"\0")


def test_without_the_converter_a_legacy_file_is_an_error_naming_the_install(tmp_path, monkeypatch):
    monkeypatch.delenv(SOFFICE_ENV, raising=False)
    folder = tmp_path / "applicant"
    folder.mkdir()
    (folder / "申报表.doc").write_bytes(_ole(["WordDocument", "1Table"]))
    (folder / "名册.xls").write_bytes(_ole(["Workbook"], {"MBD0001": ["WordDocument"]}))  # a Word object inside
    report = review_applicant(folder, rules=_rules(command="/nonexistent/soffice"))
    documents = {d.file: d for d in report.documents}
    for name, what in (("申报表.doc", "Word 97-2003 file (.doc/.wps)"), ("名册.xls", "Excel 97-2003 file (.xls/.et)")):
        assert documents[name].status is DocStatus.ERROR and documents[name].kind is DocumentKind.UNKNOWN
        assert documents[name].error == (f"legacy {what} cannot be read: the converter, LibreOffice, is not "
                                         f"installed ({INSTALL_HINT}, or set {SOFFICE_ENV})")
    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "no-such-soffice"))  # the variable wins over the rules
    assert INSTALL_HINT in read_document(_pf(folder / "申报表.doc")).error


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)
    return path


def test_a_hanging_converter_is_stopped_with_its_whole_group_within_its_limit(tmp_path, monkeypatch):
    monkeypatch.delenv(SOFFICE_ENV, raising=False)
    pid_file = tmp_path / "pid"
    hanging = _script(tmp_path / "soffice", f"sleep 300 &\necho $! > {pid_file}\nwait\n")
    (tmp_path / "form.doc").write_bytes(_ole(["WordDocument"]))
    started = time.monotonic()
    read = read_document(_pf(tmp_path / "form.doc"), _rules(command=str(hanging), timeout_seconds=1))
    assert time.monotonic() - started < 5
    assert read.error == ("legacy Word 97-2003 file (.doc/.wps): converting it took longer than the 1 s limit; "
                          "the converter was stopped")
    assert not _running(int(pid_file.read_text()))  # the converter's own child was killed with it


_READ_IN_A_CHILD = """
import sys
from pathlib import Path
from omreview.extractors.registry import read_document
from omreview.packet import PacketFile
from omreview.rules import default_rules
rules = default_rules()
rules = rules.model_copy(update={"converter": rules.converter.model_copy(update={"command": sys.argv[1]})})
path = Path(sys.argv[2])
read_document(PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=None), rules)
"""


def test_a_converter_dies_with_its_reading_process(tmp_path):
    """A reading process killed (a stopped command, a reading over its limit) takes its converter's group with it."""
    pid_file = tmp_path / "pid"
    hanging = _script(tmp_path / "soffice", f"sleep 300 &\necho $! > {pid_file}.tmp\nmv {pid_file}.tmp {pid_file}\n"
                                            "wait\n")
    (tmp_path / "form.doc").write_bytes(_ole(["WordDocument"]))
    env = {k: v for k, v in os.environ.items() if k != SOFFICE_ENV}
    reader = subprocess.Popen([sys.executable, "-c", _READ_IN_A_CHILD, str(hanging), str(tmp_path / "form.doc")],
                              env=env)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline and reader.poll() is None:
            time.sleep(0.05)
        converter_child = int(pid_file.read_text())
        assert _running(converter_child, tries=1)
    finally:
        reader.kill()
        reader.wait()
    assert not _running(converter_child)


def _running(pid: int, tries: int = 40) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie left for its new parent to reap)."""
    for _ in range(tries):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True


def test_the_converter_runs_under_the_readers_memory_limit_and_a_missing_copy_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv(SOFFICE_ENV, raising=False)
    limit_file = tmp_path / "limit"
    fake = _script(tmp_path / "soffice", f"ulimit -v > {limit_file}\necho 'Error: no export filter'\n")
    (tmp_path / "staff.xls").write_bytes(_ole(["Workbook"]))
    rules = _rules(command=str(fake))
    read = read_document(_pf(tmp_path / "staff.xls"), rules)
    assert read.error == ("legacy Excel 97-2003 file (.xls/.et) could not be converted: the converter wrote no copy "
                          "(Error: no export filter)")
    assert int(limit_file.read_text()) == rules.limits.max_document_memory_mb * 1024  # KiB


def _damaged_cases() -> dict[str, bytes]:
    sound = _ole(["WordDocument"])
    loop = bytearray(sound)
    struct.pack_into("<L", loop, 512 + 4, 1)  # the directory's sector is followed by itself
    sibling_loop = bytearray(sound)
    struct.pack_into("<L", sibling_loop, 1024 + 128 + 72, 1)  # the stream is its own right sibling
    return {"truncated.doc": sound[:512], "directory-loop.doc": bytes(loop), "tree-loop.xls": bytes(sibling_loop),
            "bad-sector-size.xls": sound[:30] + b"\x20\x00" + sound[32:]}


@pytest.mark.parametrize("name", list(_damaged_cases()))
def test_a_damaged_compound_file_is_an_error_before_any_conversion(tmp_path, name):
    (tmp_path / name).write_bytes(_damaged_cases()[name])
    read = read_document(_pf(tmp_path / name), _rules(command="/nonexistent/soffice"))
    assert read.error == "not a valid Office 97-2003 file (its compound-file directory is damaged or truncated)"


def test_a_compound_file_neither_word_nor_excel_is_of_unknown_kind(tmp_path):
    (tmp_path / "slides.ppt").write_bytes(_ole(["PowerPoint Document", "Current User"]))
    read = read_document(_pf(tmp_path / "slides.ppt"), _rules(command="/nonexistent/soffice"))
    assert read.status is ReadStatus.READ and read.kind is DocumentKind.UNKNOWN and read.record is None


def test_a_legacy_file_libreoffice_cannot_open_is_an_error(tmp_path, soffice):
    (tmp_path / "申报表.docx").write_bytes(_ole(["WordDocument", "1Table"]))  # streams without content
    read = read_document(_pf(tmp_path / "申报表.docx"))
    assert read.error == ("legacy Word 97-2003 file (.doc/.wps) could not be converted: LibreOffice cannot open it "
                          "(damaged, or protected by a password)")


def test_the_converter_must_stop_before_the_reading_process(tmp_path):
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    data["converter"]["timeout_seconds"] = data["limits"]["max_document_seconds"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"converter\.timeout_seconds must be smaller"):
        load_rules(path)
