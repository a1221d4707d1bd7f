"""Shared fixtures: the real seed document, its expected rows, and stores on every backend.

PostgreSQL tests run against a real server: CERTLEDGER_TEST_POSTGRES (default
postgresql://postgres@127.0.0.1:5432/postgres) names an account that may create
databases; each test run gets a fresh database, dropped at the end. Without a server
they are skipped with a message saying how to run them, except under CI=true,
where a missing server fails the run.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from events.importing import read_document_file
from events.store import Store, StoreLocation

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "sbe-2025-04-17-consent-item-j.txt"
EXPECTED_ROWS = Path(__file__).parent / "fixtures" / "sbe-2025-04-17-expected-rows.tsv"
POSTGRES_ADMIN = os.environ.get(
    "CERTLEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
HOW_TO_RUN_POSTGRES = (
    "PostgreSQL tests skipped: no server reachable at {url} ({error}). Start one "
    "(e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or set "
    "CERTLEDGER_TEST_POSTGRES=postgresql://user@host:port/db to an account that can create databases."
)
BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
TODAY = date(2026, 12, 3)


def expected_rows() -> list[tuple[str, ...]]:
    with EXPECTED_ROWS.open(encoding="utf-8", newline="") as f:
        rows = [tuple(r) for r in csv.reader(f, delimiter="\t")]
    assert rows[0] == ("industry_sector", "program_pathway", "certification", "swib_recognized")
    return rows[1:]


@pytest.fixture(scope="session")
def seed_listing():
    return read_document_file(SEED)


def _admin_connect():
    import psycopg

    return psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test run."""
    try:
        admin = _admin_connect()
    except Exception as e:  # noqa: BLE001 - any failure to connect means "no server"
        message = HOW_TO_RUN_POSTGRES.format(url=POSTGRES_ADMIN, error=str(e).strip().splitlines()[0])
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but " + message, pytrace=False)
        pytest.skip(message)
    name = f"certledger_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()]
        if tables:
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")


def location_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> StoreLocation:
    if backend == "memory":
        return StoreLocation.parse("memory")
    if backend == "sqlite":
        return StoreLocation.parse(str(tmp_path / "certledger.sqlite3"))
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return StoreLocation.parse(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> StoreLocation:
    return location_for(backend, tmp_path, request)


@pytest.fixture
def store(location: StoreLocation) -> Iterator[Store]:
    opened = Store(location, today=lambda: TODAY)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def seeded(store: Store, seed_listing) -> Store:
    store.ledger.import_list(seed_listing, recorded_by="test:seed")
    store.sync()
    return store
