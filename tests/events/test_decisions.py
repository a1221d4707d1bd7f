"""Commands through the ledger on every backend: atomicity, concurrency, versions."""

from datetime import date

import pytest

from domain.catalog import YearCatalog
from domain.standing import Drop, Move
from domain.decision import Body, Decision
from domain.errors import AlreadyRecordedError, ConcurrentChangeError, UnknownCertificationError
from domain.school_year import SchoolYear
from events.application import PlacementSpec
from events.importing import read_document
from events.queries import AuditFilter, TimePoint
from tests.conftest import expected_rows

YEAR = SchoolYear(2025)
LATER = Decision(Body.SBE, date(2025, 6, 12), "Consent agenda item C")


def count(store) -> int:
    return store.ledger.recorder.max_notification_id() or 0


def test_a_stale_save_is_a_conflict_and_records_nothing(seeded):
    ledger = seeded.ledger
    first, second = ledger.catalog(YEAR), ledger.catalog(YEAR)
    first.remove(LATER, Drop("faa-part-107", "in error"), recorded_by="a", today=date(2026, 1, 1))
    second.rename(LATER, "faa-part-107", "FAA sUAS", recorded_by="b", today=date(2026, 1, 1))
    ledger.save(first)
    with pytest.raises(ConcurrentChangeError, match="nothing was recorded"):
        ledger._save(YEAR, [second], dry_run=False)
    assert count(seeded) == 106


def test_expected_version_guards_against_changes_made_since_reading(seeded):
    version = seeded.ledger.catalog(YEAR).version
    assert version == 105
    seeded.ledger.remove(YEAR, LATER, Drop("faa-part-107", "in error"), recorded_by="a", expected_version=version)
    with pytest.raises(ConcurrentChangeError, match="at version 106, not 105"):
        seeded.ledger.rename(YEAR, LATER, "ciw-javascript-specialist", "CIW JavaScript Developer",
                             recorded_by="b", expected_version=version)
    assert count(seeded) == 106


def test_a_refused_command_in_a_multi_row_decision_records_none_of_it(seeded):
    specs = [PlacementSpec("Information Technology", "Information Technology", "CompTIA Security+"),
             PlacementSpec("Manufacturing", "Welding", "Unknown Cert")]
    drops = [Drop("faa-part-107", "x"), Drop("not-on-the-list", "y")]
    with pytest.raises(UnknownCertificationError):
        seeded.ledger.carry_forward(YEAR, Decision(Body.SBE, date(2026, 4, 16)), drops=drops,
                                    additions=specs, recorded_by="a")
    assert count(seeded) == 105
    assert YearCatalog.create_id(YEAR.next()) not in seeded.ledger.repository


def test_a_rename_shows_the_old_name_as_of_before_it_and_the_new_name_after(seeded):
    seeded.ledger.rename(YEAR, LATER, "faa-part-107", "FAA Part 107 Remote Pilot", recorded_by="a")
    seeded.sync()

    def name(at: TimePoint) -> str:
        rows = seeded.reader.catalog("2025-2026", "ACCOUNTABILITY_ACCELERATION", at)
        return next(r.name for r in rows if r.certification_id == "faa-part-107")

    assert name(TimePoint()) == "FAA Part 107 Remote Pilot"
    assert name(TimePoint(as_of=date(2025, 6, 11))) == "FAA Part 107"
    assert name(TimePoint(upto=105)) == "FAA Part 107"
    assert name(TimePoint(as_of=date(2025, 6, 12))) == "FAA Part 107 Remote Pilot"
    assert seeded.reader.lookup("faa-part-107") == ("faa-part-107", "FAA Part 107 Remote Pilot")
    assert seeded.reader.lookup("faa-part-107-remote-pilot") == ("faa-part-107", "FAA Part 107 Remote Pilot")


def test_as_of_now_equals_the_current_tables_after_every_kind_of_change(seeded):
    ledger = seeded.ledger
    ledger.rename(YEAR, LATER, "faa-part-107", "FAA Part 107 Remote Pilot", recorded_by="a")
    ledger.remove(YEAR, LATER, Drop("nccer-core-curriculum", "x", "Manufacturing", "Welding"), recorded_by="a")
    ledger.carry_forward(YEAR, Decision(Body.SWIB, date(2026, 2, 19)), drops=[Drop("faa-part-107", "y")],
                         recorded_by="a")
    seeded.sync()
    for year in ("2025-2026", "2026-2027"):
        for purpose in ("ACCOUNTABILITY_ACCELERATION", "PERKINS_PROGRAM_QUALITY"):
            now = seeded.reader.catalog(year, purpose)
            assert seeded.reader.catalog(year, purpose, TimePoint(as_of=date(2099, 1, 1))) == now
            assert seeded.reader.catalog(year, purpose, TimePoint(upto=10**9)) == now
    # The SBE's removal of Welding left its SWIB recognition, which the SWIB carried; FAA was dropped.
    assert len(seeded.reader.catalog("2026-2027", "PERKINS_PROGRAM_QUALITY")) == 51
    assert len(seeded.reader.catalog("2025-2026", "ACCOUNTABILITY_ACCELERATION")) == 51
    assert len(seeded.reader.catalog("2025-2026", "PERKINS_PROGRAM_QUALITY")) == 52
    assert seeded.reader.catalog("2026-2027", "ACCOUNTABILITY_ACCELERATION") == []


def test_every_event_of_a_transaction_shares_its_commit_time_and_times_never_go_down(seeded):
    seeded.ledger.remove(YEAR, LATER, Drop("faa-part-107", "in error"), recorded_by="a")
    seeded.sync()
    entries = seeded.reader.history(["faa-part-107"])["faa-part-107"]
    everything = seeded.reader.audit_log(AuditFilter(), after=0, limit=1000)[0]
    assert len({e.recorded_at for e in everything if e.position <= 105}) == 1  # the seed: one transaction
    times = [e.recorded_at for e in everything]
    assert times == sorted(times) and entries[-1].recorded_at > times[0]
    # As recorded by the seed's commit time: all of the seed, nothing after it.
    assert seeded.reader.position_recorded_by(everything[0].recorded_at_time) == 105


def test_a_swib_no_that_contradicts_a_recorded_recognition_is_recorded_not_skipped(seeded):
    tsv = ("industry_sector\tprogram_pathway\tcertification\tswib_recognized\n"
           "Science, Technology, Engineering, & Mathematics\tUnmanned Aerial Systems\tFAA Part 107\tNo\n")
    listing = read_document(tsv.encode(), name="swib-2025-05.tsv", school_year=YEAR,
                            swib_voted_on=date(2025, 5, 1), sbe_approved_on=None)
    recorded = seeded.ledger.import_list(listing, recorded_by="a")
    assert [(type(e).__name__, e.recognized) for e in recorded.events] == [("SwibVoteRecorded", False)]
    seeded.sync()
    assert len(seeded.reader.catalog("2025-2026", "PERKINS_PROGRAM_QUALITY")) == 51
    assert len(seeded.reader.catalog("2025-2026", "ACCOUNTABILITY_ACCELERATION")) == 52


def test_a_renamed_copy_of_the_seed_gets_its_reviewed_corrections_and_records_nothing(seeded):
    from api.settings import CORRECTIONS_DIR
    from events.importing import ReviewedCorrections
    from tests.conftest import SEED

    again = read_document(SEED.read_bytes(), name="copy.txt", reviewed=ReviewedCorrections(CORRECTIONS_DIR))
    assert [r.as_tuple() for r in again.rows] == expected_rows() and len(again.corrections) == 3
    recorded = seeded.ledger.import_list(again, recorded_by="a")
    assert recorded.events == [] and recorded.unchanged == 104


def test_the_same_document_read_differently_is_refused_not_called_already_on_record(seeded):
    from tests.conftest import SEED

    literal = read_document(SEED.read_bytes(), name="copy.txt", corrections_text="")
    before = seeded.ledger.recorder.max_notification_id()
    with pytest.raises(AlreadyRecordedError, match=r"already imported for the SWIB, but 2 of its rows"):
        seeded.ledger.import_list(literal, recorded_by="a")
    assert seeded.ledger.recorder.max_notification_id() == before


def test_carry_forward_conflicts_with_a_change_to_the_year_carried_from(seeded):
    version = seeded.ledger.catalog(YEAR).version
    seeded.ledger.remove(YEAR, LATER, Drop("faa-part-107", "in error"), recorded_by="a")
    with pytest.raises(ConcurrentChangeError):
        seeded.ledger.carry_forward(YEAR, Decision(Body.SBE, date(2026, 4, 16)), recorded_by="b",
                                    expected_version=version)
    # And a source changed between loading and saving conflicts too.
    ledger = seeded.ledger
    source = ledger.catalog(YEAR)
    target = source.carry_forward(Decision(Body.SBE, date(2026, 4, 16)), recorded_by="b", today=date(2026, 5, 1))
    ledger.rename(YEAR, LATER, "ciw-javascript-specialist", "CIW JavaScript Developer", recorded_by="a")
    with pytest.raises(ConcurrentChangeError):
        ledger._save(YEAR.next(), [source, target], dry_run=False)
    assert YearCatalog.create_id(YEAR.next()) not in ledger.repository


@pytest.mark.parametrize("batch_size", [1, 7, 5000])
def test_rebuild_equals_live_after_every_kind_of_change_whatever_the_batching(store, seed_listing, batch_size):
    from events.projector import Projector

    ledger = store.ledger
    ledger.import_list(seed_listing, recorded_by="a")
    ledger.rename(YEAR, LATER, "faa-part-107", "FAA Part 107 Remote Pilot", recorded_by="a")
    ledger.move(YEAR, LATER, Move("nccer-core-curriculum", "Manufacturing", "Welding", "Manufacturing", "Joining"),
                recorded_by="a")
    ledger.remove(YEAR, LATER, Drop("ciw-javascript-specialist", "retired"), recorded_by="a")
    ledger.carry_forward(YEAR, Decision(Body.SBE, date(2026, 4, 16)),
                         drops=[Drop("faa-part-107", "y")],
                         renames=[("nccer-core-curriculum", "NCCER Core Curriculum (5th Edition)")],
                         additions=[PlacementSpec("Information Technology", "Information Technology", "CompTIA A+")],
                         recorded_by="a")
    live = Projector(ledger, store.db, batch_size=batch_size)
    live.catch_up()
    before = store.reader.dump()
    assert Projector(ledger, store.db, batch_size=5000).rebuild() == live.position
    assert store.reader.dump() == before


def test_a_rename_to_a_name_another_certification_has_in_another_year_is_refused(seeded):
    from domain.errors import NameTakenError

    seeded.ledger.carry_forward(YEAR, Decision(Body.SBE, date(2026, 4, 16)),
                                renames=[("faa-part-107", "Drone Pilot")], recorded_by="a")
    seeded.sync()
    with pytest.raises(NameTakenError, match="belongs to another certification, 'faa-part-107'"):
        seeded.ledger.rename(YEAR, LATER, "nccer-welding-level-1", "Drone Pilot!", recorded_by="a")


@pytest.mark.parametrize("command", [
    lambda ledger: ledger.remove(YEAR, LATER, Drop("faa-part-107", "bad\x00reason"), recorded_by="a"),
    lambda ledger: ledger.remove(YEAR, LATER, Drop("faa-part-107", "\u200b\u200b"), recorded_by="a"),
    lambda ledger: ledger.rename(YEAR, LATER, "faa-part-107", "FAA\x00Part 107", recorded_by="a"),
    lambda ledger: ledger.approve(YEAR, LATER, [PlacementSpec("Manufacturing", "Welding\x07", "X")], recorded_by="a"),
    lambda ledger: ledger.remove(YEAR, Decision(Body.SBE, date(2025, 6, 12), "item\x00C"),
                                 Drop("faa-part-107", "in error"), recorded_by="a"),
])
def test_text_with_control_characters_or_nothing_visible_is_refused_and_records_nothing(seeded, command):
    from domain.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        command(seeded.ledger)
    assert count(seeded) == 105
    # The read model still follows the next decision (a NUL reaching PostgreSQL would wedge it).
    seeded.ledger.remove(YEAR, LATER, Drop("faa-part-107", "in error"), recorded_by="a")
    assert seeded.sync() == 106


def test_an_import_whose_sbe_date_contradicts_its_year_is_refused_though_nothing_is_left_to_approve(seeded):
    from domain.errors import DecisionDateError

    tsv = ("industry_sector\tprogram_pathway\tcertification\tswib_recognized\n"
           "Manufacturing\tWelding\tNCCER Welding Level 1\tYes\n")
    listing = read_document(tsv.encode(), name="late.tsv", school_year=YEAR, swib_voted_on=date(2025, 2, 20),
                            sbe_approved_on=date(2023, 4, 20))
    with pytest.raises(DecisionDateError, match="2023-04-20 contradicts school year 2025-2026"):
        seeded.ledger.import_list(listing, recorded_by="a")
    assert count(seeded) == 105


def test_a_row_the_swib_did_not_recognize_is_still_recorded_as_approved_by_the_sbe(store):
    tsv = ("industry_sector\tprogram_pathway\tcertification\tswib_recognized\n"
           "Manufacturing\tWelding\tNCCER Welding Level 1\tYes\n"
           "Manufacturing\tWelding\tAWS D1.1\tNo\n")
    listing = read_document(tsv.encode(), name="list.tsv", school_year=YEAR, swib_voted_on=date(2025, 2, 20),
                            sbe_approved_on=date(2025, 4, 17))
    recorded = store.ledger.import_list(listing, recorded_by="a")
    assert [(type(e).__name__, getattr(e, "recognized", None)) for e in recorded.events[1:]] == [
        ("SwibVoteRecorded", True), ("SwibVoteRecorded", False), ("PlacementApproved", None),
        ("PlacementApproved", None)]
    store.sync()
    assert [r.name for r in store.reader.catalog("2025-2026", "ACCOUNTABILITY_ACCELERATION")] == [
        "NCCER Welding Level 1", "AWS D1.1"]
    assert [r.name for r in store.reader.catalog("2025-2026", "PERKINS_PROGRAM_QUALITY")] == ["NCCER Welding Level 1"]


def racing_directory(store, other_write):
    """The ledger's name directory, which runs another editor's write the first time it is
    asked: that write lands between this command's load and its save."""
    lookup, ran = store.ledger.directory, []

    def directory(key):
        if not ran:
            ran.append(True)
            other_write()
        return lookup(key)

    return directory


def test_a_racing_write_on_the_same_certification_is_a_conflict_without_expected_version(seeded):
    other = Decision(Body.SBE, date(2025, 6, 13))
    seeded.ledger.directory = racing_directory(seeded, lambda: seeded.ledger.rename(
        YEAR, other, "faa-part-107", "FAA sUAS", recorded_by="b"))
    with pytest.raises(ConcurrentChangeError, match="nothing was recorded"):
        seeded.ledger.rename(YEAR, LATER, "faa-part-107", "FAA Part 107 Remote Pilot", recorded_by="a")
    seeded.sync()
    renames = [e for e in seeded.reader.audit_log(AuditFilter(kind="CERTIFICATION_RENAMED"), after=0, limit=10)[0]]
    assert [(e.new_name, e.recorded_by) for e in renames] == [("FAA sUAS", "b")]
    assert count(seeded) == 106


def test_a_racing_write_on_another_certification_commutes_and_both_are_recorded_once(seeded):
    seeded.ledger.directory = racing_directory(seeded, lambda: seeded.ledger.remove(
        YEAR, LATER, Drop("ciw-javascript-specialist", "Exam retired"), recorded_by="b"))
    recorded = seeded.ledger.rename(YEAR, LATER, "faa-part-107", "FAA Part 107 Remote Pilot", recorded_by="a")
    assert recorded.positions == [count(seeded)]  # run again on the new state: its event follows the other
    seeded.sync()
    log = seeded.reader.audit_log(AuditFilter(), after=105, limit=10)[0]
    assert [(e.kind, e.recorded_by) for e in log] == [("PLACEMENT_REMOVED", "b"), ("CERTIFICATION_RENAMED", "a")]
