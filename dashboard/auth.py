"""Reviewers' credentials: a text file of ``name:pbkdf2_sha256$iterations$salt$hash`` lines.

Passwords are never stored, only salted PBKDF2-SHA256 hashes (Python's hashlib, no extra
dependency). Add a reviewer with ``python -m omreview.dashboard.auth add FILE NAME`` (asks for the password).
"""

from __future__ import annotations

import base64
import functools
import getpass
import hashlib
import hmac
import secrets
import sys
from pathlib import Path

from omreview.errors import InputError

_SCHEME = "pbkdf2_sha256"
ITERATIONS = 600_000


def hash_password(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{_SCHEME}${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _check(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        actual = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
        return hmac.compare_digest(actual, base64.b64decode(digest))
    except ValueError:
        return False


def load_credentials(path: Path) -> dict[str, str]:
    """name → stored hash; ``InputError`` if the file is missing, malformed or names nobody."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the credentials file {path}: {exc.strerror or exc}") from exc
    creds: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, stored = line.rpartition(":")
        if not sep or not name.strip() or not stored.startswith(f"{_SCHEME}$"):
            raise InputError(f"credentials file {path}, line {number}: expected name:{_SCHEME}$…")
        creds[name.strip()] = stored
    if not creds:
        raise InputError(f"the credentials file {path} names no reviewer")
    return creds


def verify(credentials: dict[str, str], name: str, password: str) -> bool:
    """True when ``name`` is a reviewer and ``password`` is theirs (same work for unknown names)."""
    stored = credentials.get(name.strip())
    ok = _check(password, stored or _dummy())
    return ok and stored is not None


@functools.cache
def _dummy() -> str:
    return hash_password("", salt=b"\0" * 16)


def add_reviewer(path: Path, name: str, password: str, iterations: int = ITERATIONS) -> None:
    """Add or replace ``name`` in the credentials file (created if needed)."""
    name = name.strip()
    if not name or ":" in name or "\n" in name:
        raise InputError("a reviewer name must be non-empty and hold no colon")
    if len(password) < 8:
        raise InputError("a password needs at least 8 characters")
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    kept = [ln for ln in lines if ln.rpartition(":")[0].strip() != name]
    path.write_text("\n".join([*kept, f"{name}:{hash_password(password, iterations)}"]) + "\n", encoding="utf-8")
    path.chmod(0o600)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] != "add":
        print("usage: python -m omreview.dashboard.auth add FILE NAME", file=sys.stderr)
        return 2
    password = getpass.getpass(f"password for {args[2]}: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    try:
        add_reviewer(Path(args[1]), args[2], password)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"reviewer {args[2]} written to {args[1]}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
