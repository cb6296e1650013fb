"""The README and the docs say what is true: the two commands are CI's, links resolve, options exist.

A newcomer copies the README's commands; CI (``.ci/run``) runs the same set-up and test command. These
tests fail when the README drifts from CI, links a file that is not in the repository (or outside it: a
fresh clone has nothing beside it), shows an ``omreview`` option the command does not have, or names an
``OMREVIEW_*`` variable nothing reads.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = [README, ROOT / "dashboard" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE_FOLDERS = ("pipeline", "extractors", "validators", "flows", "dashboard", "omreview", "tests", "scripts")

_FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
_OMREVIEW = re.compile(r"(?:^|[\s/`])omreview\s+([a-z]+)\b(.*)")
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_anchor(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}


def _commands() -> dict[str, Any]:
    """The ``omreview`` subcommands: the typer app the entry point pyproject.toml declares runs (``launch.main``
    hands every command to ``omreview.cli.app``, a run maybe to the warm runner that runs that same app)."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["omreview"] == "omreview.launch:main"
    group = typer.main.get_command(importlib.import_module("omreview.cli").app)
    return dict(group.commands)  # type: ignore[attr-defined]  # a group (typer's own click)


def _shown_options(text: str) -> list[tuple[str, str, str]]:
    """(command, option, the line) for every ``omreview CMD ... --option`` in code blocks and code spans.

    A code block's line that starts with whitespace and ``[`` continues the command above it (the usage
    block's wrapped lines); a ``#`` starts a comment."""
    shown: list[tuple[str, str, str]] = []
    for block in _FENCE.findall(text):
        current = None
        for line in block.splitlines():
            code = line.split(" #", 1)[0]
            match = _OMREVIEW.search(code)
            if match:
                current = match.group(1)
                rest = match.group(2)
            elif current and re.match(r"\s+\[", code):
                rest = code
            else:
                current = None
                continue
            shown += [(current, opt, line.strip()) for opt in _OPTION.findall(rest)]
    outside = _FENCE.sub("", text)
    for span in re.findall(r"`([^`\n]+)`", outside):
        match = _OMREVIEW.search(span)
        if match:
            shown += [(match.group(1), opt, span) for opt in _OPTION.findall(match.group(2))]
    return shown


def test_the_readme_starts_with_the_two_commands_ci_runs() -> None:
    blocks = _FENCE.findall(README.read_text(encoding="utf-8"))
    setup, tests = blocks[0].strip(), blocks[1].strip()
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    setup_steps = setup.split(" && ")
    assert setup_steps[:3] == [line for line in ci if line.startswith(("python3 -m venv", ".venv/bin/pip"))]
    assert setup_steps[3] == ".venv/bin/omreview batch sample_docs --out out"
    assert tests == ci[-1] == ".venv/bin/ruff check . && .venv/bin/mypy && .venv/bin/python -m pytest"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(doc: Path) -> None:
    broken = []
    for target in _LINK.findall(_FENCE.sub("", doc.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        if not path.is_relative_to(ROOT):
            broken.append(f"{target} (outside the repository)")
        elif not path.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and path.suffix == ".md" and fragment not in _anchors(path):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{doc.relative_to(ROOT)}: {broken}"


def test_every_option_the_docs_show_exists_in_the_command() -> None:
    commands = _commands()
    missing = []
    for doc in DOCS:
        for command, option, line in _shown_options(doc.read_text(encoding="utf-8")):
            if command not in commands:
                missing.append(f"{doc.name}: no command 'omreview {command}' ({line})")
                continue
            known = {opt for param in commands[command].params for opt in param.opts}
            if option not in known | {"--help"}:
                missing.append(f"{doc.name}: 'omreview {command}' has no {option} ({line})")
    assert not missing, "\n".join(missing)


def test_the_option_check_sees_the_usage_block() -> None:
    """The check above cannot pass by finding nothing: it sees the usage block's wrapped lines."""
    shown = {(cmd, opt) for cmd, opt, _ in _shown_options(README.read_text(encoding="utf-8"))}
    assert {("batch", "--settle"), ("batch", "--dask"), ("serve", "--cron"), ("export", "--include-withdrawn"),
            ("run", "--application-date")} <= shown
    assert ("batch", "--no-such-option") in {
        (c, o) for c, o, _ in _shown_options("```sh\nomreview batch X --out O\n    [--no-such-option]\n```\n")}


def test_every_omreview_variable_the_docs_name_is_read_by_the_code() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for folder in CODE_FOLDERS if (ROOT / folder).is_dir()
                     for p in (ROOT / folder).rglob("*.py") if p.name != "test_readme.py")
    named = {v for doc in DOCS for v in re.findall(r"OMREVIEW_[A-Z_]*[A-Z]", doc.read_text(encoding="utf-8"))}
    assert named, "the README names no OMREVIEW_* variable: the check would prove nothing"
    assert not sorted(v for v in named if v not in code)
