"""The read model's tables and how each event changes them.

Append-only tables keep every change, which is what the as-of queries and the
audit log read; "current" tables keep the latest state, which is what ordinary
queries read, so their cost does not grow with history:

* ``cl_history``          one row per event: the audit log and each certification's history
* ``cl_changes``          one row per event and purpose a placement's eligibility changed
* ``cl_eligible``         current eligibility: (school year, purpose, placement)
* ``cl_name_changes``     every display name a certification had in a year, by position
* ``cl_names``            current display name of each certification in each year
* ``cl_certifications``   each certification's latest name; ``cl_aliases`` every name key
* ``cl_school_years``     each year on record
* ``cl_position``         how far each projection has read the event log

Positions are the event store's notification ids. Every batch of events is written
with the new position in one transaction, so a crash replays the batch or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from domain.catalog import YearCatalog
from domain.certification import certification_key
from domain.decision import Body, Purpose
from events.application import event_kind
from events.sql import Tx

PROJECTION = "catalog"

TABLES = (
    "cl_history", "cl_changes", "cl_eligible", "cl_name_changes", "cl_names",
    "cl_certifications", "cl_aliases", "cl_school_years",
)

HISTORY_COLUMNS = (
    "position", "school_year", "kind", "certification_id", "certification_name", "sector",
    "pathway", "to_sector", "to_pathway", "recognized", "old_name", "new_name", "purposes",
    "reason", "note", "carried_from", "carried_to", "effective_on", "body", "decided_on", "reference",
    "business_rule", "document", "document_sha256", "source_line", "recorded_by", "recorded_at",
)

CHANGES_COLUMNS = (
    "school_year", "purpose", "certification_id", "sector", "pathway", "position", "eligible", "decided_on",
)

DDL = (
    """CREATE TABLE IF NOT EXISTS cl_history (
        position BIGINT PRIMARY KEY, school_year TEXT NOT NULL, kind TEXT NOT NULL,
        certification_id TEXT, certification_name TEXT, sector TEXT, pathway TEXT,
        to_sector TEXT, to_pathway TEXT, recognized INTEGER, old_name TEXT, new_name TEXT,
        purposes TEXT, reason TEXT, note TEXT, carried_from TEXT, carried_to TEXT,
        effective_on TEXT, body TEXT NOT NULL,
        decided_on TEXT NOT NULL, reference TEXT, business_rule TEXT, document TEXT,
        document_sha256 TEXT, source_line INTEGER, recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS cl_history_cert ON cl_history (certification_id, position)",
    "CREATE INDEX IF NOT EXISTS cl_history_year ON cl_history (school_year, position)",
    "CREATE INDEX IF NOT EXISTS cl_history_recorded ON cl_history (recorded_at, position)",
    """CREATE TABLE IF NOT EXISTS cl_changes (
        school_year TEXT NOT NULL, purpose TEXT NOT NULL, certification_id TEXT NOT NULL,
        sector TEXT NOT NULL, pathway TEXT NOT NULL, position BIGINT NOT NULL,
        eligible INTEGER NOT NULL, decided_on TEXT NOT NULL,
        PRIMARY KEY (school_year, purpose, certification_id, sector, pathway, position))""",
    """CREATE TABLE IF NOT EXISTS cl_eligible (
        school_year TEXT NOT NULL, purpose TEXT NOT NULL, certification_id TEXT NOT NULL,
        sector TEXT NOT NULL, pathway TEXT NOT NULL, position BIGINT NOT NULL,
        PRIMARY KEY (school_year, purpose, certification_id, sector, pathway))""",
    "CREATE INDEX IF NOT EXISTS cl_eligible_cert ON cl_eligible (certification_id)",
    """CREATE TABLE IF NOT EXISTS cl_name_changes (
        school_year TEXT NOT NULL, certification_id TEXT NOT NULL, position BIGINT NOT NULL,
        name TEXT NOT NULL, applies_from TEXT NOT NULL,
        PRIMARY KEY (school_year, certification_id, position))""",
    """CREATE TABLE IF NOT EXISTS cl_names (
        school_year TEXT NOT NULL, certification_id TEXT NOT NULL, name TEXT NOT NULL,
        PRIMARY KEY (school_year, certification_id))""",
    """CREATE TABLE IF NOT EXISTS cl_certifications (
        certification_id TEXT PRIMARY KEY, name TEXT NOT NULL, school_year TEXT NOT NULL,
        position BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS cl_aliases (
        alias TEXT PRIMARY KEY, certification_id TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS cl_school_years (
        school_year TEXT PRIMARY KEY, carried_from TEXT, position BIGINT NOT NULL,
        version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS cl_position (
        projection TEXT PRIMARY KEY, position BIGINT NOT NULL)""",
)


# Raise when a table's shape or meaning changes: a read model of another version is
# dropped when a process opens the store, and projected again from the first event.
READ_MODEL_VERSION = 2


def create_tables(tx: Tx) -> None:
    """Create the read model's tables; replace a read model of another version."""
    tx.execute("CREATE TABLE IF NOT EXISTS cl_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
    row = tx.fetchone("SELECT version FROM cl_schema WHERE id = 1")
    if row is None or int(row[0]) != READ_MODEL_VERSION:
        for table in (*TABLES, "cl_position"):
            tx.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - fixed table names
        tx.execute("DELETE FROM cl_schema")
        tx.execute("INSERT INTO cl_schema (id, version) VALUES (1, ?)", (READ_MODEL_VERSION,))
    for statement in DDL:
        tx.execute(statement)
    tx.execute(
        "INSERT INTO cl_position (projection, position) VALUES (?, 0) ON CONFLICT DO NOTHING",
        (PROJECTION,),
    )


SECONDARY_INDEXES = [d for d in DDL if d.startswith("CREATE INDEX")]


def clear_tables(tx: Tx) -> None:
    """Empty every read-model table, drop the secondary indexes and rewind the position,
    for a rebuild: bulk loading and indexing once at the end beats indexing row by row."""
    for statement in SECONDARY_INDEXES:
        tx.execute(f"DROP INDEX IF EXISTS {statement.split()[5]}")
    for table in TABLES:
        tx.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    tx.execute("UPDATE cl_position SET position = 0 WHERE projection = ?", (PROJECTION,))


def restore_indexes(tx: Tx) -> None:
    for statement in SECONDARY_INDEXES:
        tx.execute(statement)


Key = tuple[str, str, str, str, str]  # school year, purpose, certification, sector, pathway


@dataclass
class Batch:
    """The rows a run of consecutive events adds, netted per key so that a batch
    is written with a handful of ``executemany`` calls whatever its size."""

    history: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    eligible: dict[Key, int | None] = field(default_factory=dict)  # position, or None: not eligible
    first_names: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    renames: list[tuple[Any, ...]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    school_years: list[tuple[Any, ...]] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # school year -> its catalog's version

    def add(self, position: int, event: Any, recorded_at: datetime) -> None:
        """Fold one event, recorded (committed) at ``recorded_at``, into the batch."""
        self.history.append(history_row(position, event, recorded_at))
        self.versions[str(event.school_year)] = event.originator_version
        if isinstance(event, YearCatalog.SchoolYearOpened):
            carried = str(event.carried_from) if event.carried_from else None
            self.school_years.append((str(event.school_year), carried, position, 1))
            return
        if isinstance(event, YearCatalog.CarriedForward):
            return  # the year's history records it; its list does not change
        year = str(event.school_year)
        decided = event.decision.decided_on.isoformat()
        for purpose, cert, sector, pathway, eligible in eligibility_changes(event):
            key = (year, purpose, cert, sector, pathway)
            self.changes.append((*key, position, int(eligible), decided))
            self.eligible[key] = position if eligible else None
        name = _new_name(event)
        if name is not None:
            cert = event.certification_id
            row = (year, cert, position, name, decided)
            if isinstance(event, YearCatalog.CertificationRenamed):
                # On the decision-date timeline a new name applies once it is both
                # decided and in effect.
                self.renames.append((*row[:4], max(decided, event.effective_on.isoformat())))
            else:
                self.first_names.setdefault((year, cert), row)
            self.aliases[certification_key(name)] = cert
            self.aliases[cert] = cert

    def write(self, tx: Tx) -> None:
        """Write the batch's rows (append-only tables first, then current state)."""
        tx.insert_rows("cl_history", HISTORY_COLUMNS, self.history)
        tx.executemany(
            "INSERT INTO cl_school_years (school_year, carried_from, position, version) "
            "VALUES (?, ?, ?, ?)",
            self.school_years,
        )
        tx.executemany(
            "UPDATE cl_school_years SET version = ? WHERE school_year = ?",
            [(version, year) for year, version in self.versions.items()],
        )
        tx.insert_rows("cl_changes", CHANGES_COLUMNS, self.changes)
        gone = [key for key, pos in self.eligible.items() if pos is None]
        tx.executemany(
            "DELETE FROM cl_eligible WHERE school_year = ? AND purpose = ? AND "
            "certification_id = ? AND sector = ? AND pathway = ?",
            gone,
        )
        tx.executemany(
            "INSERT INTO cl_eligible VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (school_year, purpose, "
            "certification_id, sector, pathway) DO UPDATE SET position = excluded.position",
            [(*key, pos) for key, pos in self.eligible.items() if pos is not None],
        )
        # A certification keeps the first name it is listed under in a year until a
        # rename; later listings printed differently do not change it.
        firsts = list(self.first_names.values())
        tx.executemany(
            "INSERT INTO cl_name_changes SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
            "cl_name_changes WHERE school_year = ? AND certification_id = ?)",
            [(*row, row[0], row[1]) for row in firsts],
        )
        tx.executemany("INSERT INTO cl_names VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       [row[:2] + row[3:4] for row in firsts])
        tx.executemany("INSERT INTO cl_name_changes VALUES (?, ?, ?, ?, ?)", self.renames)
        tx.executemany(
            "UPDATE cl_names SET name = ? WHERE school_year = ? AND certification_id = ?",
            [(name, year, cert) for year, cert, _, name, _ in self.renames],
        )
        # A certification's own name is its name in the latest year it is listed in.
        # Its position is that of the name's latest change, whatever the batching.
        tx.executemany(
            "INSERT INTO cl_certifications (certification_id, name, school_year, position) "
            "SELECT n.certification_id, n.name, n.school_year, (SELECT MAX(nc.position) FROM "
            "cl_name_changes nc WHERE nc.school_year = n.school_year AND nc.certification_id = "
            "n.certification_id) FROM cl_names n WHERE n.school_year = ? AND n.certification_id = ? "
            "ON CONFLICT (certification_id) DO UPDATE SET name = excluded.name, "
            "school_year = excluded.school_year, position = excluded.position "
            "WHERE excluded.school_year >= cl_certifications.school_year",
            sorted({(row[0], row[1]) for row in [*firsts, *self.renames]}),
        )
        tx.executemany(
            "INSERT INTO cl_aliases VALUES (?, ?) ON CONFLICT (alias) "
            "DO UPDATE SET certification_id = excluded.certification_id",
            list(self.aliases.items()),
        )


def eligibility_changes(event: Any) -> Iterable[tuple[str, str, str, str, bool]]:
    """(purpose, certification, sector, pathway, eligible) for each change an event makes."""
    cert = event.certification_id
    if isinstance(event, YearCatalog.PlacementApproved):
        for purpose in Purpose.granted_by(Body.SBE):
            yield purpose.name, cert, event.sector, event.pathway, True
    elif isinstance(event, YearCatalog.SwibVoteRecorded):
        for purpose in Purpose.granted_by(Body.SWIB):
            yield purpose.name, cert, event.sector, event.pathway, event.recognized
    elif isinstance(event, YearCatalog.PlacementRemoved):
        for name in event.purposes:
            yield name, cert, event.sector, event.pathway, False
    elif isinstance(event, YearCatalog.PlacementMoved):
        for purpose in event.purposes:
            yield purpose, cert, event.sector, event.pathway, False
            yield purpose, cert, event.to_sector, event.to_pathway, True


def _new_name(event: Any) -> str | None:
    if isinstance(event, YearCatalog.CertificationRenamed):
        return str(event.new_name)
    if isinstance(event, (YearCatalog.PlacementApproved, YearCatalog.SwibVoteRecorded,
                          YearCatalog.PlacementMoved)):
        return str(event.certification_name)
    return None


def history_row(position: int, event: Any, recorded_at: datetime) -> tuple[Any, ...]:
    """The event as a ``cl_history`` row, in HISTORY_COLUMNS order."""
    decision = event.decision
    get = event.__dict__.get
    recognized, carried, carried_to, purposes, effective = (
        get("recognized"), get("carried_from"), get("carried_to"), get("purposes"), get("effective_on"))
    return (
        position, str(event.school_year), event_kind(event), get("certification_id"),
        get("certification_name") or get("new_name"), get("sector"), get("pathway"),
        get("to_sector"), get("to_pathway"), None if recognized is None else int(recognized),
        get("old_name"), get("new_name"), ",".join(purposes) if purposes else None,
        get("reason"), get("note") or None, str(carried) if carried else None,
        str(carried_to) if carried_to else None, effective.isoformat() if effective else None,
        decision.body.name,
        decision.decided_on.isoformat(), decision.reference or None,
        decision.business_rule or None, decision.document or None,
        decision.document_sha256 or None, get("source_line") or None, event.recorded_by,
        recorded_at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
    )
