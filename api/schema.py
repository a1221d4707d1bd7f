"""The GraphQL schema, and its SDL (committed as ``schema.graphql``)."""

from __future__ import annotations

from contextlib import aclosing
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType

from api.context import FreshLoaders
from api.errors import classify_result
from api.live import Subscription
from api.mutations import Mutation
from api.queries import Query
from api.limits import limit_extensions
from api.settings import PROJECT_ROOT, Settings

SDL_PATH = PROJECT_ROOT / "schema.graphql"


class CertLedgerSchema(strawberry.Schema):
    """Every result leaves with each error coded, and unexpected errors masked.

    Done here rather than in a schema extension because a parse error thrown through
    ``ParserCache`` skips the other extensions' operation hooks.
    """

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Over HTTP (websockets go through ``stream``): subscriptions need a websocket."""
        allowed = kwargs.get("allowed_operation_types")
        if allowed is not None:
            kwargs["allowed_operation_types"] = set(allowed) - {OperationType.SUBSCRIPTION}
        return classify_result(await super().execute(*args, **kwargs))

    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        return classify_result(super().execute_sync(*args, **kwargs))

    async def subscribe(self, *args: Any, **kwargs: Any) -> Any:
        result = await super().subscribe(*args, **kwargs)
        if hasattr(result, "__aiter__"):
            return _classified(result)
        return classify_result(result)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        """Every operation over a websocket (queries too) runs through here."""
        return _classified(await super().stream(*args, **kwargs))

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Not logged here: ``classify`` logs the unexpected ones, and user errors are not news."""


async def _classified(results: Any) -> Any:
    async with aclosing(results):
        async for result in results:
            yield classify_result(result)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """Build the schema. Extensions are passed as classes or factories, never instances,
    so no state is shared between concurrent requests."""
    settings = settings or Settings()
    return CertLedgerSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            FreshLoaders,
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            *limit_extensions(settings),
        ],
    )


def sdl() -> str:
    return build_schema().as_str() + "\n"


def export(path: Path = SDL_PATH) -> Path:
    path.write_text(sdl(), encoding="utf-8")
    return path
