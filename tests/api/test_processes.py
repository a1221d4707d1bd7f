"""Several API processes over one PostgreSQL store: a write through one is read on another."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from events.store import Store, StoreLocation
from tests.api.conftest import free_port, wait_until_serving
from tests.conftest import TODAY, _reset_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
BIN = Path(sys.executable).parent / "certledger"
VISIBLE_WITHIN = 5.0  # seconds: the follower's NOTIFY wake-up, with polling as a fallback


class Server:
    def __init__(self, url: str, log: Path, *extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", *extra],
            env={**os.environ, "CERTLEDGER_DB": url}, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        wait_until_serving(self.base, self.process)

    def post(self, query: str, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(f"{self.base}/graphql", json={"query": query}, headers=headers, timeout=30).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


COUNT = '{ catalog(schoolYear: "2025-2026") { placementCount } }'
REMOVE = """mutation { removeCertification(schoolYear: "2025-2026", decision: {body: SBE, decidedOn: "2025-06-12"},
    removal: {certification: "faa-part-107", reason: "Listed in error"}) { version } }"""


@pytest.mark.parametrize("layout", ["two servers", "one server, two workers"])
def test_a_write_through_one_process_is_read_on_another_within_a_bounded_time(
        postgres_url, seed_listing, tmp_path, layout):
    _reset_postgres(postgres_url)
    store = Store(StoreLocation.parse(postgres_url), today=lambda: TODAY)
    store.ledger.import_list(seed_listing, recorded_by="test")
    store.sync()
    token = store.tokens.create("editor")
    store.close()

    if layout == "two servers":
        servers = [Server(postgres_url, tmp_path / "a.log"), Server(postgres_url, tmp_path / "b.log")]
    else:
        servers = [Server(postgres_url, tmp_path / "w.log", "--workers", "2")]
    try:
        for server in servers:
            server.wait_ready()
        writer, reader = servers[0], servers[-1]
        # Warm every process's response cache with the old answer first.
        for _ in range(6):
            assert reader.post(COUNT)["data"]["catalog"]["placementCount"] == 52
        assert "errors" not in writer.post(REMOVE, token)
        started = time.monotonic()
        seen: set[int] = set()
        while True:
            # With two workers, consecutive requests may reach either process: wait for both.
            answers = {reader.post(COUNT)["data"]["catalog"]["placementCount"] for _ in range(4)}
            seen |= answers
            if answers == {51}:
                break
            assert time.monotonic() - started < VISIBLE_WITHIN, f"still saw {answers}"
            time.sleep(0.05)
    finally:
        for server in servers:
            server.stop()
