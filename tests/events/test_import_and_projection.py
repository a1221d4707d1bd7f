"""Importing the real document and projecting it, on every backend."""

import threading
from datetime import date

import pytest

from domain.decision import Body, Decision
from domain.errors import DocumentError, StatedCountMismatchError
from domain.school_year import SchoolYear
from events.importing import read_document
from events.projector import Projector
from events.queries import TimePoint
from events.store import Store
from tests.conftest import EXPECTED_ROWS, SEED, TODAY, expected_rows

ACCELERATION = "ACCOUNTABILITY_ACCELERATION"
PERKINS = "PERKINS_PROGRAM_QUALITY"
GRANT = "INDUSTRY_CERTIFICATION_GRANT"


def event_count(store: Store) -> int:
    return store.ledger.recorder.max_notification_id() or 0


def catalog_tuples(store: Store, purpose: str = ACCELERATION, at: TimePoint = TimePoint()):
    return [(r.sector, r.pathway, r.name, "Yes") for r in store.reader.catalog("2025-2026", purpose, at)]


def test_import_records_the_documents_decisions_and_projects_the_expected_rows(seeded):
    assert catalog_tuples(seeded) == expected_rows()
    rows = seeded.reader.catalog("2025-2026", ACCELERATION)
    assert len({r.certification_id for r in rows}) == 39
    assert len({r.sector for r in rows}) == 6
    assert len({(r.sector, r.pathway) for r in rows}) == 22
    # One SWIB vote per row, one SBE approval per row, and the year opened: 52 + 52 + 1.
    assert event_count(seeded) == 105


def test_swib_recognition_gives_the_perkins_and_grant_purposes(seeded):
    assert catalog_tuples(seeded, PERKINS) == expected_rows()
    assert catalog_tuples(seeded, GRANT) == expected_rows()


def test_importing_the_same_document_again_records_nothing(seeded, seed_listing):
    again = seeded.ledger.import_list(seed_listing, recorded_by="test:again")
    assert again.events == [] and again.unchanged == 104
    assert event_count(seeded) == 105


def test_a_document_stating_53_is_refused_and_writes_nothing(store):
    text = SEED.read_text(encoding="utf-8").replace("these 52", "these 53").replace("The 52", "The 53")
    with pytest.raises(StatedCountMismatchError, match="states 53"):
        listing = read_document(text.encode(), name="claims-53.txt")
        store.ledger.import_list(listing, recorded_by="test")
    assert event_count(store) == 0
    assert store.reader.school_years() == []


def test_a_hand_typed_tsv_with_the_fixture_columns_imports_the_same_list(store):
    listing = read_document(
        EXPECTED_ROWS.read_bytes(), name=EXPECTED_ROWS.name, school_year=SchoolYear(2025),
        swib_voted_on=date(2025, 2, 20), sbe_approved_on=date(2025, 4, 17), reference="J",
    )
    store.ledger.import_list(listing, recorded_by="test")
    store.sync()
    assert catalog_tuples(store) == expected_rows()


def test_a_list_naming_one_placement_twice_is_refused_and_writes_nothing(store):
    # The same placement both recognized and not: two contradictory SWIB votes in one.
    text = EXPECTED_ROWS.read_text() + "Manufacturing\tWelding\tnccer welding level 1\tNo\n"
    listing = read_document(text.encode(), name="list.tsv", school_year=SchoolYear(2025),
                            swib_voted_on=date(2025, 2, 20))
    with pytest.raises(DocumentError, match=r"list.tsv line 54: 'nccer welding level 1' under Manufacturing / "
                                            r"Welding is listed twice \(also on line 25, as 'NCCER Welding Level 1'\)"):
        store.ledger.import_list(listing, recorded_by="test")
    assert event_count(store) == 0


def test_a_list_naming_one_placement_under_a_former_and_a_current_name_is_refused(seeded):
    before = event_count(seeded)
    seeded.ledger.rename(SchoolYear(2025), Decision(Body.SBE, date(2025, 6, 1)), "faa-part-107", "Drone Pilot",
                         recorded_by="test")
    seeded.sync()
    uas = "Science, Technology, Engineering, & Mathematics\tUnmanned Aerial Systems"
    text = (f"industry_sector\tprogram_pathway\tcertification\tswib_recognized\n{uas}\tFAA Part 107\tYes\n"
            f"{uas}\tDrone Pilot\tNo\n")
    listing = read_document(text.encode(), name="2026.tsv", school_year=SchoolYear(2026),
                            swib_voted_on=date(2026, 2, 19))
    with pytest.raises(DocumentError, match=r"2026.tsv line 3: 'Drone Pilot' .* is listed twice \(also on line 2"):
        seeded.ledger.import_list(listing, recorded_by="test")
    assert event_count(seeded) == before + 1  # the rename only


def test_a_tsv_without_its_decision_dates_is_refused(store):
    with pytest.raises(DocumentError, match="needs its school year"):
        read_document(EXPECTED_ROWS.read_bytes(), name="list.tsv")


def test_as_of_a_decision_date_follows_the_swib_vote_then_the_sbe_approval(seeded):
    def sizes(day: str) -> list[int]:
        at = TimePoint(as_of=date.fromisoformat(day))
        return [len(seeded.reader.catalog("2025-2026", p, at)) for p in (ACCELERATION, PERKINS, GRANT)]

    assert sizes("2025-02-19") == [0, 0, 0]
    assert sizes("2025-02-20") == [0, 52, 52]
    assert sizes("2025-04-16") == [0, 52, 52]
    assert sizes("2025-04-17") == [52, 52, 52]
    assert not seeded.reader.has_year("2025-2026", TimePoint(as_of=date(2025, 2, 19)))


def test_rebuild_gives_the_identical_read_model(seeded):
    live = seeded.reader.dump()
    assert len(live["cl_history"]) == 105
    assert seeded.projector.rebuild() == 105
    assert seeded.reader.dump() == live


def test_a_new_process_catches_up_from_the_recorded_position(location, seed_listing):
    if location.engine == "memory":
        pytest.skip("an in-memory store does not outlive its process")
    first = Store(location, today=lambda: TODAY)
    try:
        first.ledger.import_list(seed_listing, recorded_by="test")  # recorded, not yet projected
        assert first.reader.position() == 0
    finally:
        first.close()
    second = Store(location, today=lambda: TODAY)
    try:
        assert second.sync() == 105
        assert len(second.reader.catalog("2025-2026", ACCELERATION)) == 52
    finally:
        second.close()


def test_concurrent_catch_ups_apply_each_event_exactly_once(store, seed_listing):
    store.ledger.import_list(seed_listing, recorded_by="test")
    projectors = [store.projector, Projector(store.ledger, store.db, batch_size=7)]
    threads = [threading.Thread(target=p.catch_up) for p in projectors for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.reader.position() == 105
    assert len(store.reader.dump()["cl_history"]) == 105
    assert len(store.reader.catalog("2025-2026", ACCELERATION)) == 52
