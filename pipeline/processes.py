"""Small helpers for the child processes omreview starts (document workers, the local Prefect server)."""

from __future__ import annotations

import subprocess
import sys


def child_stdout() -> int:
    """Where a child's stdout goes: our stderr when it has a file descriptor (keeps our stdout clean), else nowhere."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return subprocess.DEVNULL
