"""What differs between two school years' lists, and the recorded events that made it so."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from domain.decision import Body, Purpose
from events.queries import CatalogRow, HistoryEntry

# The kinds of event that can explain each kind of change, in the later year...
EXPLAINS = {
    "added": {"PLACEMENT_APPROVED", "SWIB_VOTE_RECORDED", "PLACEMENT_MOVED"},
    "removed": {"PLACEMENT_REMOVED", "PLACEMENT_DROPPED", "SWIB_VOTE_RECORDED", "PLACEMENT_MOVED"},
    "renamed": {"CERTIFICATION_RENAMED"},
    "moved": {"PLACEMENT_MOVED", "PLACEMENT_APPROVED", "SWIB_VOTE_RECORDED", "PLACEMENT_REMOVED",
              "PLACEMENT_DROPPED"},
}
# ... and in the earlier year, once the later one was opened: taking a certification off
# the earlier list makes it "added" in the later one, and putting one on makes it "removed".
EXPLAINS_EARLIER = {
    "added": {"PLACEMENT_REMOVED", "SWIB_VOTE_RECORDED", "PLACEMENT_MOVED"},
    "removed": {"PLACEMENT_APPROVED", "SWIB_VOTE_RECORDED", "PLACEMENT_MOVED"},
    "renamed": {"CERTIFICATION_RENAMED"},
    "moved": EXPLAINS["moved"],
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


def relevant(entry: HistoryEntry, purpose: str) -> bool:
    """Whether the event decided anything about this purpose: removals and moves name the
    purposes they concern; other decisions concern those their body confers."""
    if entry.kind == "CERTIFICATION_RENAMED":
        return True
    if entry.purposes is not None:
        return purpose in entry.purposes.split(",")
    return purpose in {p.name for p in Purpose.granted_by(Body[entry.body])}


def compare(before_rows: list[CatalogRow], after_rows: list[CatalogRow],
            later_events: list[HistoryEntry], purpose: str = "ACCOUNTABILITY_ACCELERATION",
            earlier_events: Sequence[HistoryEntry] = ()) -> YearChanges:
    """Compare two lists and explain each change by the events that made the lists differ:
    the later year's, and the earlier year's recorded after the later year was opened
    (a change to the year carried from, made once the next year had its own list).
    A move or a placement removed within a certification is explained by the latest
    event on each placement that differs."""
    before, after = listed(before_rows), listed(after_rows)
    by_cert: dict[str, list[tuple[HistoryEntry, dict[str, set[str]]]]] = {}
    for events, explains in ((later_events, EXPLAINS), (earlier_events, EXPLAINS_EARLIER)):
        for entry in events:
            if entry.certification_id and relevant(entry, purpose):
                by_cert.setdefault(entry.certification_id, []).append((entry, explains))

    def change(kind: str, cert: str) -> CertificationChange:
        why = sorted((e for e, explains in by_cert.get(cert, []) if e.kind in explains[kind]),
                     key=lambda e: e.position)
        if kind == "moved":
            why = _latest_per_placement(why, set(before[cert].placements) ^ set(after[cert].placements))
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


def _latest_per_placement(events: list[HistoryEntry], placements: set[tuple[str, str]]) -> list[HistoryEntry]:
    """For each placement, the last event (of each year) that touched it, in recorded order."""
    latest: dict[tuple[str, tuple[str, str]], HistoryEntry] = {}
    for entry in events:
        for place in ((entry.sector, entry.pathway), (entry.to_sector, entry.to_pathway)):
            if place in placements:
                latest[(entry.school_year, place)] = entry  # type: ignore[index]
    return sorted({e.position: e for e in latest.values()}.values(), key=lambda e: e.position)
