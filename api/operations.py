"""Operations: health and readiness, request ids, and one JSON log line per request."""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access = logging.getLogger("certledger.access")
READY_LAG_SECONDS = 5.0  # how long the read model may trail the log and still count as ready


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the request being served."""

    converter = time.gmtime  # the timestamps say Z: UTC, whatever the machine's zone

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = [handler]
        logging.getLogger(name).propagate = False


class RequestIds:
    """ASGI middleware: each request gets an id (the client's X-Request-ID, or a new one),
    echoed in the response and attached to every log line written while serving it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if 0 < len(sent) <= 64 and sent.isprintable() else uuid.uuid4().hex
        token = request_id.set(rid)
        started, status = time.perf_counter(), 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access.info("request", extra={"fields": {
                "method": scope.get("method", "WS"), "path": scope["path"], "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
            }})
            request_id.reset(token)


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The store answers, and the read model is caught up (or was within the bound)."""
    store = request.app.state.store
    try:
        latest = await run_in_threadpool(store.ledger.recorder.max_notification_id) or 0
        projected = await run_in_threadpool(store.projector.refresh)
    except Exception:  # the store is unreachable: not ready, whatever the reason
        logging.getLogger("certledger.api").warning("readiness check failed", exc_info=True)
        return JSONResponse({"status": "unavailable", "reason": "store unreachable"}, status_code=503)
    lag = latest - projected
    state = request.app.state
    if lag <= 0:
        state.behind_since = None
    elif getattr(state, "behind_since", None) is None:
        state.behind_since = time.monotonic()
    behind = 0.0 if state.behind_since is None else time.monotonic() - state.behind_since
    ready = behind <= READY_LAG_SECONDS
    body = {"status": "ready" if ready else "lagging", "latest_event": latest,
            "projected_event": projected, "behind_seconds": round(behind, 2)}
    return JSONResponse(body, status_code=200 if ready else 503)
