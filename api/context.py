"""Per-request state: the store, the caller, and DataLoaders (never shared between requests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension

from events.queries import CatalogRow, CertificationRecord, HistoryEntry, PlacementRow, TimePoint
from api.settings import Settings
from events.store import Store
from events.tokens import TokenHolder

T = TypeVar("T")


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking store work in a worker thread, so the event loop keeps serving."""
    return await run_in_threadpool(fn, *args)


@dataclass
class Loaders:
    """Batch the per-certification lookups of one request into one query each."""

    store: Store
    history: dict[tuple[Any, ...], DataLoader[str, list[HistoryEntry]]] = field(default_factory=dict)
    placements: dict[tuple[str, TimePoint], DataLoader[str, list[PlacementRow]]] = field(default_factory=dict)
    records: DataLoader[str, CertificationRecord | None] = field(init=False)
    catalog: DataLoader[tuple[str, str, TimePoint], list[CatalogRow]] = field(init=False)

    def __post_init__(self) -> None:
        reader = self.store.reader

        async def load_catalogs(keys: list[tuple[str, str, TimePoint]]) -> list[list[CatalogRow]]:
            return await off_loop(lambda: [reader.catalog(*key) for key in keys])

        self.catalog = DataLoader(load_catalogs)

        async def load_records(ids: list[str]) -> list[CertificationRecord | None]:
            found = await off_loop(reader.certifications, ids)
            return [found.get(i) for i in ids]

        self.records = DataLoader(load_records)

    def history_at(self, at: TimePoint, year: str | None = None, after: int = 0,
                   limit: int = 100) -> DataLoader[str, list[HistoryEntry]]:
        key = (at, year, after, limit)
        if key not in self.history:
            reader = self.store.reader

            async def load(ids: list[str]) -> list[list[HistoryEntry]]:
                found = await off_loop(lambda: reader.history(ids, at, year=year, after=after, limit=limit))
                return [found[i] for i in ids]

            self.history[key] = DataLoader(load)
        return self.history[key]

    def placements_for(self, purpose: str, at: TimePoint) -> DataLoader[str, list[PlacementRow]]:
        if (purpose, at) not in self.placements:
            reader = self.store.reader

            async def load(ids: list[str]) -> list[list[PlacementRow]]:
                found = await off_loop(reader.placements, ids, purpose, at)
                return [found[i] for i in ids]

            self.placements[(purpose, at)] = DataLoader(load)
        return self.placements[(purpose, at)]


@dataclass
class Context:
    """What every resolver can reach."""

    store: Store
    settings: Settings
    loaders: Loaders  # replaced for each operation by FreshLoaders
    token: str | None = None  # the bearer token sent, checked only by mutations
    holder: TokenHolder | None = None  # set once a mutation's token is checked
    watch: Any = None  # LiveFeeds, for live updates
    request: Any = None
    response: Any = None


Info = strawberry.Info[Context, Any]


class FreshLoaders(SchemaExtension):
    """New DataLoaders for every operation. Strawberry builds one context per websocket
    connection, so loaders made there would serve stale cached rows to later operations."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.loaders = Loaders(context.store)
        yield
