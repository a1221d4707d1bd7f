"""Live updates: one feed per watched school year, fanned out to its subscribers.

When the read model advances (in any thread), each watched year's feed reads the new
events once and hands them to every subscriber of that year, so a thousand
subscribers cost one query per change, not a thousand. Subscriptions are capped in
total (and per connection, by the view); a subscriber that stops reading is dropped
rather than buffering without end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

import strawberry

from api.context import Info, off_loop
from api.errors import UserError
from api.inputs import parse_school_year
from api.types import RecordedEvent
from events.queries import CatalogReader, HistoryEntry

BACKLOG = 256  # batches a subscriber may fall behind before it is dropped
RETRY_SECONDS = 1.0  # after a failed read, before the feed reads again from where it was
log = logging.getLogger("certledger.live")


class YearFeed:
    """Reads a school year's new events once per advance and hands them out."""

    def __init__(self, year: str, reader: CatalogReader, start: int) -> None:
        self.year, self.reader, self.seen = year, reader, start
        self.subscribers: set[asyncio.Queue[list[HistoryEntry] | None]] = set()
        self.wake = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            try:
                entries = await off_loop(self.reader.year_history_after, self.year, self.seen)
            except Exception:  # the store was unreachable or busy: read again later, missing nothing
                log.warning("live feed for %s could not read its events; retrying", self.year, exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                self.wake.set()
                continue
            if not entries:
                continue
            self.seen = entries[-1].position
            for queue in list(self.subscribers):
                try:
                    queue.put_nowait(entries)
                except asyncio.QueueFull:
                    self.subscribers.discard(queue)
                    queue.get_nowait()
                    queue.put_nowait(None)  # tell the slow subscriber it was dropped


class LiveFeeds:
    """All feeds of one process; the projector's listener wakes them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, reader: CatalogReader, max_subscribers: int) -> None:
        self.loop, self.reader, self.max_subscribers = loop, reader, max_subscribers
        self.feeds: dict[str, YearFeed] = {}
        self.count = 0

    def advanced(self, position: int) -> None:
        """Projector listener: called from whichever thread advanced the read model."""
        self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        for feed in self.feeds.values():
            feed.wake.set()

    async def follow(self, year: str) -> AsyncIterator[list[HistoryEntry]]:
        """Batches of the year's events recorded from now on."""
        if self.count >= self.max_subscribers:
            raise UserError(f"The server is at its limit of {self.max_subscribers} live subscriptions; "
                            "try again later", "TOO_MANY_SUBSCRIPTIONS")
        self.count += 1
        queue: asyncio.Queue[list[HistoryEntry] | None] = asyncio.Queue(BACKLOG)
        try:
            feed = self.feeds.get(year)
            if feed is None:
                start = await off_loop(self.reader.position)
                feed = self.feeds.get(year)  # another first subscriber may have made it meanwhile
                if feed is None:
                    feed = self.feeds[year] = YearFeed(year, self.reader, start)
            feed.subscribers.add(queue)
            while (batch := await queue.get()) is not None:
                yield batch
            raise UserError("Live updates fell too far behind and were stopped; subscribe again",
                            "SUBSCRIBER_TOO_SLOW")
        finally:
            self.count -= 1
            feed = self.feeds.get(year)
            if feed is not None:
                feed.subscribers.discard(queue)
                if not feed.subscribers:
                    feed.task.cancel()
                    del self.feeds[year]


@strawberry.type(description="Live updates over graphql-transport-ws.")
class Subscription:
    @strawberry.subscription(description="Each event concerning a school year's list, pushed as it is "
                             "recorded (from the moment of subscribing).")
    async def catalog_changed(
        self, info: Info,
        school_year: Annotated[str, strawberry.argument(description="The school year to watch, e.g. 2026-2027.")],
    ) -> AsyncGenerator[RecordedEvent, None]:
        year = str(parse_school_year(school_year))
        async for batch in info.context.watch.follow(year):
            for entry in batch:
                yield RecordedEvent.from_entry(entry)
