"""Live updates: subscriptions wake when the read model advances, then read what is new."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

import strawberry

from api.context import Info, off_loop
from api.inputs import parse_school_year
from api.types import RecordedEvent


class PositionWatch:
    """Wakes waiting subscriptions (on the event loop) when the projector advances (any thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiters: set[asyncio.Event] = set()

    def advanced(self, position: int) -> None:
        """Projector listener: called from whichever thread advanced the read model."""
        self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        for waiter in self.waiters:
            waiter.set()

    async def ticks(self) -> AsyncIterator[None]:
        """Yield once now, then each time the read model advances."""
        waiter = asyncio.Event()
        self.waiters.add(waiter)
        try:
            yield
            while True:
                await waiter.wait()
                waiter.clear()
                yield
        finally:
            self.waiters.discard(waiter)


@strawberry.type(description="Live updates over graphql-transport-ws.")
class Subscription:
    @strawberry.subscription(description="Each event concerning a school year's list, pushed as it is "
                             "recorded (from the moment of subscribing).")
    async def catalog_changed(
        self, info: Info,
        school_year: Annotated[str, strawberry.argument(description="The school year to watch, e.g. 2026-2027.")],
    ) -> AsyncGenerator[RecordedEvent, None]:
        year = str(parse_school_year(school_year))
        reader = info.context.store.reader
        ticks = info.context.watch.ticks()
        await ticks.__anext__()  # registered: nothing advancing from here on is missed
        seen = await off_loop(reader.position)
        try:
            async for _ in ticks:
                for entry in await off_loop(reader.year_history_after, year, seen):
                    seen = entry.position
                    yield RecordedEvent.from_entry(entry)
        finally:
            await ticks.aclose()
