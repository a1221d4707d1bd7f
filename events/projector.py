"""Keeps the read model caught up with the event log, exactly once.

The projector reads events after its recorded position, folds a batch of them into
rows and writes the rows and the new position in one transaction. The position row
is locked for the transaction, so several threads or processes may call
``catch_up`` at once: one projects, the others then find nothing left to do. A crash
loses at most an uncommitted batch, which the next catch-up projects again.

The same code serves SQLite (where the library's ProjectionRunner cannot subscribe)
and PostgreSQL; on PostgreSQL a LISTEN connection wakes it (see ``Store._listen``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from eventsourcing.persistence import Notification

from events.application import Ledger
from events.sql import Database, Tx, retrying
from events.views import PROJECTION, Batch, clear_tables, create_tables, restore_indexes

Listener = Callable[[int], None]


class Projector:
    """Projects the ledger's events into the SQL read model."""

    def __init__(self, ledger: Ledger, db: Database, *, batch_size: int = 2000) -> None:
        self.ledger = ledger
        self.db = db
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._advanced = threading.Lock()  # guards _position
        self._position = 0
        self._listeners: list[Listener] = []
        with db.transaction() as tx:
            create_tables(tx)
        self._position = self.stored_position()

    @property
    def position(self) -> int:
        """The last event position this process knows the read model has projected."""
        return self._position

    @retrying
    def stored_position(self) -> int:
        with self.db.reading() as tx:
            return _position(tx)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(position)`` whenever this process learns the model advanced."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def catch_up(self) -> int:
        """Project every event recorded so far; return the position reached."""
        with self._lock:
            while True:
                reached, events = self._project_batch()
                self._advance(reached)
                if len(events) < self.batch_size:
                    return reached

    @retrying
    def _project_batch(self) -> tuple[int, list[object]]:
        # Read first, then write: never wait on the event store while holding the read
        # model's write lock. On SQLite both live in one file, and the library's pool
        # queues readers behind a writer that may be waiting for that very lock.
        start = self.stored_position()
        notifications = self.ledger.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return start, []
        batch, events = self._fold(notifications)
        reached = notifications[-1].id
        with self.db.transaction() as tx:
            if _position(tx, lock=self.db.dialect == "postgresql") != start:
                return start, [None] * self.batch_size  # projected meanwhile elsewhere: go again
            batch.write(tx)
            tx.execute("UPDATE cl_position SET position = ? WHERE projection = ?", (reached, PROJECTION))
        return reached, events

    def _fold(self, notifications: Sequence[Notification]) -> tuple[Batch, list[object]]:
        """Deserialise a run of notifications and fold them into the rows to write."""
        batch = Batch()
        events = []
        to_domain_event = self.ledger.mapper.to_domain_event
        commits = iter(self.ledger.recorder.select_commits(notifications[0].id, len(notifications)))
        commit = next(commits, None)
        for notification in notifications:
            while commit is not None and commit[0] < notification.id:
                commit = next(commits, None)
            event = to_domain_event(notification)
            # Events written before commit times were recorded fall back to their own time.
            batch.add(notification.id, event, commit[1] if commit else event.timestamp)
            events.append(event)
        return batch, events

    @retrying
    def rebuild(self) -> int:
        """Rebuild the read model from the first event, atomically: readers see the old
        model until the new one is complete. It holds the read model's write lock
        throughout, so run it while no decision is being recorded in this process (on
        SQLite, writers in other processes wait for it)."""
        with self._lock, self.db.transaction() as tx:
            clear_tables(tx)
            position = 0
            while True:
                notifications = self.ledger.recorder.select_notifications(
                    start=position, limit=self.batch_size, inclusive_of_start=False
                )
                if not notifications:
                    break
                self._fold(notifications)[0].write(tx)
                position = notifications[-1].id
            restore_indexes(tx)
            tx.execute("UPDATE cl_position SET position = ? WHERE projection = ?", (position, PROJECTION))
        self._advance(position, reset=True)
        return position

    def refresh(self) -> int:
        """Learn the position other processes have projected to (no projecting)."""
        self._advance(self.stored_position())
        return self._position

    def _advance(self, position: int, *, reset: bool = False) -> None:
        with self._advanced:
            moved = reset or position > self._position
            if moved:
                self._position = position
        if moved:
            for listener in list(self._listeners):
                listener(position)


def _position(tx: Tx, *, lock: bool = False) -> int:
    sql = "SELECT position FROM cl_position WHERE projection = ?"
    row = tx.fetchone(sql + (" FOR UPDATE" if lock else ""), (PROJECTION,))
    return int(row[0]) if row else 0
