"""Crash safety: SIGKILL the server in the middle of an import and of a projection catch-up.

After a restart the store holds the whole import or none of it, and the read model
catches up to exactly the events stored (checked against a rebuild).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from domain.school_year import SchoolYear
from events.importing import read_document
from events.store import Store
from tests.api.conftest import free_port, wait_until_serving
from tests.conftest import TODAY

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "certledger"
ROWS = 4000  # a list this long takes the server a second or so to record (8,001 events)


def big_list(rows: int = ROWS, first: int = 0) -> str:
    lines = ["industry_sector\tprogram_pathway\tcertification\tswib_recognized"]
    lines += [f"Sector {i % 7}\tPathway {i % 23}\tSynthetic Certification {i:05d}\tYes"
              for i in range(first, first + rows)]
    return "\n".join(lines) + "\n"


def start(location, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env={**os.environ, "CERTLEDGER_DB": location.target}, stdout=out, stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def check_consistent(location) -> int:
    """Reopen the store: the read model catches up to every stored event, exactly."""
    store = Store(location, today=lambda: TODAY)
    try:
        stored = store.ledger.recorder.max_notification_id() or 0
        assert store.sync() == stored
        live = store.reader.dump()
        assert len(live["cl_history"]) == stored
        store.projector.rebuild()
        assert store.reader.dump() == live
        return stored
    finally:
        store.close()


def importing(location) -> bool:
    """Whether the import's transaction is open: the write lock is held and none of its
    events is committed yet (on SQLite the projector takes the same lock, but only
    once there are events to project)."""
    if location.engine == "sqlite":
        conn = sqlite3.connect(location.target, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # database is locked
            return conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0] == 0
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(location.target, autocommit=True) as conn:  # the events table's EXCLUSIVE lock
        row = conn.execute("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                           "WHERE c.relname LIKE '%%\\_events' AND l.mode = 'ExclusiveLock' AND l.granted").fetchone()
        return bool(row and row[0])


def projected_position(location) -> int:
    """How far the read model has projected, read straight from its table."""
    if location.engine == "sqlite":
        conn = sqlite3.connect(location.target, timeout=5)
        try:
            row = conn.execute("SELECT position FROM cl_position WHERE projection = 'catalog'").fetchone()
        except sqlite3.OperationalError:  # no table yet
            row = None
        finally:
            conn.close()
    else:
        import psycopg

        with psycopg.connect(location.target, autocommit=True) as conn:
            try:
                row = conn.execute("SELECT position FROM cl_position WHERE projection = 'catalog'").fetchone()
            except psycopg.errors.UndefinedTable:
                row = None
    return int(row[0]) if row else 0


@pytest.fixture
def crash_location(backend, location):
    if backend == "memory":
        pytest.skip("an in-memory store does not survive its process")
    return location


def test_a_server_killed_during_an_import_keeps_all_of_it_or_none(crash_location, tmp_path):
    store = Store(crash_location, today=lambda: TODAY)
    token = store.tokens.create("editor")
    store.close()
    process, base = start(crash_location, tmp_path / "serve.log")
    wait_until_serving(base, process, timeout=60)
    mutation = """mutation ($c: String!) { importDocument(name: "big.tsv", content: $c, schoolYear: "2025-2026",
        swibVotedOn: "2025-02-20", sbeApprovedOn: "2025-04-17") { events { position } } }"""
    client = httpx.Client(base_url=base, timeout=60)
    try:
        def post() -> None:
            try:
                client.post("/graphql", json={"query": mutation, "variables": {"c": big_list()}},
                            headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError:
                pass  # the server is killed under us

        thread = threading.Thread(target=post)
        thread.start()
        deadline = time.monotonic() + 30
        while not importing(crash_location):  # kill it while the import's transaction is open
            assert thread.is_alive() and time.monotonic() < deadline, "the import was never seen in progress"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        thread.join(timeout=30)
    finally:
        client.close()
    stored = check_consistent(crash_location)
    assert stored in (0, 2 * ROWS + 1), f"a partial import: {stored} events"


def test_a_server_killed_during_catch_up_resumes_exactly(crash_location, tmp_path):
    store = Store(crash_location, today=lambda: TODAY)
    for part in range(3):  # recorded, not projected: a backlog of 24,003 events
        listing = read_document(big_list(ROWS, ROWS * part).encode(), name=f"big-{part}.tsv",
                                school_year=SchoolYear(2025), swib_voted_on=date(2025, 2, 20),
                                sbe_approved_on=date(2025, 4, 17))
        store.ledger.import_list(listing, recorded_by="test")
    total = store.ledger.recorder.max_notification_id()
    store.close()
    process, base = start(crash_location, tmp_path / "serve.log")
    deadline = time.monotonic() + 60
    while not 0 < projected_position(crash_location) < total // 2:  # the server projects in batches
        assert process.poll() is None and time.monotonic() < deadline, "catch-up was never seen under way"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    projected = projected_position(crash_location)
    assert 0 < projected < total, "the kill did not land in the middle of the catch-up"
    assert check_consistent(crash_location) == total
