"""Bearer tokens for editors: created on the command line, shown once, stored as hashes.

A token reads ``cl_<id>_<secret>``. Only the SHA-256 of the secret is stored, under the
id; checking a token finds the row by id and compares hashes in constant time. The
secret is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
Tokens live beside the read model but are not part of it: a rebuild leaves them alone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from domain.errors import AlreadyRecordedError, InvalidInputError, NotFoundError, shown
from events.sql import Database, retrying

ROLES = ("editor", "reader")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_TOKEN = re.compile(r"cl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")

DDL = """CREATE TABLE IF NOT EXISTS cl_tokens (
    name TEXT PRIMARY KEY, token_id TEXT NOT NULL UNIQUE, secret_sha256 TEXT NOT NULL,
    role TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)"""


@dataclass(frozen=True)
class TokenHolder:
    """Who a valid token belongs to."""

    name: str
    role: str

    @property
    def actor(self) -> str:
        """How the holder is named in the events they record."""
        return f"token:{self.name}"


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: str
    created_at: str
    revoked_at: str | None


class InvalidTokenError(Exception):
    """The bearer token is malformed, unknown or revoked."""


def check_holder_name(name: str, what: str = "name") -> str:
    """A name that stands for who recorded an event (a token's, or on the command line)."""
    if not _NAME.fullmatch(name or ""):
        raise InvalidInputError(f"Invalid {what} {shown(name)}: 1-64 letters, digits, '.', '_', '@' or '-'")
    return name


class TokenStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        with db.transaction() as tx:
            tx.execute(DDL)

    def create(self, name: str, role: str = "editor") -> str:
        """Create a token and return it: the only time its secret is ever seen."""
        check_holder_name(name, "token name")
        if role not in ROLES:
            raise InvalidInputError(f"Invalid role {role!r}: one of {', '.join(ROLES)}")
        token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.db.transaction() as tx:
            if tx.fetchone("SELECT 1 FROM cl_tokens WHERE name = ?", (name,)):
                raise AlreadyRecordedError(
                    f"A token named {name!r} already exists (or existed): names are never reused, "
                    "so every event's recordedBy names one token holder"
                )
            tx.execute(
                "INSERT INTO cl_tokens VALUES (?, ?, ?, ?, ?, NULL)",
                (name, token_id, _digest(secret), role, now),
            )
        return f"cl_{token_id}_{secret}"

    def revoke(self, name: str) -> bool:
        """Revoke a token; False if it was already revoked."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.db.transaction() as tx:
            row = tx.fetchone("SELECT revoked_at FROM cl_tokens WHERE name = ?", (name,))
            if row is None:
                raise NotFoundError(f"No token named {name!r}")
            if row[0] is not None:
                return False
            tx.execute("UPDATE cl_tokens SET revoked_at = ? WHERE name = ?", (now, name))
            return True

    @retrying
    def list(self) -> list[TokenInfo]:
        with self.db.reading() as tx:
            rows = tx.fetchall("SELECT name, role, created_at, revoked_at FROM cl_tokens ORDER BY name")
        return [TokenInfo(*r) for r in rows]

    @retrying
    def holder(self, token: str) -> TokenHolder:
        """Who holds this token; InvalidTokenError if nobody (or it was revoked)."""
        match = _TOKEN.fullmatch(token.strip())
        if match is None:
            raise InvalidTokenError("Malformed bearer token")
        token_id, secret = match.groups()
        with self.db.reading() as tx:
            row = tx.fetchone(
                "SELECT name, role, secret_sha256, revoked_at FROM cl_tokens WHERE token_id = ?",
                (token_id,),
            )
        # Compare even when the id is unknown, so timing does not tell ids apart.
        stored = row[2] if row else _digest("")
        if not hmac.compare_digest(stored, _digest(secret)) or row is None:
            raise InvalidTokenError("Unknown bearer token")
        if row[3] is not None:
            raise InvalidTokenError("This bearer token was revoked")
        return TokenHolder(name=row[0], role=row[1])


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
