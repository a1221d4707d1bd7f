"""A certification list as read from a document, before anything is recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.errors import DocumentError, StatedCountMismatchError
from domain.school_year import SchoolYear


@dataclass(frozen=True, slots=True)
class ListedRow:
    """One row of the list: where a certification sits and whether SWIB recognized it."""

    sector: str
    pathway: str
    certification: str
    swib_recognized: bool
    line: int = 0
    note: str = ""

    def as_tuple(self) -> tuple[str, str, str, str]:
        """The row as the fixture's four columns."""
        return (self.sector, self.pathway, self.certification, "Yes" if self.swib_recognized else "No")


@dataclass(frozen=True, slots=True)
class CertificationList:
    """The rows of a document and the decisions it records.

    ``swib_voted_on`` and ``sbe_approved_on`` are the dates of the two decisions the
    document evidences (either may be absent for a hand-typed list).
    """

    document: str
    sha256: str
    school_year: SchoolYear
    rows: tuple[ListedRow, ...]
    swib_voted_on: date | None = None
    sbe_approved_on: date | None = None
    agenda_item: str = ""
    business_rule: str = ""
    stated_count: int | None = None
    corrections: tuple[str, ...] = field(default_factory=tuple)

    def check(self) -> None:
        """Refuse a list with no rows, no decision, or a count other than it states."""
        if not self.rows:
            raise DocumentError(f"{self.document}: no certification rows were found")
        if self.swib_voted_on is None and self.sbe_approved_on is None:
            raise DocumentError(f"{self.document}: no SWIB vote or SBE approval date was found")
        if self.stated_count is not None and self.stated_count != len(self.rows):
            raise StatedCountMismatchError(
                f"{self.document} states {self.stated_count} industry certifications but "
                f"its table reads as {len(self.rows)} rows; nothing was recorded"
            )

    @property
    def sbe_reference(self) -> str:
        return f"Consent agenda item {self.agenda_item}" if self.agenda_item else "SBE approval"
