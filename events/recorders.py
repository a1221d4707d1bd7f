"""Event recorders that also write down when each transaction committed.

"What did the ledger hold at time T" needs a recording time that follows commit
order: an event's own timestamp is taken when the command runs, before it waits for
the write lock, so two concurrent decisions can commit in the opposite order of their
timestamps, and one decision's events carry different timestamps. So each insert
transaction also writes one row, ``(last notification id, committed_at)``, with the
time taken while the write lock is held and never earlier than the previous row's.
Every event of a transaction shares its commit time, and commit times never go down
as positions go up: the events recorded by T are always a prefix of the log that
ends at a transaction boundary.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.persistence import ProgrammingError
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Identifier

Commit = tuple[int, datetime]  # last notification id of a transaction, its commit time
TICK = timedelta(microseconds=1)
INSERT_CHUNK = 1000


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _after(last: datetime | None) -> datetime:
    now = _now()
    return now if last is None or now > last else last + TICK


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    """SQLite: the commit row is written in the insert's transaction, under SQLite's write lock."""

    commits_table = "stored_commits"

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.commits_table} ("
            "notification_id INTEGER PRIMARY KEY, committed_at TEXT NOT NULL)",
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            c.execute(f"SELECT MAX(committed_at) FROM {self.commits_table}")
            last = c.fetchone()[0]
            at = _after(datetime.fromisoformat(last) if last else None)
            c.execute(f"INSERT INTO {self.commits_table} VALUES (?, ?)", (ids[-1], at.isoformat()))
        return ids

    def select_commits(self, first_id: int, limit: int) -> list[Commit]:
        """Commit rows covering notification ids from ``first_id`` on, in order."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, committed_at FROM {self.commits_table} "
                "WHERE notification_id >= ? ORDER BY notification_id LIMIT ?",
                (first_id, limit),
            )
            return [(int(r[0]), datetime.fromisoformat(r[1])) for r in c.fetchall()]


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    """PostgreSQL: the commit row is written after the insert, while the library's
    EXCLUSIVE lock on the events table (which orders commits) is still held."""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._inserted = threading.local()  # the ids of the insert this thread is making
        self.commits_table = events_table_name.removesuffix("_events") + "_commits"
        table = Identifier(self.datastore.schema, self.commits_table)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0} (notification_id bigint PRIMARY KEY, "
            "committed_at timestamptz NOT NULL)").format(table))
        self.insert_commit = SQL(
            "INSERT INTO {0} SELECT %s, GREATEST(clock_timestamp(), "
            "(SELECT MAX(committed_at) + interval '1 microsecond' FROM {0}))").format(table)
        self.select_commits_statement = SQL(
            "SELECT notification_id, committed_at FROM {0} WHERE notification_id >= %s "
            "ORDER BY notification_id LIMIT %s").format(table)

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        """Insert in chunks, each synced, within the one transaction: a single pipelined
        insert of many thousands of events stalls (psycopg waits to read while the server
        still waits for the rest of the statement)."""
        self._lock_table(curs)
        self._notify_channel(curs)
        ids: list[int] = []
        for start in range(0, len(stored_events), INSERT_CHUNK):
            with curs.connection.pipeline():  # nested: synced when the block ends
                PostgresAggregateRecorder._insert_stored_events(
                    self, curs, stored_events[start : start + INSERT_CHUNK], **kwargs)
            ids += [row["notification_id"] for row in curs.fetchall()]
        self._inserted.ids = ids

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids: list[int] = self._inserted.ids
        if len(ids) != len(stored_events):
            raise ProgrammingError(f"Inserted {len(ids)} events, expected {len(stored_events)}")
        if ids:
            curs.execute(self.insert_commit, (ids[-1],))
        return ids

    def select_commits(self, first_id: int, limit: int) -> list[Commit]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_commits_statement, (first_id, limit), prepare=True)
            return [(int(r["notification_id"]), r["committed_at"]) for r in curs.fetchall()]


class POPOLedgerRecorder(POPOApplicationRecorder):
    """In memory: the commit row is appended under the recorder's lock."""

    def __init__(self) -> None:
        super().__init__()
        self.commits: list[Commit] = []

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._update_table(stored_events, **kwargs)
        if ids:
            self.commits.append((ids[-1], _after(self.commits[-1][1] if self.commits else None)))
        return ids

    def select_commits(self, first_id: int, limit: int) -> list[Commit]:
        with self._database_lock:
            return [c for c in self.commits if c[0] >= first_id][:limit]
