"""The ASGI application: GraphQL at /graphql (GraphiQL in a browser), health checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from cross_web import HTTPException

from api.auth import bearer_token
from api.cache import ResponseCache
from api.context import Context, Loaders
from api.live import LiveFeeds
from api.operations import RequestIds, configure_logging, healthz, readyz
from api.schema import build_schema
from api.settings import Settings
from events.store import Store, StoreLocation


def open_store(settings: Settings) -> Store:
    return Store(StoreLocation.parse(settings.db), poll_interval=settings.poll_interval)


GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class CodedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, with a code on the errors strawberry raises itself (the cap
    on operations per connection), as every other error carries one."""

    async def send_message(self, message: Any) -> None:
        if message.get("type") == "error" and isinstance(message.get("payload"), list):
            for error in message["payload"]:
                if isinstance(error, dict) and "code" not in (error.get("extensions") or {}):
                    code = ("TOO_MANY_SUBSCRIPTIONS" if error.get("message") == "Subscription limit reached"
                            else "BAD_REQUEST")
                    error["extensions"] = {**(error.get("extensions") or {}), "code": code}
        await super().send_message(message)


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view, with our per-request context and GraphQL-over-HTTP's
    ``application/graphql-response+json`` (4xx for request errors) for clients that ask."""

    graphql_transport_ws_handler_class = CodedTransportWSHandler

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(build_schema(settings), allowed_origins=settings.allowed_origins,
                         max_subscriptions_per_connection=10, **kwargs)
        self.settings = settings

    async def get_sub_response(self, request: Request) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = _media_type(request.headers.get("accept", ""))
        return sub_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as e:  # a request GraphQL cannot read: say so in JSON, with a code
            reason = e.reason
            if reason.startswith("subscriptions are not allowed"):
                reason = "Subscriptions run over a websocket (graphql-transport-ws) at /graphql, not over HTTP"
            response = JSONResponse(
                {"errors": [{"message": reason, "extensions": {"code": "BAD_REQUEST"}}]},
                status_code=e.status_code,
                media_type=_media_type(request.headers.get("accept", "")),
            )
        await response(scope, receive, send)

    async def parse_http_body(self, request: Any) -> Any:
        try:
            return await super().parse_http_body(request)
        except HTTPException:
            raise
        except (UnicodeDecodeError, RecursionError, ValueError) as e:
            raise HTTPException(400, f"Unable to parse request body as JSON ({type(e).__name__})") from None
        except (AttributeError, TypeError):  # valid JSON, but not an object: null, 5, "x"
            raise HTTPException(400, "The request body must be a JSON object") from None

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        media_type = sub_response.media_type or JSON
        if media_type == GRAPHQL_RESPONSE and _is_request_error(response_data):
            # The request never executed (parse, validation or variable errors): no data entry.
            response_data = {k: v for k, v in response_data.items() if k != "data"}
            sub_response.status_code = 400
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
        return response

    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.app.state
        return Context(
            store=state.store, settings=self.settings, loaders=Loaders(state.store),
            token=bearer_token(request.headers.get("authorization")), watch=state.watch,
            request=request, response=response,
        )


def _media_type(accept: str) -> str:
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON


def _is_request_error(response_data: Any) -> bool:
    if not isinstance(response_data, dict) or response_data.get("data") is not None:
        return False
    errors = response_data.get("errors") or []
    return bool(errors) and all("path" not in e for e in errors)


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> Starlette:
    """Build the app. A store passed in is used as is (and left open); otherwise one is
    opened from the settings when the app starts and closed when it stops."""
    if settings is None:  # started by uvicorn (one worker or several): configure from the environment
        settings = Settings.from_env()
        configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store or await run_in_threadpool(open_store, settings)
        app.state.watch = LiveFeeds(asyncio.get_running_loop(), app.state.store.reader,
                                    settings.max_subscriptions)
        app.state.store.projector.add_listener(app.state.watch.advanced)
        if owned:
            await run_in_threadpool(app.state.store.start)
        try:
            yield
        finally:
            app.state.store.projector.remove_listener(app.state.watch.advanced)
            if owned:
                await run_in_threadpool(app.state.store.close)

    graphql = GraphQLView(settings)
    middleware = [Middleware(RequestIds)]
    if settings.allowed_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(settings.allowed_origins), allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "accept", "if-none-match", "x-request-id"],
            expose_headers=["etag", "x-request-id"], max_age=600,
        ))
    return Starlette(
        middleware=middleware,
        routes=[
            Route("/graphql", ResponseCache(graphql, max_entries=settings.response_cache_entries,
                                            max_request=settings.max_body_bytes, max_tokens=settings.max_tokens),
                  methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
