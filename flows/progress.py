"""Progress of a batch, for whoever is watching (the command line's progress bar). No Prefect here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# called with ("total", n, None) once, then ("done", applicant id, outcome) per applicant
Observer = Callable[[str, int | str, str | None], None]
_observer: ContextVar[Observer | None] = ContextVar("omreview_progress", default=None)


@contextmanager
def observe(callback: Observer) -> Iterator[None]:
    token = _observer.set(callback)
    try:
        yield
    finally:
        _observer.reset(token)


def total(n: int) -> None:
    if (callback := _observer.get()) is not None:
        callback("total", n, None)


def done(applicant_id: str, outcome: str) -> None:
    if (callback := _observer.get()) is not None:
        callback("done", applicant_id, outcome)
