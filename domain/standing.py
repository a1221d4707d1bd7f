"""What the record says of one placement in a year, and the changes a decision names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.certification import Placement
from domain.decision import Body, Purpose
from domain.errors import InvalidInputError


@dataclass
class Standing:
    """What the record says of one placement in the year."""

    sector: str
    pathway: str
    certification_id: str
    recognized: bool = False  # by a SWIB vote: Perkins and grant purposes
    approved: bool = False  # by the SBE: the Acceleration purpose
    last_decided: dict[str, str] = field(default_factory=dict)  # deciding body -> ISO date

    @property
    def listed(self) -> bool:
        return self.recognized or self.approved

    def holds(self, body: Body) -> bool:
        """Whether the body's decision puts this placement on the list now."""
        return self.approved if body is Body.SBE else self.recognized

    def withdraw(self, body: Body) -> None:
        if body is Body.SBE:
            self.approved = False
        else:
            self.recognized = False

    def copy(self) -> Standing:
        return Standing(self.sector, self.pathway, self.certification_id, self.recognized,
                        self.approved, dict(self.last_decided))

    @property
    def purposes(self) -> list[Purpose]:
        found: list[Purpose] = []
        if self.approved:
            found += Purpose.granted_by(Body.SBE)
        if self.recognized:
            found += Purpose.granted_by(Body.SWIB)
        return found

    @property
    def placement(self) -> Placement:
        return Placement(self.sector, self.pathway, self.certification_id)


@dataclass(frozen=True, slots=True)
class Move:
    """A certification moved from one placement to another sector and pathway."""

    certification_id: str
    sector: str
    pathway: str
    to_sector: str
    to_pathway: str


@dataclass(frozen=True, slots=True)
class Drop:
    """A certification (or one of its placements) left off or taken off the list."""

    certification_id: str
    reason: str
    sector: str = ""
    pathway: str = ""


def bodies_of(purposes: Iterable[str]) -> list[Body]:
    """The bodies whose decisions confer these purposes."""
    named = set(purposes)
    return [b for b in Body if any(p.name in named for p in Purpose.granted_by(b))]


def require_both(drop: Drop) -> None:
    if not (drop.sector and drop.pathway):
        raise InvalidInputError(
            f"To remove one placement of {drop.certification_id!r} give both its sector and its "
            "pathway; give neither to remove it from the whole year"
        )
