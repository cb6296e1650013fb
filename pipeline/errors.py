"""The small exception tree of omreview.

- ``InputError``: the user's input is wrong (a folder that does not exist, a bad date); the CLI
  prints the message and exits with status 2, no traceback.
- ``DocumentError``: one file cannot be read; it becomes a document with status ``error`` and the
  rest of the packet goes on.
- ``RulesError``: our own configuration (the rules file) is wrong; fails loudly at start-up.
- ``AmountError``: a string is not an amount (a ``ValueError``, so callers may treat it as one).

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
