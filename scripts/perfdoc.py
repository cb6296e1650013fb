"""docs/performance.md as the benchmark scripts write it: each script owns one section, between
``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``, replaced whole (or appended) and the file re-read just before
writing, since other benchmarks write their own sections of the same file."""

from __future__ import annotations

from pathlib import Path

PERFORMANCE = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def write_section(name: str, lines: list[str]) -> None:
    """Replace (or append) the section ``bench:NAME`` with ``lines`` (without the markers)."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    body = "\n".join([begin, *lines, end])
    text = PERFORMANCE.read_text(encoding="utf-8")
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + body + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{body}\n"
    PERFORMANCE.write_text(text, encoding="utf-8")
    print(f"(written to docs/performance.md, section bench:{name})")
