"""Crash safety: SIGKILL the server in the middle of an import and of a projection catch-up.

After a restart the store holds the whole import or none of it, and the read model
catches up to exactly the events stored (checked against a rebuild).
"""

from __future__ import annotations

import os
import signal
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
        time.sleep(0.6)
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
    time.sleep(1.0)  # the server projects the backlog in batches as it starts
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    reopened = Store(crash_location, today=lambda: TODAY)
    projected = reopened.reader.position()
    reopened.close()
    assert 0 <= projected <= total
    assert check_consistent(crash_location) == total
