"""What differs between two school years' lists, and the recorded events that made it so."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from events.queries import CatalogRow, HistoryEntry

# The kinds of event that can explain each kind of change, in the later year.
EXPLAINS = {
    "added": {"PLACEMENT_APPROVED", "SWIB_VOTE_RECORDED", "PLACEMENT_MOVED"},
    "removed": {"PLACEMENT_REMOVED", "PLACEMENT_DROPPED", "SWIB_VOTE_RECORDED", "PLACEMENT_MOVED"},
    "renamed": {"CERTIFICATION_RENAMED"},
    "moved": {"PLACEMENT_MOVED", "PLACEMENT_APPROVED", "SWIB_VOTE_RECORDED", "PLACEMENT_REMOVED",
              "PLACEMENT_DROPPED"},
}


@dataclass(frozen=True)
class Listed:
    """A certification's standing in one year: its name and where it sits."""

    certification_id: str
    name: str
    placements: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CertificationChange:
    kind: str  # added | removed | renamed | moved
    certification_id: str
    before: Listed | None
    after: Listed | None
    events: list[HistoryEntry]


@dataclass
class YearChanges:
    added: list[CertificationChange] = field(default_factory=list)
    removed: list[CertificationChange] = field(default_factory=list)
    renamed: list[CertificationChange] = field(default_factory=list)
    moved: list[CertificationChange] = field(default_factory=list)
    unchanged: int = 0


def listed(rows: Iterable[CatalogRow]) -> dict[str, Listed]:
    """Each certification on a list, with its placements in list order."""
    names: dict[str, str] = {}
    places: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        names.setdefault(row.certification_id, row.name)
        places.setdefault(row.certification_id, []).append((row.sector, row.pathway))
    return {c: Listed(c, names[c], tuple(places[c])) for c in names}


def changed(before_rows: list[CatalogRow], after_rows: list[CatalogRow]) -> list[str]:
    """The certifications whose standing differs between two lists (the ones to explain)."""
    before, after = listed(before_rows), listed(after_rows)
    return sorted(c for c in before.keys() | after.keys() if before.get(c) != after.get(c)
                  and not (c in before and c in after and before[c].name == after[c].name
                           and set(before[c].placements) == set(after[c].placements)))


# Each body's events explain changes to the purposes it confers, not to the others.
NOT_FOR = {"ACCOUNTABILITY_ACCELERATION": "SWIB_VOTE_RECORDED"}
NOT_FOR_SWIB = "PLACEMENT_APPROVED"


def compare(before_rows: list[CatalogRow], after_rows: list[CatalogRow],
            later_events: list[HistoryEntry], purpose: str = "ACCOUNTABILITY_ACCELERATION") -> YearChanges:
    """Compare two lists; explain each change by the later year's events about it."""
    before, after = listed(before_rows), listed(after_rows)
    irrelevant = NOT_FOR.get(purpose, NOT_FOR_SWIB)
    later_events = [e for e in later_events if e.kind != irrelevant]
    by_cert: dict[str, list[HistoryEntry]] = {}
    for entry in later_events:
        if entry.certification_id:
            by_cert.setdefault(entry.certification_id, []).append(entry)

    def change(kind: str, cert: str) -> CertificationChange:
        why = [e for e in by_cert.get(cert, []) if e.kind in EXPLAINS[kind]]
        if kind == "moved":
            old, new = set(before[cert].placements), set(after[cert].placements)
            why = [e for e in why if _touches(e, old ^ new)]
        return CertificationChange(kind, cert, before.get(cert), after.get(cert), why)

    found = YearChanges()
    for cert in after:
        if cert not in before:
            found.added.append(change("added", cert))
    for cert in before:
        if cert not in after:
            found.removed.append(change("removed", cert))
            continue
        renamed = before[cert].name != after[cert].name
        moved = set(before[cert].placements) != set(after[cert].placements)
        if renamed:
            found.renamed.append(change("renamed", cert))
        if moved:
            found.moved.append(change("moved", cert))
        if not (renamed or moved):
            found.unchanged += 1
    return found


def _touches(entry: HistoryEntry, placements: set[tuple[str, str]]) -> bool:
    return (entry.sector, entry.pathway) in placements or (entry.to_sector, entry.to_pathway) in placements
