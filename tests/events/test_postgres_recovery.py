"""On PostgreSQL, a projection whose connections are killed recovers by itself, exactly once."""

import time
from datetime import date

import psycopg
import pytest

from domain.standing import Drop
from domain.decision import Body, Decision
from domain.school_year import SchoolYear
from events.store import Store, StoreLocation
from tests.conftest import TODAY, _reset_postgres

pytestmark = pytest.mark.postgres


def wait_until(check, timeout: float = 10.0) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


def kill_connections(url: str) -> int:
    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        ).fetchall()
    return len(rows)


def test_a_follower_recovers_after_its_connections_are_killed(postgres_url, seed_listing):
    _reset_postgres(postgres_url)
    location = StoreLocation.parse(postgres_url)
    writer = Store(location, today=lambda: TODAY)  # another process, in effect
    follower = Store(location, today=lambda: TODAY, poll_interval=5.0)  # wakes on NOTIFY, not polling
    follower.start()
    try:
        writer.ledger.import_list(seed_listing, recorded_by="test")
        wait_until(lambda: follower.projector.position == 105)

        killed = kill_connections(postgres_url)
        assert killed >= 2  # at least the LISTEN connection and a pooled one
        time.sleep(0.5)
        writer.ledger.remove(SchoolYear(2025), Decision(Body.SBE, date(2025, 6, 12)),
                             Drop("faa-part-107", "listed in error"), recorded_by="test")
        waited = wait_until(lambda: follower.projector.position == 106, timeout=15)
        assert waited < 15
        rows = follower.reader.catalog("2025-2026", "ACCOUNTABILITY_ACCELERATION")
        assert len(rows) == 51
        dump = follower.reader.dump()
        assert len(dump["cl_history"]) == 106  # nothing missed, nothing applied twice
        assert follower.reader.position() == 106
    finally:
        follower.close()
        writer.close()
