"""Queries on the read model. They return small frozen dataclasses, never rows.

Two kinds of time travel: ``as_of`` (a decision date) keeps only changes decided on
or before it; ``upto`` (an event position, found from a recorded-at time) keeps only
what the system had recorded by then. Without either, the current tables answer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timezone
from typing import Any

from events.sql import Database, Tx, retrying
from events.views import HISTORY_COLUMNS, PROJECTION

FOREVER = "9999-12-31"
NO_LIMIT = 2**62


@dataclass(frozen=True, slots=True)
class TimePoint:
    """A point in the record's two timelines; None means "now" on that timeline."""

    as_of: date | None = None
    upto: int | None = None

    @property
    def is_now(self) -> bool:
        return self.as_of is None and self.upto is None

    @property
    def decided_by(self) -> str:
        return self.as_of.isoformat() if self.as_of else FOREVER

    @property
    def recorded_by(self) -> int:
        return self.upto if self.upto is not None else NO_LIMIT


NOW = TimePoint()


@dataclass(frozen=True, slots=True)
class CatalogRow:
    sector: str
    pathway: str
    certification_id: str
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One recorded event, with its decision's provenance."""

    position: int
    school_year: str
    kind: str
    certification_id: str | None
    certification_name: str | None
    sector: str | None
    pathway: str | None
    to_sector: str | None
    to_pathway: str | None
    recognized: int | None
    old_name: str | None
    new_name: str | None
    purposes: str | None
    reason: str | None
    note: str | None
    carried_from: str | None
    carried_to: str | None
    effective_on: str | None
    body: str
    decided_on: str
    reference: str | None
    business_rule: str | None
    document: str | None
    document_sha256: str | None
    source_line: int | None
    recorded_by: str
    recorded_at: str

    @property
    def recorded_at_time(self) -> datetime:
        return datetime.fromisoformat(self.recorded_at)


assert tuple(f.name for f in fields(HistoryEntry)) == HISTORY_COLUMNS


@dataclass(frozen=True, slots=True)
class YearSummary:
    school_year: str
    carried_from: str | None
    opened_position: int
    version: int


@dataclass(frozen=True, slots=True)
class CertificationRecord:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PlacementRow:
    school_year: str
    sector: str
    pathway: str


@dataclass(frozen=True, slots=True)
class AuditFilter:
    school_year: str | None = None
    kind: str | None = None
    body: str | None = None
    certification_id: str | None = None
    recorded_after: datetime | None = None
    recorded_before: datetime | None = None


_HISTORY_SELECT = f"SELECT {', '.join(HISTORY_COLUMNS)} FROM cl_history"  # noqa: S608

_CATALOG_NOW = (
    "SELECT e.sector, e.pathway, e.certification_id, n.name, e.position FROM cl_eligible e "
    "JOIN cl_names n ON n.school_year = e.school_year AND n.certification_id = e.certification_id "
    "WHERE e.school_year = ? AND e.purpose = ? ORDER BY e.position"
)

# The latest change of each placement (by position) among those decided and recorded
# by the time point; decision dates never go backwards for one placement, so the
# latest by position is also the latest by decision date.
_CATALOG_AT = (
    "SELECT c.sector, c.pathway, c.certification_id, COALESCE(("
    "  SELECT nc.name FROM cl_name_changes nc WHERE nc.school_year = c.school_year"
    "  AND nc.certification_id = c.certification_id AND nc.applies_from <= ? AND nc.position <= ?"
    "  ORDER BY nc.position DESC LIMIT 1), n.name), c.position "
    "FROM cl_changes c JOIN cl_names n ON n.school_year = c.school_year "
    "AND n.certification_id = c.certification_id "
    "WHERE c.school_year = ? AND c.purpose = ? AND c.decided_on <= ? AND c.position <= ? "
    "AND c.eligible = 1 AND c.position = (SELECT MAX(c2.position) FROM cl_changes c2 "
    "  WHERE c2.school_year = c.school_year AND c2.purpose = c.purpose"
    "  AND c2.certification_id = c.certification_id AND c2.sector = c.sector"
    "  AND c2.pathway = c.pathway AND c2.decided_on <= ? AND c2.position <= ?) "
    "ORDER BY c.position"
)


class CatalogReader:
    """Reads the catalog read model."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @retrying
    def position(self) -> int:
        with self.db.reading() as tx:
            row = tx.fetchone("SELECT position FROM cl_position WHERE projection = ?", (PROJECTION,))
        return int(row[0]) if row else 0

    @retrying
    def catalog(self, year: str, purpose: str, at: TimePoint = NOW) -> list[CatalogRow]:
        """The placements eligible for the purpose in the year, in the order listed."""
        with self.db.reading() as tx:
            return _catalog(tx, year, purpose, at)

    @retrying
    def catalogs(
        self, years: tuple[str, str], purpose: str, at: TimePoint = NOW
    ) -> tuple[list[CatalogRow], list[CatalogRow]]:
        """Two years' catalogs read from one snapshot, so they agree with each other."""
        with self.db.reading() as tx:
            return _catalog(tx, years[0], purpose, at), _catalog(tx, years[1], purpose, at)

    @retrying
    def school_years(self, at: TimePoint = NOW) -> list[YearSummary]:
        with self.db.reading() as tx:
            rows = tx.fetchall(
                "SELECT school_year, carried_from, position, version FROM cl_school_years "
                "WHERE position <= ? ORDER BY school_year",
                (at.recorded_by,),
            )
            if at.as_of is not None:
                decided = {
                    r[0] for r in tx.fetchall(
                        "SELECT DISTINCT school_year FROM cl_history WHERE decided_on <= ? "
                        "AND position <= ?", (at.decided_by, at.recorded_by),
                    )
                }
                rows = [r for r in rows if r[0] in decided]
            if at.upto is not None:  # the version each year had reached by then
                counts = dict(tx.fetchall(
                    "SELECT school_year, COUNT(*) FROM cl_history WHERE position <= ? "
                    "GROUP BY school_year", (at.upto,),
                ))
                rows = [(*r[:3], int(counts.get(r[0], 0))) for r in rows]
        return [YearSummary(*r) for r in rows]

    @retrying
    def has_year(self, year: str, at: TimePoint = NOW) -> bool:
        with self.db.reading() as tx:
            row = tx.fetchone(
                "SELECT 1 FROM cl_history WHERE school_year = ? AND decided_on <= ? "
                "AND position <= ? LIMIT 1",
                (year, at.decided_by, at.recorded_by),
            )
        return row is not None

    @retrying
    def certification(self, id_or_name_key: str) -> CertificationRecord | None:
        """A certification by its id, or by the key of any name it has had."""
        with self.db.reading() as tx:
            row = tx.fetchone(
                "SELECT c.certification_id, c.name FROM cl_aliases a JOIN cl_certifications c "
                "ON c.certification_id = a.certification_id WHERE a.alias = ?",
                (id_or_name_key,),
            )
        return CertificationRecord(*row) if row else None

    @retrying
    def certifications(self, ids: list[str]) -> dict[str, CertificationRecord]:
        if not ids:
            return {}
        with self.db.reading() as tx:
            rows = tx.fetchall(
                "SELECT certification_id, name FROM cl_certifications WHERE certification_id IN "
                f"({', '.join('?' * len(ids))})",  # noqa: S608 - placeholders only
                ids,
            )
        return {r[0]: CertificationRecord(*r) for r in rows}

    def lookup(self, key: str) -> tuple[str, str] | None:
        """(id, latest name) of the certification a name key belongs to, if any."""
        found = self.certification(key)
        return (found.id, found.name) if found else None

    @retrying
    def placements(
        self, certification_ids: list[str], purpose: str, at: TimePoint = NOW
    ) -> dict[str, list[PlacementRow]]:
        """Where each certification is listed for a purpose, by school year, at a time point."""
        if not certification_ids:
            return {}
        marks = ", ".join("?" * len(certification_ids))
        with self.db.reading() as tx:
            if at.is_now:
                rows = tx.fetchall(
                    "SELECT certification_id, school_year, sector, pathway FROM cl_eligible "
                    f"WHERE purpose = ? AND certification_id IN ({marks}) "  # noqa: S608
                    "ORDER BY school_year, position",
                    [purpose, *certification_ids],
                )
            else:
                d, p = at.decided_by, at.recorded_by
                rows = tx.fetchall(
                    "SELECT c.certification_id, c.school_year, c.sector, c.pathway FROM cl_changes c "
                    f"WHERE c.purpose = ? AND c.certification_id IN ({marks}) "  # noqa: S608
                    "AND c.decided_on <= ? AND c.position <= ? AND c.eligible = 1 "
                    "AND c.position = (SELECT MAX(c2.position) FROM cl_changes c2 "
                    "  WHERE c2.school_year = c.school_year AND c2.purpose = c.purpose"
                    "  AND c2.certification_id = c.certification_id AND c2.sector = c.sector"
                    "  AND c2.pathway = c.pathway AND c2.decided_on <= ? AND c2.position <= ?) "
                    "ORDER BY c.school_year, c.position",
                    [purpose, *certification_ids, d, p, d, p],
                )
        found: dict[str, list[PlacementRow]] = {c: [] for c in certification_ids}
        for cert, *rest in rows:
            found[cert].append(PlacementRow(*rest))
        return found

    @retrying
    def history(
        self, certification_ids: list[str], at: TimePoint = NOW, *, year: str | None = None,
        after: int = 0, limit: int = NO_LIMIT,
    ) -> dict[str, list[HistoryEntry]]:
        """The events concerning each certification, in recorded order: at most ``limit``
        each, after a position, optionally only one school year's."""
        if not certification_ids:
            return {}
        where = (f"certification_id IN ({', '.join('?' * len(certification_ids))}) AND decided_on <= ? "
                 "AND position <= ? AND position > ?")
        params: list[Any] = [*certification_ids, at.decided_by, at.recorded_by, after]
        if year is not None:
            where += " AND school_year = ?"
            params.append(year)
        with self.db.reading() as tx:
            rows = tx.fetchall(
                f"SELECT {', '.join(HISTORY_COLUMNS)} FROM (SELECT *, ROW_NUMBER() OVER ("  # noqa: S608
                f"PARTITION BY certification_id ORDER BY position) AS n FROM cl_history WHERE {where}) h "
                "WHERE n <= ? ORDER BY position",
                [*params, limit],
            )
        found: dict[str, list[HistoryEntry]] = {c: [] for c in certification_ids}
        for row in rows:
            entry = HistoryEntry(*row)
            found[entry.certification_id or ""].append(entry)
        return found

    @retrying
    def opened_at(self, year: str, at: TimePoint = NOW) -> int | None:
        """The position of the event that opened the year, if it was recorded by then."""
        with self.db.reading() as tx:
            row = tx.fetchone("SELECT position FROM cl_school_years WHERE school_year = ? AND position <= ?",
                              (year, at.recorded_by))
        return int(row[0]) if row else None

    @retrying
    def year_history(
        self, year: str, at: TimePoint = NOW, certification_ids: list[str] | None = None, *, after: int = 0
    ) -> list[HistoryEntry]:
        """A year's events after a position (only those about the given certifications, if given)."""
        where = "school_year = ? AND decided_on <= ? AND position <= ? AND position > ?"
        params: list[Any] = [year, at.decided_by, at.recorded_by, after]
        if certification_ids is not None:
            if not certification_ids:
                return []
            where += f" AND certification_id IN ({', '.join('?' * len(certification_ids))})"
            params += certification_ids
        with self.db.reading() as tx:
            rows = tx.fetchall(f"{_HISTORY_SELECT} WHERE {where} ORDER BY position", params)  # noqa: S608
        return [HistoryEntry(*r) for r in rows]

    @retrying
    def year_history_after(self, year: str, after: int) -> list[HistoryEntry]:
        """The year's events recorded after a position, in order (for live updates)."""
        with self.db.reading() as tx:
            rows = tx.fetchall(
                f"{_HISTORY_SELECT} WHERE school_year = ? AND position > ? ORDER BY position",
                (year, after),
            )
        return [HistoryEntry(*r) for r in rows]

    @retrying
    def audit_log(self, where: AuditFilter, *, after: int, limit: int) -> tuple[list[HistoryEntry], int]:
        """A page of events in recorded order after a position, and how many match in all."""
        clauses, params = _audit_clauses(where)
        condition = " AND ".join(clauses) or "1 = 1"
        with self.db.reading() as tx:
            rows = tx.fetchall(
                f"{_HISTORY_SELECT} WHERE {condition} AND position > ? ORDER BY position LIMIT ?",
                [*params, after, limit],
            )
            total = tx.fetchone(f"SELECT COUNT(*) FROM cl_history WHERE {condition}", params)  # noqa: S608
        return [HistoryEntry(*r) for r in rows], int(total[0]) if total else 0

    @retrying
    def position_recorded_by(self, moment: datetime) -> int:
        """The last event position recorded at or before a moment (0 if none)."""
        stamp = moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
        with self.db.reading() as tx:
            row = tx.fetchone("SELECT MAX(position) FROM cl_history WHERE recorded_at <= ?", (stamp,))
        return int(row[0]) if row and row[0] is not None else 0

    @retrying
    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, sorted: for checking a rebuild against the live model."""
        from events.views import TABLES

        with self.db.reading() as tx:
            return {t: sorted(tx.fetchall(f"SELECT * FROM {t}"), key=repr) for t in TABLES}  # noqa: S608


def _catalog(tx: Tx, year: str, purpose: str, at: TimePoint) -> list[CatalogRow]:
    if at.is_now:
        rows = tx.fetchall(_CATALOG_NOW, (year, purpose))
    else:
        d, p = at.decided_by, at.recorded_by
        rows = tx.fetchall(_CATALOG_AT, (d, p, year, purpose, d, p, d, p))
    return [CatalogRow(*r) for r in rows]


def _audit_clauses(where: AuditFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column in ("school_year", "kind", "body", "certification_id"):
        value = getattr(where, column)
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if where.recorded_after is not None:
        clauses.append("recorded_at > ?")
        params.append(where.recorded_after.astimezone(timezone.utc).isoformat(timespec="microseconds"))
    if where.recorded_before is not None:
        clauses.append("recorded_at < ?")
        params.append(where.recorded_before.astimezone(timezone.utc).isoformat(timespec="microseconds"))
    return clauses, params
