"""Turning GraphQL arguments into domain values, refusing bad ones with a clear message."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timezone

from api.errors import UserError
from domain.errors import shown
from domain.school_year import SchoolYear


def parse_school_year(label: str) -> SchoolYear:
    """A school year argument; InvalidSchoolYearError (BAD_USER_INPUT) names a bad one."""
    return SchoolYear.parse(label)


def check_recorded_as_of(moment: datetime | None, name: str = "recordedAsOf") -> datetime | None:
    """A moment on the ledger's timeline: it must carry a time zone and be expressible in UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise UserError(
            f"{name} {moment.isoformat()!r} has no time zone: give one, e.g. {moment.isoformat()}Z"
        )
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise UserError(f"{name} {moment.isoformat()!r} is out of range") from None
    return moment


@dataclass(frozen=True)
class Page:
    """A validated page request: how many items, starting after which offset."""

    first: int
    offset: int


def encode_cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(kind: str, cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        prefix, _, value = text.partition(":")
        if prefix != kind or not value.isascii() or not value.isdigit() or len(value) > 15:
            raise ValueError(text)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise UserError(f"Invalid cursor {shown(cursor)}: pass a cursor this list returned") from None


def page(first: int | None, after: str | None, kind: str, *, default: int, maximum: int) -> Page:
    """Validate ``first`` (0..maximum) and decode ``after``."""
    count = default if first is None else first
    if count < 0 or count > maximum:
        raise UserError(f"Invalid first {count}: it must be between 0 and {maximum}")
    start = decode_cursor(kind, after) if after is not None else 0
    return Page(count, start)
