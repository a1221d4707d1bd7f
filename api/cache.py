"""Answering repeated read queries from memory, keyed by the read model's position.

The answer to a query depends only on the query, its variables, the negotiated media
type and the read model. So a response is kept, with the position the read model
had when it was computed, and served again for the same request bytes while the
position is unchanged: no parsing, no resolvers, no store. Each response carries an
ETag (a hash of its body); a GET whose If-None-Match matches gets 304 Not Modified.

Only queries are kept (never mutations), only 200 answers without errors, and only up
to a size; the oldest entries are dropped first.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from urllib.parse import parse_qs

from graphql import OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

VARY = (b"accept", b"content-type")


@dataclass(frozen=True)
class Cached:
    position: int
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


# Only query texts up to this size are cached (entries are keyed by a digest, but the
# operation-type cache below keeps whole texts).
MAX_CACHED_QUERY = 64 << 10


@lru_cache(maxsize=256)
def operation_type(query: str, operation_name: str | None, max_tokens: int) -> OperationType | None:
    """The type of the operation a request would run, or None if it cannot be told.
    Parsing stops at the same token limit as the GraphQL endpoint's own."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    return operations[0].operation if len(operations) == 1 else None


def _request_parts(method: str, query_string: bytes, body: bytes) -> tuple[str, str | None] | None:
    try:
        if method == "GET":
            params = parse_qs(query_string.decode("latin-1"))
            query, names = params.get("query", [None])[0], params.get("operationName", [None])
            return (query, names[0]) if isinstance(query, str) else None
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None
    name = payload.get("operationName")
    return payload["query"], name if isinstance(name, str) else None


class ResponseCache:
    """ASGI middleware in front of the GraphQL endpoint's HTTP side."""

    def __init__(
        self, app: ASGIApp, *, max_entries: int = 512, max_body: int = 1 << 20,
        max_request: int = 6 << 20, max_tokens: int = 2000,
    ) -> None:
        self.app = app
        self.max_tokens = max_tokens
        self.max_entries = max_entries
        self.max_body = max_body
        self.max_request = max_request
        self.entries: OrderedDict[bytes, Cached] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, self.max_request)
        if body is None:
            await _too_large(send, self.max_request)
            return
        position = scope["app"].state.store.projector.position
        headers = dict(scope["headers"])
        key = self._key(scope, headers, body)
        hit = self.entries.get(key)
        if hit is not None and hit.position == position:
            self.entries.move_to_end(key)
            await self._answer(scope, headers, hit, send)
            return
        captured = await self._run(scope, body)
        entry = Cached(position, captured.status, captured.headers, captured.body,
                       b'"' + hashlib.sha256(captured.body).hexdigest()[:32].encode() + b'"')
        if self._cacheable(scope, body, entry):
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        await self._answer(scope, headers, entry, send)

    @staticmethod
    def _key(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> bytes:
        digest = hashlib.sha256(scope["method"].encode() + b"\0" + scope.get("query_string", b""))
        for name in VARY:
            digest.update(b"\0" + headers.get(name, b""))
        digest.update(b"\0" + body)
        return digest.digest()

    def _cacheable(self, scope: Scope, body: bytes, entry: Cached) -> bool:
        # Answers with errors are not kept: some depend on more than the read model (a
        # recordedAsOf moment that has not come yet), and refusals are cheap to give again.
        if entry.status != 200 or len(entry.body) > self.max_body or b'"errors":' in entry.body:
            return False
        parts = _request_parts(scope["method"], scope.get("query_string", b""), body)
        if parts is None or len(parts[0]) > MAX_CACHED_QUERY:
            return False
        return operation_type(*parts, self.max_tokens) is OperationType.QUERY

    async def _run(self, scope: Scope, body: bytes) -> _Captured:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        captured = _Captured()
        await self.app(scope, replay, captured)
        return captured

    async def _answer(self, scope: Scope, headers: dict[bytes, bytes], entry: Cached, send: Send) -> None:
        status, body = entry.status, entry.body
        extra = [(b"etag", entry.etag)] if entry.status == 200 else []
        if scope["method"] == "GET" and entry.status == 200:
            extra.append((b"cache-control", b"no-cache"))
            if _matches(headers.get(b"if-none-match", b""), entry.etag):
                status, body = 304, b""
        out = [(k, v) for k, v in entry.headers if k != b"content-length"]
        if status == 304:
            out = [(k, v) for k, v in out if k != b"content-type"]
        out += [*extra, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})


class _Captured:
    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
    return b"*" in tags or etag in tags


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None once it grows past the limit."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"errors": [{
        "message": f"Request body larger than {limit} bytes", "extensions": {"code": "PAYLOAD_TOO_LARGE"},
    }]}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


