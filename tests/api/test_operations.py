"""Operations: health, readiness, request ids, CORS, limits, subscriptions cap, graceful shutdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import GraphQLClient, LiveServer, free_port, wait_until_serving


def test_healthz_and_readyz(live):
    assert live.http.get("/healthz").json() == {"status": "ok"}
    ready = live.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "latest_event": 105, "projected_event": 105, "behind_seconds": 0.0}


def test_every_response_carries_a_request_id_and_keeps_a_sane_one_from_the_client(live):
    mine = live.http.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    theirs = live.http.get("/healthz", headers={"X-Request-ID": "x" * 500})
    assert len(theirs.headers["x-request-id"]) == 32


def test_cors_allows_only_configured_front_end_origins(seeded):
    app = create_app(Settings(db="memory", allowed_origins=("https://cte.example.ms",)), store=seeded)
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        allowed = http.options("/graphql", headers={"Origin": "https://cte.example.ms",
                                                    "Access-Control-Request-Method": "POST"})
        assert allowed.headers["access-control-allow-origin"] == "https://cte.example.ms"
        other = http.options("/graphql", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in other.headers
        url = server.url.replace("http://", "ws://") + "/graphql"
        with pytest.raises(Exception, match="403"):
            connect(url, subprotocols=["graphql-transport-ws"], origin="https://evil.example", open_timeout=5)
        with connect(url, subprotocols=["graphql-transport-ws"], origin="https://cte.example.ms", open_timeout=5) as ws:
            ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(ws.recv(timeout=5))["type"] == "connection_ack"


@pytest.mark.parametrize(("query", "code"), [
    ("{ __schema { types { fields { type { " + "ofType { " * 14 + "name" + " }" * 14 + " } } } } }", "QUERY_TOO_DEEP"),
    ("{ " + " ".join(f"a{i}: schoolYears {{ schoolYear }}" for i in range(31)) + " }", "TOO_MANY_ALIASES"),
    ("{ " + "schoolYears { schoolYear } " * 600 + "}", "GRAPHQL_PARSE_FAILED"),
], ids=["depth", "aliases", "tokens"])
def test_query_depth_aliases_and_tokens_are_limited(live, query, code):
    error = live.error(query)
    assert error["extensions"]["code"] == code


def test_a_chain_of_fragments_each_spread_twice_is_measured_once_per_fragment(live):
    # 40 fragments, each spreading the next twice: walked naively, 2**40 visits.
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    query = "query { ...F0 } " + chain + " fragment F40 on Query { schoolYears { schoolYear } }"
    assert live.data(query) == {"schoolYears": [{"schoolYear": "2025-2026"}]}


def test_the_standard_introspection_query_stays_within_the_limits(live):
    from graphql import get_introspection_query

    assert live.data(get_introspection_query())["__schema"]["queryType"]["name"] == "Query"


def first_refusal(seeded, settings: Settings, subscriptions: int) -> dict:
    """Open that many subscriptions on one websocket; the first message back (a refusal)."""
    with LiveServer(create_app(settings, store=seeded)) as server:
        url = server.url.replace("http://", "ws://") + "/graphql"
        with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=5) as ws:
            ws.send(json.dumps({"type": "connection_init"}))
            json.loads(ws.recv(timeout=5))
            query = 'subscription { catalogChanged(schoolYear: "2025-2026") { kind } }'
            for op in range(1, subscriptions + 1):
                ws.send(json.dumps({"id": str(op), "type": "subscribe", "payload": {"query": query}}))
            return json.loads(ws.recv(timeout=5))


def test_live_subscriptions_are_capped(seeded):
    refused = first_refusal(seeded, Settings(db="memory", max_subscriptions=2), 3)
    assert refused["id"] == "3"
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


def test_the_cap_on_operations_per_websocket_answers_with_a_code(seeded):
    refused = first_refusal(seeded, Settings(db="memory"), 11)
    assert (refused["id"], refused["type"]) == ("11", "error")
    assert refused["payload"] == [{"message": "Subscription limit reached",
                                   "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS"}}]


@pytest.mark.slow
def test_sigterm_finishes_an_in_flight_write_before_exiting(tmp_path):
    bin_ = Path(sys.executable).parent / "certledger"
    db = str(tmp_path / "store.sqlite3")
    env = {**os.environ, "CERTLEDGER_DB": db}
    token = subprocess.run([str(bin_), "token", "create", "editor"], env=env, capture_output=True, text=True,
                           check=True).stdout.strip().splitlines()[-1]
    port = free_port()
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen([str(bin_), "serve", "--port", str(port), "--log-level", "info"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    client = GraphQLClient(f"http://127.0.0.1:{port}")
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", server)
        rows = "\n".join(f"Sector\tPathway {i % 9}\tCertification {i:05d}\tYes" for i in range(4000))
        content = "industry_sector\tprogram_pathway\tcertification\tswib_recognized\n" + rows
        mutation = """mutation ($c: String!) { importDocument(name: "big.tsv", content: $c, schoolYear: "2025-2026",
            swibVotedOn: "2025-02-20", sbeApprovedOn: "2025-04-17") { events { position } } }"""
        answers: list[dict] = []
        thread = threading.Thread(target=lambda: answers.append(
            client.post(mutation, {"c": content}, headers={"Authorization": f"Bearer {token}"})))
        thread.start()
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        thread.join(timeout=60)
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM once done
    finally:
        client.http.close()
        if server.poll() is None:
            server.kill()
    assert answers and "errors" not in answers[0], answers
    assert len(answers[0]["data"]["importDocument"]["events"]) == 8001
    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")]
    assert any(line.get("path") == "/graphql" and line.get("status") == 200 and line["request_id"] != "-"
               for line in lines)
