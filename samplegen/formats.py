"""The same documents in the other forms applicants send them in (issue #19): Word/Excel 97-2003 and WPS files made
from the .docx/.xlsx by LibreOffice, a statement photographed one JPEG a page, and a whole packet in one .zip whose
names are GBK bytes without the UTF-8 flag, as Chinese Windows writes them. The content is the modern file's, so
the expected outcome is the same (the oracle only renames the documents)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from PIL import Image

from .params import ScanStyle
from .scan import scan_pages

PHOTO = ScanStyle(dpi=150, skew=0.9, noise=4.0, seal_signature=True)
_FILTERS = {".doc": "doc", ".wps": "doc", ".xls": "xls", ".et": "xls"}  # WPS saves .wps/.et in the 97-2003 format
_EXIF_ORIENTATION = 0x0112
_ZIP_TIME = (2012, 5, 20, 9, 30, 0)


def convert(src: Path, dst: Path) -> None:
    """``dst`` (.doc, .xls, .wps, .et): ``src`` (.docx/.xlsx) saved by LibreOffice in the 97-2003 format."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError("samplegen needs LibreOffice for the .doc/.xls/WPS samples: "
                           "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory(prefix="samplegen-lo-") as tmp:
        work = Path(tmp)
        subprocess.run([soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                        "--convert-to", _FILTERS[dst.suffix], "--outdir", str(work / "out"), str(src)],
                       check=True, capture_output=True, timeout=180)
        made = work / "out" / f"{src.stem}.{_FILTERS[dst.suffix]}"
        shutil.move(made, dst)
    src.unlink()


def photograph(pdf: Path, pages: list[Path], seed: str) -> None:
    """The statement ``pdf`` photographed one JPEG a page into ``pages`` (as many as it has pages); the second
    photo is stored turned a quarter with EXIF orientation 6, as a phone held sideways saves it."""
    shots = scan_pages(pdf, PHOTO, seed)
    if len(shots) != len(pages):
        raise ValueError(f"{pdf.name} has {len(shots)} pages, the oracle counts {len(pages)}")
    for n, ((jpeg, _, _), path) in enumerate(zip(shots, pages, strict=True), 1):
        if n != 2:
            path.write_bytes(jpeg)
            continue
        with Image.open(io.BytesIO(jpeg)) as image:
            turned = image.transpose(Image.Transpose.ROTATE_90)  # shown upright after a quarter turn clockwise
            exif = Image.Exif()
            exif[_EXIF_ORIENTATION] = 6
            turned.save(path, format="JPEG", quality=PHOTO.quality, dpi=(PHOTO.dpi, PHOTO.dpi), exif=exif)
    pdf.unlink()


def zip_gbk(folder: Path, name: str) -> None:
    """Move every file of ``folder`` into ``folder/name`` (a .zip), each entry named in GBK bytes without the UTF-8
    flag: written under ASCII stand-ins of the same byte length, which are then replaced in the headers."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    archive = folder / name
    stand_ins: dict[bytes, bytes] = {}
    with zipfile.ZipFile(archive, "w") as out:
        for n, path in enumerate(files):
            raw = path.name.encode("gbk")
            stand_in = f"~{n:03d}".encode().ljust(len(raw), b"~")
            stand_ins[stand_in] = raw
            info = zipfile.ZipInfo(stand_in.decode(), date_time=_ZIP_TIME)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            out.writestr(info, path.read_bytes())
    data = archive.read_bytes()
    for stand_in, raw in stand_ins.items():
        if data.count(stand_in) != 2:  # the local header and the central directory, nowhere else
            raise ValueError(f"the stand-in name {stand_in!r} is not unique in {name}")
        data = data.replace(stand_in, raw)
    archive.write_bytes(data)
    for path in files:
        path.unlink()
