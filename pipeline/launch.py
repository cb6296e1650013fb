"""The ``omreview`` command: ``omreview run`` goes to the warm runner of its output folder when one takes it
(``omreview.handoff``); every other command, and a run no runner takes, to ``omreview.cli``."""

from __future__ import annotations

import os
import sys

from omreview import handoff


def main() -> None:
    handoff.remember_env()
    code = handoff.hand_over(sys.argv, os.environ)
    if code is not None:
        sys.exit(code)
    from omreview.cli import app

    app()
