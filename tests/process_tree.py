"""What the tests ask of the processes a command started: is one still running, which are below it."""

from __future__ import annotations

import os
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (a zombie counts: its parent has not reaped it yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid``, with its command line. Processes come and go while it looks: one that ended
    meanwhile is left out, never an error."""
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        children: list[str] = []
        try:
            tasks = os.listdir(f"/proc/{parent}/task")  # each thread's children (readers start in threads)
        except OSError:  # it ended since its parent named it
            continue
        for task in tasks:
            try:
                children += Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
        for child in map(int, children):
            try:
                found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            todo.append(child)
    return found
