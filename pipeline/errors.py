"""The small exception tree of omreview.

- ``InputError``: the user's input is wrong (a folder that does not exist, a bad date); the CLI
  prints the message and exits with status 2, no traceback.
- ``DocumentError``: one file cannot be read; it becomes a document with status ``error`` and the
  rest of the packet goes on.
- ``RulesError``: our own configuration (the rules file) is wrong; fails loudly at start-up.
- ``AmountError``: a string is not an amount (a ``ValueError``, so callers may treat it as one).
- ``EnvironmentFailure``: the machine or a service is not as the command needs it (a Prefect API that
  does not answer, a results store that is corrupt or unreachable, an output folder that is read-only
  or full, a port in use); the CLI prints the message, one line naming the cause, the path or URL and
  what to do, and exits with status 1 (``omreview.failures``). ``StoreError`` is the results store's.

Anything else is a bug and surfaces as one.
"""


class OmreviewError(Exception):
    """Base of every error omreview raises on purpose."""


class InputError(OmreviewError):
    """The caller's input (a folder, a parameter) is unusable."""


class DocumentError(OmreviewError):
    """One document cannot be read; the message is plain language for the report."""


class RulesError(OmreviewError):
    """The rules file is invalid."""


class AmountError(OmreviewError, ValueError):
    """A string cannot be read as an amount."""


class EnvironmentFailure(OmreviewError):
    """Set-up or environment failure; the message is one plain line: cause, path or URL (password masked), remedy."""


class StoreError(EnvironmentFailure):
    """The results store cannot be opened, migrated or written (corrupt, unreachable, read-only, full)."""
