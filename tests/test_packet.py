"""Packet loading: every file listed and hashed; bad entries recorded, never fatal."""

import hashlib
import os

import pytest

from omreview import packet as packet_mod
from omreview.errors import InputError
from omreview.packet import applicant_folders, load_packet
from omreview.rules import default_rules


def _by_rel(packet):
    return {f.rel: f for f in packet.files}


def test_lists_and_hashes_every_file_recursively(small_packet):
    packet = load_packet(small_packet)
    files = _by_rel(packet)
    assert set(files) == {"a.pdf", "sub/b.txt"}
    assert files["a.pdf"].sha256 == hashlib.sha256(b"%PDF-1.4\n%%EOF\n").hexdigest()
    assert all(f.ok for f in packet.files)
    assert packet.applicant_id == "acme"


@pytest.mark.parametrize("make", ["missing", "file", "empty"])
def test_unusable_folder_is_an_input_error(tmp_path, make):
    target = tmp_path / "x"
    if make == "file":
        target.write_text("x")
    elif make == "empty":
        target.mkdir()
    with pytest.raises(InputError, match=r"not found|not a folder|empty"):
        load_packet(target)


def test_zero_byte_file_is_an_error_entry(small_packet):
    (small_packet / "blank.docx").write_bytes(b"")
    f = _by_rel(load_packet(small_packet))["blank.docx"]
    assert f.error == "empty file (0 bytes)" and f.size == 0


def test_unreadable_file_is_an_error_entry(small_packet, monkeypatch):
    real = packet_mod.sha256_file

    def deny(path):
        if path.name == "a.pdf":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(packet_mod, "sha256_file", deny)
    files = _by_rel(load_packet(small_packet))
    assert files["a.pdf"].error == "cannot be read: Permission denied"
    assert files["sub/b.txt"].ok


def test_symlink_outside_is_not_followed(small_packet, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (small_packet / "link.txt").symlink_to(secret)
    (small_packet / "dangling.pdf").symlink_to(tmp_path / "nowhere.pdf")
    (small_packet / "inside.pdf").symlink_to(small_packet / "a.pdf")
    files = _by_rel(load_packet(small_packet))
    assert "outside the applicant folder" in files["link.txt"].error and files["link.txt"].sha256 is None
    assert "broken symbolic link" in files["dangling.pdf"].error
    assert files["inside.pdf"].ok and files["inside.pdf"].sha256 == files["a.pdf"].sha256


def test_named_pipe_is_listed_not_opened(small_packet):
    os.mkfifo(small_packet / "pipe")
    f = _by_rel(load_packet(small_packet))["pipe"]
    assert f.error == "not a regular file (a named pipe); not read"


def test_file_over_the_size_limit_is_refused(small_packet):
    rules = default_rules()
    small = rules.model_copy(update={"limits": rules.limits.model_copy(update={"max_file_bytes": 10})})
    f = _by_rel(load_packet(small_packet, small))["a.pdf"]
    assert "larger than" in f.error and f.sha256 is not None


def test_intake_lists_applicant_folders_and_loose_entries(small_packet):
    intake = small_packet.parent
    (intake / "readme.txt").write_text("x")
    (intake / "beta").mkdir()
    folders, loose = applicant_folders(intake)
    assert [f.name for f in folders] == ["acme", "beta"]
    assert loose == ["readme.txt"]


def test_intake_without_applicants_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no applicant folders"):
        applicant_folders(tmp_path)
