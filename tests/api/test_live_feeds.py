"""Live feeds: one per watched year, and a failed read is retried without losing events."""

from __future__ import annotations

import asyncio

from api import live
from api.live import LiveFeeds


class FlakyReader:
    """Fails its first read, as a store that is briefly unreachable would."""

    def __init__(self) -> None:
        self.reads: list[int] = []

    def position(self) -> int:
        return 7

    def year_history_after(self, year: str, after: int) -> list[object]:
        self.reads.append(after)
        if len(self.reads) == 1:
            raise ConnectionError("store unreachable")
        return [type("Entry", (), {"position": after + 1})()]


def test_a_feed_whose_read_fails_reads_again_from_where_it_was(monkeypatch):
    monkeypatch.setattr(live, "RETRY_SECONDS", 0.01)

    async def scenario() -> list[int]:
        reader = FlakyReader()
        feeds = LiveFeeds(asyncio.get_running_loop(), reader, max_subscribers=10)  # type: ignore[arg-type]
        follower = feeds.follow("2025-2026")
        first = asyncio.ensure_future(follower.__anext__())
        await asyncio.sleep(0.05)
        feeds.advanced(8)
        batch = await asyncio.wait_for(first, timeout=10)
        await follower.aclose()
        assert feeds.feeds == {}  # the last subscriber gone, the feed stops
        return [reader.reads[0], reader.reads[1], batch[0].position]

    assert asyncio.run(scenario()) == [7, 7, 8]


def test_subscribers_arriving_together_share_one_feed():
    async def scenario() -> int:
        reader = FlakyReader()
        reader.reads.append(0)  # no failure here
        feeds = LiveFeeds(asyncio.get_running_loop(), reader, max_subscribers=10)  # type: ignore[arg-type]
        followers = [feeds.follow("2025-2026") for _ in range(5)]
        waiting = [asyncio.ensure_future(f.__anext__()) for f in followers]
        await asyncio.sleep(0.05)
        tasks = {id(feed.task) for feed in feeds.feeds.values()}
        running = [t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") == "YearFeed._run"]
        for w in waiting:
            w.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        assert feeds.feeds == {} and feeds.count == 0
        return len(tasks), len(running)

    assert asyncio.run(scenario()) == (1, 1)
