"""Property tests: for random sequences of valid and invalid commands over several years,
the projected answers equal a naive recomputation from the raw event list."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.catalog import YearCatalog
from domain.standing import Drop, Move
from domain.decision import Body, Decision, Purpose
from domain.errors import CertLedgerError
from domain.school_year import SchoolYear
from events.application import PlacementSpec
from events.changes import compare
from events.queries import TimePoint
from events.store import Store, StoreLocation
from tests.conftest import location_for

YEARS = [SchoolYear(2025), SchoolYear(2026), SchoolYear(2027)]
SECTORS = ["Manufacturing", "Information Technology"]
PATHWAYS = ["Welding", "Networking"]
CERTS = ["NCCER Core", "CompTIA A+", "CompTIA A", "FAA Part 107", "CIW JavaScript"]
DAYS = [date(2024, 6, 1), date(2025, 2, 20), date(2025, 4, 17), date(2025, 9, 1), date(2026, 3, 1),
        date(2026, 5, 1), date(2026, 12, 1), date(2027, 4, 1), date(2028, 1, 10)]
TODAY = date(2028, 6, 1)

placements = st.builds(PlacementSpec, st.sampled_from(SECTORS), st.sampled_from(PATHWAYS), st.sampled_from(CERTS))
reasons = st.sampled_from(["Retired by the vendor", "Listed in error", ""])


@st.composite
def decided(draw: st.DrawFn, body: Body | None = None) -> tuple[SchoolYear, Decision]:
    """A year and a decision: mostly dated within the year's window, sometimes not."""
    year = draw(st.sampled_from([YEARS[0], YEARS[0], YEARS[0], *YEARS[1:]]))  # the seeded year most
    window = [date(year.start - 1, 8, 1), date(year.start, 2, 20), date(year.start, 4, 17),
              date(year.start, 9, 1), date(year.end, 3, 1)]
    day = draw(st.sampled_from(window)) if draw(st.integers(0, 9)) else draw(st.sampled_from(DAYS))
    return year, Decision(body or draw(st.sampled_from(list(Body))), day)


def command(kind: str, when: st.SearchStrategy, *rest: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.just(kind), when, *rest).map(lambda t: (t[0], *t[1], *t[2:]))


commands = st.one_of(
    command("swib", decided(Body.SWIB), st.lists(placements, min_size=1, max_size=4), st.booleans()),
    command("approve", decided(Body.SBE), st.lists(placements, min_size=1, max_size=4)),
    command("remove", decided(), st.sampled_from(CERTS), reasons,
            st.one_of(st.none(), st.tuples(st.sampled_from(SECTORS), st.sampled_from(PATHWAYS)))),
    command("rename", decided(), st.sampled_from(CERTS), st.sampled_from(CERTS + ["Renamed X", "Renamed Y"]),
            st.one_of(st.none(), st.sampled_from(DAYS))),
    command("move", decided(), st.sampled_from(CERTS), st.sampled_from(SECTORS), st.sampled_from(PATHWAYS),
            st.sampled_from(SECTORS), st.sampled_from(PATHWAYS)),
    command("carry", decided(), st.lists(st.sampled_from(CERTS), max_size=2), st.lists(placements, max_size=2)),
)
# The SWIB recognizes eight placements; the SBE approves six, four of them recognized too.
SEED = [("swib", YEARS[0], Decision(Body.SWIB, date(2025, 2, 20)),
         [PlacementSpec(s, p, c) for s in SECTORS for p in PATHWAYS for c in CERTS[:2]], True),
        ("approve", YEARS[0], Decision(Body.SBE, date(2025, 4, 17)),
         [PlacementSpec(s, p, c) for s in SECTORS for p, c in zip(PATHWAYS, CERTS[1:], strict=False)]
         + [PlacementSpec(s, "Welding", CERTS[0]) for s in SECTORS])]


def run(store: Store, step: tuple) -> None:
    ledger, kind, year, decision, *rest = store.ledger, *step
    if kind == "swib":
        ledger.record_swib_vote(year, decision, rest[0], recognized=rest[1], recorded_by="p")
    elif kind == "approve":
        ledger.approve(year, decision, rest[0], recorded_by="p")
    elif kind == "remove":
        cert, reason, where = rest
        ledger.remove(year, decision, Drop(cert, reason, *(where or ("", ""))), recorded_by="p")
    elif kind == "rename":
        ledger.rename(year, decision, rest[0], rest[1], effective_on=rest[2], recorded_by="p")
    elif kind == "move":
        ledger.move(year, decision, Move(*rest), recorded_by="p")
    else:
        ledger.carry_forward(year, decision, drops=[Drop(c, "Dropped") for c in rest[0]], additions=rest[1],
                             recorded_by="p")


def naive_catalog(
    events: list[tuple[int, object]], year: str, purpose: str, as_of: date = date.max
) -> list[tuple[str, str, str, str]]:
    """Straight from the events, with nothing shared with the projection's code; a
    rename shows from its effective date on, as of a date."""
    eligible: dict[tuple[str, str, str], int | None] = {}
    names: dict[str, str] = {}
    for position, e in events:
        if str(getattr(e, "school_year", "")) != year:
            continue
        kind = type(e).__name__
        key = (getattr(e, "sector", None), getattr(e, "pathway", None), getattr(e, "certification_id", None))
        if kind in ("PlacementApproved", "SwibVoteRecorded", "PlacementMoved"):
            names.setdefault(e.certification_id, e.certification_name)
        if kind == "CertificationRenamed" and e.effective_on <= as_of:
            names[e.certification_id] = e.new_name
        if kind == "PlacementApproved" and purpose == Purpose.ACCOUNTABILITY_ACCELERATION.name:
            eligible[key] = position
        elif kind == "SwibVoteRecorded" and purpose != Purpose.ACCOUNTABILITY_ACCELERATION.name:
            eligible[key] = position if e.recognized else None
        elif kind == "PlacementRemoved" and purpose in e.purposes:
            eligible[key] = None
        elif kind == "PlacementMoved" and purpose in e.purposes:
            eligible[key] = None
            eligible[(e.to_sector, e.to_pathway, e.certification_id)] = position
    listed = sorted((p, k) for k, p in eligible.items() if p is not None)
    return [(s, pw, c, names[c]) for _, (s, pw, c) in listed]


def rows(store: Store, year: str, purpose: str, at: TimePoint = TimePoint()) -> list[tuple[str, str, str, str]]:
    return [(r.sector, r.pathway, r.certification_id, r.name) for r in store.reader.catalog(year, purpose, at)]


def naive_changes(a: list[tuple[str, str, str, str]], b: list[tuple[str, str, str, str]]) -> dict[str, object]:
    """What differs between two naive lists, certification by certification."""
    def by_cert(rows: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, frozenset[tuple[str, str]]]]:
        return {c: (next(r[3] for r in rows if r[2] == c), frozenset((r[0], r[1]) for r in rows if r[2] == c))
                for c in {r[2] for r in rows}}

    before, after = by_cert(a), by_cert(b)
    both = before.keys() & after.keys()
    return {
        "added": after.keys() - before.keys(), "removed": before.keys() - after.keys(),
        "renamed": {c for c in both if before[c][0] != after[c][0]},
        "moved": {c for c in both if before[c][1] != after[c][1]},
        "unchanged": len([c for c in both if before[c] == after[c]]),
    }


def projected_changes(store: Store, first: str, second: str, purpose: str, at: TimePoint) -> dict[str, object]:
    found = compare(*store.reader.catalogs((first, second), purpose, at), [], purpose)
    return {kind: {c.certification_id for c in getattr(found, kind)} for kind in ("added", "removed", "renamed", "moved")
            } | {"unchanged": found.unchanged}


def check_against_naive(store: Store, sequence: list[tuple], as_of: date, upto: int) -> None:
    for step in [*SEED, *sequence]:
        before = store.ledger.recorder.max_notification_id() or 0
        try:
            run(store, step)
        except CertLedgerError:
            assert (store.ledger.recorder.max_notification_id() or 0) == before, "a refused command wrote"
    store.sync()
    notifications = store.ledger.recorder.select_notifications(start=1, limit=10_000)
    events = [(n.id, store.ledger.mapper.to_domain_event(n)) for n in notifications]
    # As of a date, the latest-dated decision stands (ties: the one recorded later): the
    # naive model sorts by date, where the projection trusts the rules to keep the log
    # in date order for each placement.
    decided = sorted(((p, e) for p, e in events if e.decision.decided_on <= as_of),
                     key=lambda pe: (pe[1].decision.decided_on, pe[0]))
    recorded = [(p, e) for p, e in events if p <= upto]
    for year in map(str, YEARS):
        for purpose in (p.name for p in Purpose):
            assert rows(store, year, purpose) == naive_catalog(events, year, purpose)
            assert rows(store, year, purpose, TimePoint(as_of=as_of)) == naive_catalog(decided, year, purpose, as_of)
            assert rows(store, year, purpose, TimePoint(upto=upto)) == naive_catalog(recorded, year, purpose)
    for first, second in zip(map(str, YEARS), map(str, YEARS[1:]), strict=False):
        for purpose in (p.name for p in Purpose):
            for at, log, day in ((TimePoint(), events, date.max), (TimePoint(as_of=as_of), decided, as_of),
                                 (TimePoint(upto=upto), recorded, date.max)):
                assert projected_changes(store, first, second, purpose, at) == naive_changes(
                    naive_catalog(log, first, purpose, day), naive_catalog(log, second, purpose, day))
    live = store.reader.dump()
    store.projector.rebuild()
    assert store.reader.dump() == live
    assert all(isinstance(e, (YearCatalog.Event, YearCatalog.SchoolYearOpened)) for _, e in events)


histories = st.lists(commands, min_size=1, max_size=25)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories, st.sampled_from(DAYS), st.integers(min_value=0, max_value=80))
def test_projections_equal_a_naive_recomputation_from_the_raw_events(sequence, as_of, upto):
    store = Store(StoreLocation.parse("memory"), today=lambda: TODAY)
    try:
        check_against_naive(store, sequence, as_of, upto)
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_same_holds_on_the_sql_of_each_persistent_backend(backend, tmp_path, request):
    """Fewer examples: each opens a store on a file or a real server."""
    counter = iter(range(10**6))

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(histories, st.sampled_from(DAYS), st.integers(min_value=0, max_value=80))
    def check(sequence, as_of, upto):
        if backend == "sqlite":
            location = StoreLocation.parse(str(tmp_path / f"p{next(counter)}.sqlite3"))
        else:
            location = location_for("postgresql", tmp_path, request)
        store = Store(location, today=lambda: TODAY)
        try:
            check_against_naive(store, sequence, as_of, upto)
        finally:
            store.close()

    check()
