"""Masking personal data for display and export: 身份证号 in any text, and values of name fields.

Reports mask personal data already (validators do); the dashboard and the exports pass every text
they show through :func:`mask_text` once more, so a number that reached a message or a source text
unmasked (an OCR line, a future check) is still masked. Names cannot be recognised in free text:
they are masked where they are known to be names (:func:`mask_name` on a roster's name column).

File and folder names are data too: a 身份证号 in an applicant folder's name or a file's path is
masked (:func:`mask_path`) where the packet is listed, so the applicant id, ``documents[].file`` and
every source's ``file`` hold the masked form, in report.json, the store and on pages. The masked id
is stable (the same folder always gives the same id) and only the identifier's middle digits are
hidden; two folders that mask alike are refused by ``omreview.packet.applicant_folders``.
"""

from __future__ import annotations

import re
from typing import Any, overload

from omreview.identifiers import mask_id_number, mask_name

_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# An 18-character 身份证号 (region, birth date 18xx-20xx, sequence, check character) or an old
# 15-digit one, standing alone (not inside a longer run of letters or digits such as a sha256).
ID_NUMBER_IN_TEXT = re.compile(
    rf"(?<![0-9A-Za-z])(?:[1-9]\d{{5}}(?:18|19|20)\d{{2}}{_DATE}\d{{3}}[\dXx]|[1-9]\d{{7}}{_DATE}\d{{3}})(?![0-9A-Za-z])"
)

__all__ = ["ID_NUMBER_IN_TEXT", "mask_any", "mask_name", "mask_path", "mask_text"]


@overload
def mask_text(text: str) -> str: ...
@overload
def mask_text(text: None) -> None: ...
@overload
def mask_text(text: str | None) -> str | None: ...
def mask_text(text: str | None) -> str | None:
    """``text`` with every 身份证号 in it masked: ``…110105194912310021…`` → ``…1101**********0021…``."""
    if not text:
        return text
    return ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)


def mask_any(value: Any) -> Any:
    """:func:`mask_text` applied to every string inside ``value`` (dicts, lists, tuples); other values as they are."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_any(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_any(v) for v in value)
    return value


def mask_path(path: str) -> str:
    """A file or folder name (or a relative path) with every 身份证号 in it masked, the rest as it is:
    ``张三110105194912310021/身份证.pdf`` → ``张三1101**********0021/身份证.pdf``."""
    return mask_text(path)
