"""The ASGI application: GraphQL at /graphql (GraphiQL in a browser), health checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL

from api.auth import bearer_token
from api.context import Context, Loaders
from api.live import PositionWatch
from api.schema import build_schema
from api.settings import Settings
from events.store import Store, StoreLocation


def open_store(settings: Settings) -> Store:
    return Store(StoreLocation.parse(settings.db), poll_interval=settings.poll_interval)


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view, with our per-request context."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(build_schema(), allowed_origins=settings.allowed_origins, **kwargs)
        self.settings = settings

    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.app.state
        return Context(
            store=state.store, settings=self.settings, loaders=Loaders(state.store),
            token=bearer_token(request.headers.get("authorization")), watch=state.watch,
            request=request, response=response,
        )


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> Starlette:
    """Build the app. A store passed in is used as is (and left open); otherwise one is
    opened from the settings when the app starts and closed when it stops."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store or await run_in_threadpool(open_store, settings)
        app.state.watch = PositionWatch(asyncio.get_running_loop())
        app.state.store.projector.add_listener(app.state.watch.advanced)
        if owned:
            await run_in_threadpool(app.state.store.start)
        try:
            yield
        finally:
            app.state.store.projector.remove_listener(app.state.watch.advanced)
            if owned:
                await run_in_threadpool(app.state.store.close)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    graphql = GraphQLView(settings)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
