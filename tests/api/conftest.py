"""A real uvicorn server on 127.0.0.1 and a free port, serving a store the test controls."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings
from events.store import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(base: str, process: Any = None, timeout: float = 30) -> None:
    """Poll /healthz until the server at ``base`` answers; fail if its process exits first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process is None or process.poll() is None, "the server exited"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)


class LiveServer:
    """uvicorn serving an app in a background thread, reached over real HTTP."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class GraphQLClient:
    def __init__(self, url: str, app: Any = None) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        self.app = app

    def post(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}}, **kwargs)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        body = self.post(query, variables, **kwargs)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    def error(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        body = self.post(query, variables, **kwargs)
        assert body.get("errors"), body
        first: dict[str, Any] = body["errors"][0]
        return first


@pytest.fixture
def live(seeded: Store) -> Iterator[GraphQLClient]:
    app = create_app(Settings(db="memory"), store=seeded)
    with LiveServer(app) as server:
        client = GraphQLClient(server.url, app)
        yield client
        client.http.close()
