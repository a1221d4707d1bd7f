"""The main job as a user runs it: `certledger serve --seed-if-empty` in its own process."""

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.api.conftest import free_port, wait_until_serving
from tests.conftest import expected_rows

BIN = Path(sys.executable).parent / "certledger"


def test_serve_seeds_an_empty_store_and_answers_the_catalog_over_http(tmp_path):
    port = free_port()
    env = {**os.environ, "CERTLEDGER_DB": str(tmp_path / "store" / "certledger.sqlite3")}
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(BIN), "serve", "--seed-if-empty", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, server)
        query = ("{ catalog(schoolYear: \"2025-2026\") { placementCount "
                 "sectors { name pathways { name certifications { name } } } } }")
        body = httpx.post(f"{url}/graphql", json={"query": query}).json()
        sectors = body["data"]["catalog"]["sectors"]
        rows = [(s["name"], p["name"], c["name"], "Yes") for s in sectors for p in s["pathways"]
                for c in p["certifications"]]
        assert rows == expected_rows()
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
    # A second start finds the store seeded and imports nothing.
    again = subprocess.run([str(BIN), "import", "--if-empty", "data/sbe-2025-04-17-consent-item-j.txt"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "already holds events" in again.stdout
