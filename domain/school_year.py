"""School years, the unit every approval is made for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidSchoolYearError, shown

_LABEL = re.compile(r"(?P<start>[0-9]{4})-(?P<end>[0-9]{4}|[0-9]{2})")
# Years a label may name; outside this it is a typo. (Decisions cannot be dated in the
# future, so far-off years can be named but never decided for.)
EARLIEST_START, LATEST_START = 1900, 2999


@dataclass(frozen=True, order=True, slots=True)
class SchoolYear:
    """A school year, July 1 to June 30, printed ``2025-2026``."""

    start: int

    def __post_init__(self) -> None:
        if not EARLIEST_START <= self.start <= LATEST_START:
            msg = (
                f"School year starting {self.start} is outside "
                f"{EARLIEST_START}-{LATEST_START}"
            )
            raise InvalidSchoolYearError(msg)

    @classmethod
    def parse(cls, label: str) -> SchoolYear:
        """Read ``2025-2026`` or ``2025-26``; refuse anything else, naming it."""
        match = _LABEL.fullmatch(label) if isinstance(label, str) else None
        if match is None:
            msg = f"Invalid school year {shown(label)}: expected the form 2025-2026"
            raise InvalidSchoolYearError(msg)
        start, end = int(match["start"]), int(match["end"])
        if not EARLIEST_START <= start <= LATEST_START:
            msg = (f"Invalid school year {shown(label)}: school years start between "
                   f"{EARLIEST_START} and {LATEST_START}")
            raise InvalidSchoolYearError(msg)
        expected_end = start + 1 if len(match["end"]) == 4 else (start + 1) % 100
        if end != expected_end:
            msg = (
                f"Invalid school year {shown(label)}: a school year runs from one year "
                f"to the next, e.g. {start}-{start + 1}"
            )
            raise InvalidSchoolYearError(msg)
        return cls(start)

    @property
    def end(self) -> int:
        return self.start + 1

    @property
    def first_day(self) -> date:
        return date(self.start, 7, 1)

    @property
    def last_day(self) -> date:
        return date(self.end, 6, 30)

    def next(self) -> SchoolYear:
        return SchoolYear(self.start + 1)

    def previous(self) -> SchoolYear:
        return SchoolYear(self.start - 1)

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"
