"""Opening a store: the event log, its read model and the projector that joins them.

``CERTLEDGER_DB`` selects the engine:

* a file path or ``sqlite:///path``: embedded SQLite, events and read model in one file;
* ``postgresql://user:password@host:port/dbname``: PostgreSQL, for several API
  processes (or hosts) sharing one store;
* ``memory``: in-memory events and read model, for tests and trials.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

from events.application import Ledger
from events.projector import Projector
from events.queries import CatalogReader
from events.sql import CONNECT_TIMEOUT, Database, PostgresDatabase, SQLiteDatabase
from events.tokens import TokenStore

log = logging.getLogger("certledger.store")


@dataclass(frozen=True)
class StoreLocation:
    """Where a store lives, parsed from ``CERTLEDGER_DB``."""

    engine: str  # "memory" | "sqlite" | "postgresql"
    target: str  # file path or connection URL

    @classmethod
    def parse(cls, value: str) -> StoreLocation:
        value = value.strip()
        if not value:
            raise ValueError("CERTLEDGER_DB is empty")
        if value == "memory":
            return cls("memory", "")
        if value.startswith(("postgresql://", "postgres://")):
            return cls("postgresql", value)
        if value.startswith("sqlite:///"):
            return cls("sqlite", value.removeprefix("sqlite:///"))
        if "://" in value:
            raise ValueError(f"CERTLEDGER_DB {value!r}: expected a file path, sqlite:///path, "
                             "postgresql://... or memory")
        return cls("sqlite", value)

    def ledger_env(self) -> dict[str, str]:
        if self.engine == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.engine == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.target,
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "events.recorders:SQLiteLedgerRecorder",
            }
        url = urlparse(self.target)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "APPLICATION_RECORDER_TOPIC": "events.recorders:PostgresLedgerRecorder",
            "POSTGRES_POOL_SIZE": "5",
        }

    def database(self) -> Database:
        if self.engine == "postgresql":
            return PostgresDatabase(self.target)
        if self.engine == "sqlite":
            return SQLiteDatabase(self.target)
        return SQLiteDatabase(":memory:")

    def describe(self) -> str:
        if self.engine == "postgresql":
            url = urlparse(self.target)
            return f"postgresql://{url.hostname}:{url.port or 5432}{url.path}"
        return self.target or "memory"


# Any fixed number: the advisory lock processes take while they create tables.
_CREATING_TABLES_LOCK = 0x63_65_72_74  # "cert"


@contextmanager
def _creating_tables(location: StoreLocation) -> Iterator[None]:
    """On PostgreSQL, one process at a time creates (or checks) the tables: the library's
    CREATE OR REPLACE FUNCTION and CREATE TABLE IF NOT EXISTS fail when run at once
    ("tuple concurrently updated"). SQLite serialises them itself."""
    if location.engine != "postgresql":
        yield
        return
    import psycopg

    with psycopg.connect(location.target, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_CREATING_TABLES_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_CREATING_TABLES_LOCK,))


class Store:
    """A ledger for writes, a reader for queries, and the projector between them."""

    def __init__(
        self,
        location: StoreLocation,
        *,
        today: Callable[[], date] = date.today,
        poll_interval: float = 0.5,
    ) -> None:
        if location.engine == "sqlite":
            Path(location.target).parent.mkdir(parents=True, exist_ok=True)
        self.location = location
        with _creating_tables(location):
            self.ledger = Ledger(location.ledger_env(), today=today)
            self.db = location.database()
            self.projector = Projector(self.ledger, self.db)
            self.tokens = TokenStore(self.db)
        self.reader = CatalogReader(self.db)
        self.ledger.directory = self.reader.lookup
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- keeping up ------------------------------------------------------------------

    def sync(self) -> int:
        """Bring the read model up to the last recorded event; return its position."""
        latest = self.ledger.recorder.max_notification_id() or 0
        if latest > self.projector.position and self.projector.refresh() < latest:
            return self.projector.catch_up()
        return self.projector.position

    def after_write(self) -> None:
        """Bring the read model up to a write just made (read-your-writes). The write is
        already durable: if projecting fails now, the follower catches up later."""
        try:
            self.sync()
        except Exception:
            log.warning("recorded, but the read model could not catch up yet", exc_info=True)
            self._wake.set()

    def start(self) -> None:
        """Follow events recorded by other processes, in background threads."""
        self.sync()
        self._threads = [threading.Thread(target=self._follow, name="certledger-follow", daemon=True)]
        if self.location.engine == "postgresql":
            self._threads.append(
                threading.Thread(target=self._listen, name="certledger-listen", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def _follow(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.sync()
            except Exception:  # keep following; the next round retries
                log.exception("projection catch-up failed; retrying")
                self._stop.wait(1.0)

    def _listen(self) -> None:
        """Wake the follower on each NOTIFY; reconnect whenever the connection drops."""
        import psycopg

        channel = f"{self.ledger.name}_events".lower()
        backoff = 0.2
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.location.target, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                    conn.execute(f'LISTEN "{channel}"')
                    backoff = 0.2
                    self._wake.set()  # catch up on anything missed while disconnected
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self._wake.set()
            except Exception as e:  # the library's runner would stop here; we reconnect
                log.warning("LISTEN connection lost (%s); reconnecting", e)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.db.close()
        self.ledger.close()
