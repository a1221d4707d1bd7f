"""A small SQL layer over SQLite and PostgreSQL for the read models.

Statements are written once, with ``?`` placeholders, in SQL both engines accept;
PostgreSQL's ``%s`` is substituted when a statement is first prepared.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, Protocol, TypeVar

import psycopg
from psycopg_pool import PoolTimeout

Row = tuple[Any, ...]
P = ParamSpec("P")
T = TypeVar("T")
# A pooled PostgreSQL connection may have been closed under us (server restart, idle
# timeout, pg_terminate_backend). The pool drops it when it comes back broken; the
# whole read or transaction is then run again on another connection. One attempt per
# pooled connection, plus one, is enough to reach a fresh connection.
DISCONNECTS = (psycopg.OperationalError, psycopg.InterfaceError)
ATTEMPTS = 12
# Seconds to wait for a new PostgreSQL connection, and for a free one from the pool:
# an unreachable server gives an error in bounded time, not a hung request.
CONNECT_TIMEOUT = 5
POOL_TIMEOUT = 5.0


def retrying(method: Callable[P, T]) -> Callable[P, T]:
    """Re-run a function that does one whole read or transaction if its connection died."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(ATTEMPTS):
            try:
                return method(*args, **kwargs)
            except PoolTimeout:
                raise  # no connection to be had: retrying would only wait longer
            except DISCONNECTS:
                if attempt == ATTEMPTS - 1:
                    raise
                time.sleep(min(0.01 * 2**attempt, 0.5))
        raise AssertionError("unreachable")

    return run


class Tx(Protocol):
    """An open transaction (or read snapshot)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None: ...
    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...


class Database(Protocol):
    """Where read models live."""

    dialect: str

    def transaction(self) -> Any: ...
    def reading(self) -> Any: ...
    def close(self) -> None: ...


class _SQLiteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.executemany(sql, rows)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
            rows,
        )

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.conn.execute(sql, params).fetchone()
        return row


class SQLiteDatabase:
    """A SQLite file (WAL mode), or a private in-memory database for tests.

    Each thread reads through its own connection; writes take SQLite's write lock
    up front (``BEGIN IMMEDIATE``) so a transaction never fails half-way on a lock.
    """

    dialect = "sqlite"

    def __init__(self, path: str, *, lock_timeout: float = 30.0) -> None:
        self.path = path
        self.memory = path == ":memory:"
        self.lock_timeout = lock_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.RLock()  # serialises everything in memory mode
        self._shared = self._connect() if self.memory else None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.lock_timeout, isolation_level=None, check_same_thread=False
        )
        if not self.memory:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        with self._guard:
            self._all.append(conn)
        return conn

    def _conn(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._memory_guard():
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteTx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with self._memory_guard():
            conn = self._conn()
            conn.execute("BEGIN")  # one consistent snapshot for the whole read
            try:
                yield _SQLiteTx(conn)
            finally:
                conn.execute("ROLLBACK")

    @contextmanager
    def _memory_guard(self) -> Iterator[None]:
        if self.memory:
            with self._guard:
                yield
        else:
            yield

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class _PostgresTx:
    def __init__(self, conn: Any, cache: dict[str, str]) -> None:
        self.conn = conn
        self.cache = cache

    def _sql(self, sql: str) -> str:
        converted = self.cache.get(sql)
        if converted is None:
            converted = self.cache[sql] = sql.replace("?", "%s")
        return converted

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(self._sql(sql), params, prepare=True)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """COPY: several times faster than one INSERT per row, which a rebuild feels."""
        if rows:
            with self.conn.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # noqa: S608 - fixed names
            ) as copy:
                for row in rows:
                    copy.write_row(row)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows: list[Row] = self.conn.execute(self._sql(sql), params, prepare=True).fetchall()
        return rows

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.conn.execute(self._sql(sql), params, prepare=True).fetchone()
        return row


class PostgresDatabase:
    """A PostgreSQL database through a psycopg connection pool."""

    dialect = "postgresql"

    def __init__(self, dsn: str, *, max_size: int = 10) -> None:
        from psycopg_pool import ConnectionPool

        self.dsn = dsn
        self._cache: dict[str, str] = {}
        # No check on checkout: psycopg_pool backs off for seconds per dead connection;
        # callers retry instead (see ``retrying``).
        self.pool = ConnectionPool(dsn, min_size=1, max_size=max_size, open=True, timeout=POOL_TIMEOUT,
                                   kwargs={"autocommit": False, "connect_timeout": CONNECT_TIMEOUT})

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.pool.connection() as conn, conn.transaction():
            yield _PostgresTx(conn, self._cache)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with self.pool.connection() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield _PostgresTx(conn, self._cache)
            finally:
                conn.rollback()

    def close(self) -> None:
        self.pool.close()
