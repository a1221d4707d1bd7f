"""Synthetic history: append, rebuild and read costs from 10k to 1M events.

Shape (deterministic, so the first events are identical at every scale): school years
from 1990-1991 on, each listing 1,000 certifications in 50 pathways of 10 sectors, one
placement each. The first year is voted on by the SWIB and approved by the SBE; each
later year is opened by carrying the year before forward (with 5% renamed, 5% moved,
2% dropped and 2% added) and then voted on by the SWIB; every year then sees one
round of SWIB withdrawal and re-recognition of its whole list. About 4,100 events a
year, in decisions of about 1,000 events; generation stops at the target count.

For each backend and scale it measures, in one run:
* append: events/s through the ledger's commands (domain rules, aggregates, mapping,
  commit times), against the library's raw batched append of the same events in the
  same batch sizes into an empty store (``EventStore.put``: serialise and insert, what
  ``Application.save`` does with a command's events): target ratio >= 0.5. The
  recorder's insert of events already serialised is shown too, as the floor;
* rebuild: events/s of `certledger rebuild` against the library's raw read-and-
  deserialise of the same log (select_notifications + mapper): target ratio >= 0.5;
* read latency of `catalog(1990-1991)` (1,000 placements) and `changes(1990-1991 ->
  1991-1992)` executed in process without the response cache, median of 25, taken in
  5 rounds across all scales in turn (median of the rounds); the ratio of the largest
  scale to the smallest is the target (<= 1.2);
* peak resident memory of a `certledger serve` process answering those queries,
  certification pages and audit-log pages over the store.

    .venv/bin/python bench/history.py [--events 10000 100000 1000000] [--backends sqlite postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from eventsourcing.persistence import Notification

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.decision import Body, Decision  # noqa: E402
from domain.school_year import SchoolYear  # noqa: E402
from domain.standing import Drop, Move  # noqa: E402
from events.application import PlacementSpec  # noqa: E402
from events.store import Store, StoreLocation  # noqa: E402

CERTS, SECTORS, PATHWAYS_PER_SECTOR, ROUNDS = 1000, 10, 5, 1
FAR_FUTURE = date(3000, 1, 1)
PG_ADMIN = os.environ.get("CERTLEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def placement(i: int) -> PlacementSpec:
    sector = i % SECTORS
    return PlacementSpec(f"Sector {sector:02d}", f"Pathway {sector:02d}.{(i // SECTORS) % PATHWAYS_PER_SECTOR}",
                         f"Synthetic Certification {i:05d}")


class Generator:
    """Drives the ledger's own commands, one decision (about 1,000 events) at a time."""

    def __init__(self, store: Store, target: int) -> None:
        self.store, self.target, self.count, self.seconds = store, target, 0, 0.0
        self.batch_sizes: list[int] = []

    def run(self) -> None:
        year = SchoolYear(1990)
        first = [placement(i) for i in range(CERTS)]
        self._do(lambda: self.store.ledger.record_swib_vote(
            year, Decision(Body.SWIB, date(1990, 2, 1)), first, recognized=True, recorded_by="bench"))
        self._do(lambda: self.store.ledger.approve(
            year, Decision(Body.SBE, date(1990, 3, 1)), first, recorded_by="bench"))
        added = CERTS
        while self.count < self.target:
            self._churn(year)
            if self.count >= self.target:
                break
            added = self._carry_forward(year, added)
            year = year.next()
            listed = self.store.ledger.catalog(year).listed()
            specs = [PlacementSpec(s.sector, s.pathway, s.certification_id) for s in listed]
            self._do(lambda: self.store.ledger.record_swib_vote(
                year, Decision(Body.SWIB, date(year.start, 1, 16)), specs, recognized=True, recorded_by="bench"))

    def _churn(self, year: SchoolYear) -> None:
        for round_ in range(ROUNDS):
            listed = [s for s in self.store.ledger.catalog(year).listed() if s.recognized]
            specs = [PlacementSpec(s.sector, s.pathway, s.certification_id) for s in listed]
            for offset, recognized in ((0, False), (1, True)):
                if self.count >= self.target:
                    return
                day = date(year.start, 5, 1 + round_ * 2 + offset)
                self._do(lambda: self.store.ledger.record_swib_vote(
                    year, Decision(Body.SWIB, day), specs, recognized=recognized, recorded_by="bench"))

    def _carry_forward(self, year: SchoolYear, added: int) -> int:
        listed = [s for s in self.store.ledger.catalog(year).listed() if s.approved]
        n = len(listed)
        names = self.store.ledger.catalog(year).names
        renames = [(s.certification_id, f"{names[s.certification_id].split(' r')[0]} r{year.start}")
                   for s in listed[0: n // 20]]
        moves = [Move(s.certification_id, s.sector, s.pathway, s.sector, _other_pathway(s.pathway))
                 for s in listed[n // 20: n // 10]]
        drops = [Drop(s.certification_id, "synthetic drop") for s in listed[n // 10: n // 10 + n // 50]]
        additions = [placement(added + i) for i in range(n // 50)]
        self._do(lambda: self.store.ledger.carry_forward(
            year, Decision(Body.SBE, date(year.start + 1, 1, 15)), drops=drops, moves=moves, renames=renames,
            additions=additions, recorded_by="bench"))
        return added + len(additions)

    def _do(self, command) -> None:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        recorded = command()
        self.seconds += time.perf_counter() - started
        self.count += len(recorded.events)
        self.batch_sizes.append(len(recorded.events))


def _other_pathway(pathway: str) -> str:
    """Moves go back and forth between a pathway and its twin, so names stay short."""
    return pathway.removesuffix(" (twin)") if pathway.endswith(" (twin)") else pathway + " (twin)"


def batches(source: Store, batch_sizes: list[int]) -> Iterator[list[Notification]]:
    """The source's stored events, in the batch sizes they were recorded in."""
    start, pending = 0, []
    sizes = iter(batch_sizes)
    size = next(sizes)
    while True:
        chunk = source.ledger.recorder.select_notifications(start=start, limit=5000, inclusive_of_start=False)
        if not chunk and not pending:
            return
        pending.extend(chunk)
        if chunk:
            start = chunk[-1].id
        while len(pending) >= size or (not chunk and pending):
            batch, pending = pending[:size], pending[size:]
            yield batch
            size = next(sizes, size)


def raw_append(source: Store, target: Store, batch_sizes: list[int]) -> float:
    """Seconds for the library alone to append the same events in the same batches into
    an empty store: ``EventStore.put`` of the domain events, which is what
    ``Application.save`` does once a command has triggered them (serialise, insert,
    commit). Reading and deserialising the source is not timed."""
    to_event = source.ledger.mapper.to_domain_event
    seconds = 0.0
    for batch in batches(source, batch_sizes):
        events = [to_event(n) for n in batch]
        began = time.perf_counter()
        target.ledger.events.put(events)
        seconds += time.perf_counter() - began
    return seconds


def raw_insert(source: Store, target: Store, batch_sizes: list[int]) -> float:
    """Seconds for the recorder to insert the same events already serialised: the floor
    under any append, shown for reference."""
    seconds = 0.0
    for batch in batches(source, batch_sizes):
        began = time.perf_counter()
        target.ledger.recorder.insert_events(batch)
        seconds += time.perf_counter() - began
    return seconds


def raw_read(store: Store) -> tuple[float, int]:
    """Seconds to read and deserialise every event with the library alone."""
    to_event = store.ledger.mapper.to_domain_event
    started, start, count = time.perf_counter(), 0, 0
    while chunk := store.ledger.recorder.select_notifications(start=start, limit=2000, inclusive_of_start=False):
        for notification in chunk:
            to_event(notification)
        count += len(chunk)
        start = chunk[-1].id
    return time.perf_counter() - started, count


CATALOG = '{ catalog(schoolYear: "1990-1991") { placementCount sectors { name pathways { name certifications { id name } } } } }'
CHANGES = ('{ changes(fromYear: "1990-1991", toYear: "1991-1992") { unchangedCount added { certification { id } } '
           "removed { certification { id } } renamed { certification { id } after { name } decisions { kind } } "
           "moved { certification { id } } } }")


def latency(store: Store, query: str, runs: int = 25) -> float:
    """Median milliseconds to execute a query in process (no HTTP, no response cache)."""
    from api.context import Context, Loaders
    from api.schema import build_schema
    from api.settings import Settings

    schema = build_schema()

    async def once() -> float:
        context = Context(store=store, settings=Settings(db="memory"), loaders=Loaders(store))
        started = time.perf_counter()
        result = await schema.execute(query, context_value=context)
        assert result.errors is None, result.errors
        return (time.perf_counter() - started) * 1000

    async def all_runs() -> list[float]:
        await once()
        return [await once() for _ in range(runs)]

    return statistics.median(asyncio.run(all_runs()))


def server_peak_rss(db: str) -> float:
    """Peak RSS (MiB) of `certledger serve` answering a mix of read queries."""
    from tests.api.conftest import free_port

    port = free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "certledger"), "serve", "--port", str(port),
                                "--log-level", "warning"], env={**os.environ, "CERTLEDGER_DB": db})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=120) as client:
            years = client.post("/graphql", json={"query": "{ schoolYears { schoolYear } }"}).json()["data"]["schoolYears"]
            for i, year in enumerate(y["schoolYear"] for y in years[:: max(1, len(years) // 10)]):
                for query in (CATALOG.replace("1990-1991", year),
                              '{ certifications(schoolYear: "%s", first: 500) { edges { node { id history(schoolYear: "%s") '
                              '{ kind } } } } }' % (year, year),
                              '{ auditLog(first: 500, schoolYear: "%s") { edges { node { position kind } } } }' % year,
                              CHANGES):
                    assert "errors" not in client.post("/graphql", json={"query": query}).json()
        status = Path(f"/proc/{process.pid}/status").read_text()
        return int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) / 1024
    finally:
        process.terminate()
        process.wait()


@dataclass
class Result:
    backend: str
    events: int
    append_rate: float
    raw_append_rate: float  # the library's EventStore.put (serialise and insert)
    raw_insert_rate: float  # the recorder's insert of serialised events (the floor)
    rebuild_rate: float
    raw_read_rate: float
    catalog_ms: float
    changes_ms: float
    peak_rss_mib: float


def location(backend: str, work: Path, name: str) -> StoreLocation:
    if backend == "sqlite":
        return StoreLocation.parse(str(work / f"{name}.sqlite3"))
    import psycopg

    db = f"certledger_bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    return StoreLocation.parse(f"{PG_ADMIN.rsplit('/', 1)[0]}/{db}")


def drop(loc: StoreLocation) -> None:
    if loc.engine == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{loc.target.rsplit("/", 1)[1]}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(loc.target + suffix).unlink(missing_ok=True)


def baseline(backend: str, work: Path, name: str, source: Store, batch_sizes: list[int],
             append: Callable[[Store, Store, list[int]], float]) -> float:
    """Seconds of one raw append into a store of its own, dropped afterwards."""
    where = location(backend, work, name)
    try:
        target = Store(where, today=lambda: FAR_FUTURE)
        try:
            return append(source, target, batch_sizes)
        finally:
            target.close()
    finally:
        drop(where)


def profile_append(backend: str, work: Path, events: int) -> None:
    """Where the commands' time goes, on a store of its own (profiling slows what it
    measures, so the figures above come from an unprofiled run)."""
    import cProfile
    import pstats

    where = location(backend, work, f"profile{events}")
    try:
        store = Store(where, today=lambda: FAR_FUTURE)
        profiler = cProfile.Profile()
        profiler.runcall(Generator(store, events).run)
        store.close()
    finally:
        drop(where)
    print(f"append profile ({backend}), by cumulative time:", flush=True)
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)


def profile_rebuild(store: Store) -> None:
    """Where a rebuild's time goes: the functions it spends most of its own time in."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(store.projector.rebuild)
    print(f"rebuild profile ({store.location.engine}), by own time:", flush=True)
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(15)


def measure(backend: str, events: int, work: Path, *, profile: bool = False) -> tuple[Result, StoreLocation]:
    """Append, baselines, rebuild and server memory at one scale; the store is kept
    (the caller drops it) so read latencies can be taken across scales together."""
    main = location(backend, work, f"main{events}")
    store = Store(main, today=lambda: FAR_FUTURE)
    generator = Generator(store, events)
    generator.run()
    sizes = generator.batch_sizes
    put_seconds = baseline(backend, work, f"put{events}", store, sizes, raw_append)
    insert_seconds = baseline(backend, work, f"insert{events}", store, sizes, raw_insert)
    read_seconds, count = raw_read(store)
    started = time.perf_counter()
    store.projector.rebuild()
    rebuild_seconds = time.perf_counter() - started
    if profile:
        profile_rebuild(store)
        profile_append(backend, work, events)
    store.close()
    result = Result(
        backend, count, generator.count / generator.seconds, count / put_seconds, count / insert_seconds,
        count / rebuild_seconds, count / read_seconds, 0.0, 0.0, server_peak_rss(main.target),
    )
    return result, main


def read_latencies(results: list[Result], locations: list[StoreLocation], rounds: int = 5) -> None:
    """Each scale's catalog and changes latency: rounds taken in turn across the scales,
    so a change in the machine's load over the run falls on every scale alike; the
    median of the rounds is kept."""
    stores = [Store(where, today=lambda: FAR_FUTURE) for where in locations]
    try:
        taken: list[tuple[list[float], list[float]]] = [([], []) for _ in stores]
        for _ in range(rounds):
            for store, (catalogs, changes) in zip(stores, taken, strict=True):
                catalogs.append(latency(store, CATALOG))
                changes.append(latency(store, CHANGES))
        for result, (catalogs, changes) in zip(results, taken, strict=True):
            result.catalog_ms, result.changes_ms = statistics.median(catalogs), statistics.median(changes)
    finally:
        for store in stores:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--profile", action="store_true",
                        help="also profile the rebuild and the append at the smallest scale (where their time goes)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="certledger-history-"))
    results: list[Result] = []
    for backend in args.backends:
        mine: list[Result] = []
        kept: list[StoreLocation] = []
        try:
            for events in args.events:
                result, where = measure(backend, events, work, profile=args.profile and events == args.events[0])
                mine.append(result)
                kept.append(where)
            read_latencies(mine, kept)
        finally:
            for where in kept:
                drop(where)
        for result in mine:
            print(f"{backend:10} {result.events:>9} events | append {result.append_rate:8.0f}/s vs library "
                  f"{result.raw_append_rate:8.0f}/s = {result.append_rate / result.raw_append_rate:.2f} "
                  f"(insert only {result.raw_insert_rate:8.0f}/s) | rebuild "
                  f"{result.rebuild_rate:8.0f}/s vs raw read {result.raw_read_rate:8.0f}/s = "
                  f"{result.rebuild_rate / result.raw_read_rate:.2f} | catalog {result.catalog_ms:6.1f} ms | "
                  f"changes {result.changes_ms:6.1f} ms | server peak RSS {result.peak_rss_mib:6.1f} MiB", flush=True)
        results += mine
    for backend in args.backends:
        mine = [r for r in results if r.backend == backend]
        small, large = mine[0], mine[-1]
        print(f"RESULT {backend}: catalog latency {large.events} / {small.events} events = "
              f"{large.catalog_ms / small.catalog_ms:.2f}, changes = {large.changes_ms / small.changes_ms:.2f} "
              "(target <= 1.2)")
    (work / "results.json").write_text(json.dumps([r.__dict__ for r in results], indent=2))
    print(f"raw figures: {work / 'results.json'}")


if __name__ == "__main__":
    main()
