"""Editors' bearer tokens through the real command line, and a running server that honours them.

A token is shown once, kept only as the SHA-256 of its secret, and a revocation made on the
command line stops the next write through a server running in another process.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import free_port, wait_until_serving
from tests.conftest import _reset_postgres

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "certledger"
REMOVE = """mutation { removeCertification(schoolYear: "2025-2026", decision: {body: SBE, decidedOn: "2025-06-12"},
    removal: {certification: "faa-part-107", reason: "Listed in error"}) { events { recordedBy } } }"""


def cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env={**os.environ, "CERTLEDGER_DB": db},
                          capture_output=True, text=True, timeout=60)


def created_token(db: str, name: str, *role: str) -> str:
    result = cli(db, "token", "create", name, *role)
    assert result.returncode == 0, result.stderr
    assert "shown only this once" in result.stdout
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "certledger.sqlite3")
    url = str(request.getfixturevalue("postgres_url"))
    _reset_postgres(url)
    return url


def test_a_token_is_shown_once_and_stored_only_as_the_hash_of_its_secret(tmp_path):
    db = str(tmp_path / "certledger.sqlite3")
    token = created_token(db, "alice")
    token_id, secret = token.removeprefix("cl_").split("_", 1)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT * FROM cl_tokens").fetchall()
    assert len(rows) == 1
    name, stored_id, digest, role, created_at, revoked_at = rows[0]
    assert (name, stored_id, role, revoked_at) == ("alice", token_id, "editor", None)
    assert digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(rows) and secret.encode() not in Path(db).read_bytes()
    listed = cli(db, "token", "list")
    assert listed.returncode == 0 and "alice\teditor" in listed.stdout and secret not in listed.stdout
    again = cli(db, "token", "create", "alice")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_no_token_exists_until_one_is_created(tmp_path):
    listed = cli(str(tmp_path / "certledger.sqlite3"), "token", "list")
    assert listed.returncode == 0 and "no tokens" in listed.stdout


def test_a_revocation_on_the_command_line_stops_the_next_write_of_a_running_server(db, tmp_path):
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(BIN), "serve", "--seed-if-empty", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, "CERTLEDGER_DB": db}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server, timeout=60)
        editor = created_token(db, "editor-1")
        reader = created_token(db, "auditor-1", "--role", "reader")

        def write(token: str) -> dict:
            return httpx.post(f"{base}/graphql", json={"query": REMOVE.replace("2025-06-12", "2025-06-13")},
                              headers={"Authorization": f"Bearer {token}"}, timeout=30).json()

        def events() -> int:
            log_count = '{ auditLog(first: 0) { totalCount } }'
            return int(httpx.post(f"{base}/graphql", json={"query": log_count}, timeout=30).json()
                       ["data"]["auditLog"]["totalCount"])

        assert write(reader)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert events() == 105
        assert cli(db, "token", "revoke", "editor-1").returncode == 0
        refused = write(editor)["errors"][0]
        assert refused["extensions"]["code"] == "UNAUTHENTICATED" and "revoked" in refused["message"]
        assert events() == 105
        newer = created_token(db, "editor-2")
        assert write(newer)["data"]["removeCertification"]["events"] == [{"recordedBy": "token:editor-2"}]
        assert events() == 106
        assert cli(db, "token", "revoke", "editor-1").stdout.strip().endswith("was already revoked")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
