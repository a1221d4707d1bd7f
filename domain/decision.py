"""Who decides, what a decision makes a certification eligible for, and provenance."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain.errors import (
    DecisionDateError,
    InvalidDecisionError,
    ReasonRequiredError,
    is_storable,
    shown,
)
from domain.school_year import SchoolYear

MAX_TEXT = 500
# Letters that print as nothing (Hangul fillers, the blank Braille pattern).
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


class Body(Enum):
    """A body whose decisions put certifications on (or off) a year's list."""

    SWIB = "State Workforce Investment Board"
    SBE = "State Board of Education"


class Purpose(Enum):
    """What a certification on the list counts for; each is its own fact."""

    # SBE approval for the year: Acceleration component, Accountability Business Rule 9.2.
    ACCOUNTABILITY_ACCELERATION = "Acceleration component of the accountability model (BR 9.2)"
    # SWIB recognition: Perkins V program-quality indicator.
    PERKINS_PROGRAM_QUALITY = "Perkins V program-quality indicator"
    # SWIB recognition: industry certification grants, SB 2447.
    INDUSTRY_CERTIFICATION_GRANT = "Industry certification grants (SB 2447)"

    @staticmethod
    def granted_by(body: Body) -> tuple[Purpose, ...]:
        """The purposes a body's decision confers."""
        if body is Body.SBE:
            return (Purpose.ACCOUNTABILITY_ACCELERATION,)
        return (Purpose.PERKINS_PROGRAM_QUALITY, Purpose.INDUSTRY_CERTIFICATION_GRANT)


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision of a body, with where it is written down.

    ``reference`` is the agenda item or motion (``Consent agenda item J``);
    ``document`` names the source document and ``document_sha256`` pins its content.
    """

    body: Body
    decided_on: date
    reference: str = ""
    business_rule: str = ""
    document: str = ""
    document_sha256: str = ""

    def __post_init__(self) -> None:
        for field in ("reference", "business_rule", "document", "document_sha256"):
            value = getattr(self, field)
            if not isinstance(value, str) or len(value) > MAX_TEXT or not is_storable(value):
                msg = (f"Invalid decision {field} {shown(value)}: text of at most {MAX_TEXT} "
                       "characters expected")
                raise InvalidDecisionError(msg)

    @classmethod
    def from_record(
        cls, body: Body, decided_on: date, reference: str, business_rule: str, document: str,
        document_sha256: str,
    ) -> Decision:
        """A decision read back from the record, which was checked when it was made."""
        decision = object.__new__(cls)
        for name, value in (("body", body), ("decided_on", decided_on), ("reference", reference),
                            ("business_rule", business_rule), ("document", document),
                            ("document_sha256", document_sha256)):
            object.__setattr__(decision, name, value)
        return decision

    def check_for(self, year: SchoolYear, *, today: date) -> None:
        """Refuse a date that contradicts the school year it decides.

        A list for a school year is decided during the school year before it or
        during the year itself, and never in the future.
        """
        earliest, latest = date(year.start - 1, 7, 1), year.last_day
        if not earliest <= self.decided_on <= latest:
            msg = (
                f"Decision date {self.decided_on.isoformat()} contradicts school year "
                f"{year}: decisions for it are dated {earliest.isoformat()} to "
                f"{latest.isoformat()}"
            )
            raise DecisionDateError(msg)
        if self.decided_on > today:
            msg = f"Decision date {self.decided_on.isoformat()} is in the future"
            raise DecisionDateError(msg)

    def require_body(self, body: Body, what: str) -> None:
        if self.body is not body:
            msg = f"{what} is decided by the {body.name}, not the {self.body.name}"
            raise InvalidDecisionError(msg)

    def describe(self) -> str:
        parts = [self.body.name, self.decided_on.isoformat(), self.reference]
        return ", ".join(p for p in parts if p)


def require_reason(reason: str) -> str:
    """A removal must say why; blank reasons (invisible characters only) are refused."""
    visible = "".join(c for c in reason if unicodedata.category(c) != "Cf" and c not in _BLANKS) \
        if isinstance(reason, str) else ""
    cleaned = " ".join(visible.split())
    if cleaned and not is_storable(cleaned):
        raise InvalidDecisionError(f"Reason {shown(cleaned)} is not valid text")
    if not cleaned:
        msg = f"A reason is required, got {shown(reason)}"
        raise ReasonRequiredError(msg)
    if len(cleaned) > MAX_TEXT:
        msg = f"Reason is longer than {MAX_TEXT} characters"
        raise InvalidDecisionError(msg)
    return cleaned
