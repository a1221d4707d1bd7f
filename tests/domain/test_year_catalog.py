"""The year catalog's rules: given prior decisions, when a command, then events or a refusal."""

from datetime import date

import pytest

from domain.catalog import YearCatalog
from domain.standing import Drop, Move
from domain.certification import Listing, Placement
from domain.decision import Body, Decision, Purpose
from domain.errors import (
    AlreadyApprovedError,
    AlreadyListedError,
    AlreadyRecognizedError,
    DecisionDateError,
    DecisionOrderError,
    InvalidDecisionError,
    InvalidInputError,
    NameTakenError,
    ReasonRequiredError,
    UnknownCertificationError,
    UnknownPlacementError,
)
from domain.school_year import SchoolYear

YEAR = SchoolYear.parse("2025-2026")
TODAY = date(2026, 12, 3)
SWIB_VOTE = Decision(Body.SWIB, date(2025, 2, 20), "SWIB vote of 2025-02-20")
SBE_ITEM_J = Decision(Body.SBE, date(2025, 4, 17), "Consent agenda item J", "9.2")
CORE_CARPENTRY = Listing(Placement.of("Architecture & Construction", "Carpentry", "nccer-core-curriculum"),
                         "NCCER Core Curriculum", 27)
CORE_WELDING = Listing(Placement.of("Manufacturing", "Welding", "nccer-core-curriculum"),
                       "NCCER Core Curriculum", 52)
FAA = Listing(Placement.of("Science, Technology, Engineering, & Mathematics", "Unmanned Aerial Systems",
                           "faa-part-107"), "FAA Part 107", 56)


def approved_year() -> YearCatalog:
    catalog = YearCatalog.open(YEAR, SWIB_VOTE, "test", today=TODAY)
    catalog.record_swib_vote(SWIB_VOTE, [CORE_CARPENTRY, CORE_WELDING, FAA], recognized=True,
                             recorded_by="test", today=TODAY)
    catalog.approve(SBE_ITEM_J, [CORE_CARPENTRY, CORE_WELDING, FAA], recorded_by="test", today=TODAY)
    catalog.collect_events()
    return catalog


def test_swib_vote_and_sbe_approval_are_separate_facts_with_provenance():
    catalog = YearCatalog.open(YEAR, SWIB_VOTE, "test:editor", today=TODAY)
    catalog.record_swib_vote(SWIB_VOTE, [CORE_CARPENTRY], recognized=True, recorded_by="test:editor", today=TODAY)
    standing = catalog.listed()[0]
    assert standing.purposes == [Purpose.PERKINS_PROGRAM_QUALITY, Purpose.INDUSTRY_CERTIFICATION_GRANT]
    catalog.approve(SBE_ITEM_J, [CORE_CARPENTRY], recorded_by="test:editor", today=TODAY)
    opened, vote, approval = catalog.collect_events()
    assert type(opened).__name__ == "SchoolYearOpened" and opened.school_year == YEAR
    assert (vote.recognized, vote.decision.decided_on, vote.source_line) == (True, date(2025, 2, 20), 27)
    assert approval.decision == SBE_ITEM_J and approval.decision.business_rule == "9.2"
    assert approval.recorded_by == "test:editor" and approval.school_year == YEAR
    assert Purpose.ACCOUNTABILITY_ACCELERATION in catalog.listed()[0].purposes


def test_events_have_explicit_stable_topics_and_are_immutable():
    catalog = approved_year()
    catalog.remove(SBE_ITEM_J, Drop("faa-part-107", "Vendor retired the exam"), recorded_by="t", today=TODAY)
    (event,) = catalog.collect_events()
    assert type(event).TOPIC == "certledger:PlacementRemoved"
    with pytest.raises(AttributeError):
        event.reason = "edited"  # type: ignore[misc]


def test_approving_twice_is_refused_and_triggers_nothing():
    catalog = approved_year()
    new = Listing(Placement.of("Manufacturing", "Welding", "nccer-welding-level-1"), "NCCER Welding Level 1")
    with pytest.raises(AlreadyApprovedError, match="NCCER Core Curriculum.*already approved for 2025-2026"):
        catalog.approve(SBE_ITEM_J, [new, CORE_CARPENTRY], recorded_by="t", today=TODAY)
    assert catalog.collect_events() == []


def test_approval_must_be_decided_by_the_sbe_and_within_the_school_year():
    catalog = approved_year()
    new = Listing(Placement.of("Manufacturing", "Welding", "nccer-welding-level-1"), "NCCER Welding Level 1")
    with pytest.raises(InvalidDecisionError, match="decided by the SBE, not the SWIB"):
        catalog.approve(SWIB_VOTE, [new], recorded_by="t", today=TODAY)
    with pytest.raises(DecisionDateError, match="2027-01-05 contradicts school year 2025-2026"):
        catalog.approve(Decision(Body.SBE, date(2027, 1, 5)), [new], recorded_by="t", today=date(2027, 2, 1))
    with pytest.raises(DecisionDateError, match="in the future"):
        catalog.approve(Decision(Body.SBE, date(2026, 5, 1)), [new], recorded_by="t", today=date(2026, 4, 1))


def test_a_repeated_swib_vote_is_refused_as_already_recognized():
    catalog = approved_year()
    with pytest.raises(AlreadyRecognizedError, match="already recognized"):
        catalog.record_swib_vote(SWIB_VOTE, [FAA], recognized=True, recorded_by="t", today=TODAY)


def test_sectors_and_pathways_keep_the_spelling_first_listed():
    catalog = approved_year()
    new = Listing(Placement.of("science technology engineering and mathematics", "unmanned aerial systems",
                               "part-108"), "FAA Part 108")
    catalog.approve(Decision(Body.SBE, date(2025, 5, 1)), [new], recorded_by="t", today=TODAY)
    (event,) = catalog.collect_events()
    assert (event.sector, event.pathway) == ("Science, Technology, Engineering, & Mathematics",
                                             "Unmanned Aerial Systems")


def test_removing_one_placement_needs_both_sector_and_pathway():
    catalog = approved_year()
    with pytest.raises(InvalidInputError, match="give both its sector and its pathway"):
        catalog.remove(SBE_ITEM_J, Drop("nccer-core-curriculum", "x", "Manufacturing"), recorded_by="t", today=TODAY)


def test_removal_needs_a_reason_and_a_listed_certification():
    catalog = approved_year()
    with pytest.raises(ReasonRequiredError, match="A reason is required"):
        catalog.remove(SBE_ITEM_J, Drop("faa-part-107", "   "), recorded_by="t", today=TODAY)
    with pytest.raises(UnknownCertificationError, match="Unknown certification 'CCNA' in 2025-2026"):
        catalog.remove(SBE_ITEM_J, Drop("CCNA", "not offered"), recorded_by="t", today=TODAY)
    with pytest.raises(UnknownPlacementError, match="not listed under Manufacturing / Carpentry"):
        catalog.remove(SBE_ITEM_J, Drop("nccer-core-curriculum", "x", "Manufacturing", "Carpentry"),
                       recorded_by="t", today=TODAY)
    assert catalog.collect_events() == []


def test_removing_from_the_whole_year_removes_every_placement_for_the_deciding_bodys_purposes():
    catalog = approved_year()
    later = Decision(Body.SBE, date(2025, 9, 18), "Consent agenda item F")
    catalog.remove(later, Drop("NCCER Core Curriculum", "Curriculum withdrawn"), recorded_by="t", today=TODAY)
    removed = catalog.collect_events()
    assert [(e.sector, e.pathway, e.purposes) for e in removed] == [
        ("Architecture & Construction", "Carpentry", ["ACCOUNTABILITY_ACCELERATION"]),
        ("Manufacturing", "Welding", ["ACCOUNTABILITY_ACCELERATION"])]
    assert [s.certification_id for s in catalog.listed() if s.approved] == ["faa-part-107"]
    # The SBE's removal leaves the SWIB's recognition (Perkins, grants) standing.
    assert [s.certification_id for s in catalog.listed() if s.recognized] == [
        "nccer-core-curriculum", "nccer-core-curriculum", "faa-part-107"]


def test_the_swib_removes_its_recognition_and_leaves_the_sbe_approval():
    catalog = approved_year()
    catalog.remove(Decision(Body.SWIB, date(2025, 9, 18)), Drop("faa-part-107", "exam retired"),
                   recorded_by="t", today=TODAY)
    (event,) = catalog.collect_events()
    assert event.purposes == ["PERKINS_PROGRAM_QUALITY", "INDUSTRY_CERTIFICATION_GRANT"]
    faa = catalog.standing(FAA.placement)
    assert faa is not None and (faa.recognized, faa.approved) == (False, True)


def test_removing_what_the_body_has_not_put_on_the_list_is_refused_precisely():
    from domain.errors import NotApprovedError, NotRecognizedError

    catalog = YearCatalog.open(YEAR, SWIB_VOTE, "test", today=TODAY)
    catalog.record_swib_vote(SWIB_VOTE, [FAA], recognized=True, recorded_by="test", today=TODAY)
    catalog.collect_events()
    with pytest.raises(NotApprovedError, match="'FAA Part 107' is not approved for 2025-2026"):
        catalog.remove(SBE_ITEM_J, Drop("faa-part-107", "x"), recorded_by="t", today=TODAY)
    later = Decision(Body.SWIB, date(2025, 5, 1))
    catalog.remove(later, Drop("FAA Part 107", "exam retired"), recorded_by="t", today=TODAY)
    catalog.collect_events()
    with pytest.raises(NotRecognizedError, match="'FAA Part 107' is not recognized for 2025-2026"):
        catalog.remove(later, Drop("faa-part-107", "again"), recorded_by="t", today=TODAY)
    assert catalog.collect_events() == []


def test_a_version_1_removal_is_read_as_a_removal_for_every_purpose():
    state = {"decision": SBE_ITEM_J, "reason": "x"}
    YearCatalog.PlacementRemoved.upcast_v1_v2(state)
    assert state["purposes"] == [p.name for p in Purpose]


def test_a_version_1_rename_took_effect_on_its_decision_date():
    state = {"decision": SBE_ITEM_J, "new_name": "x"}
    YearCatalog.CertificationRenamed.upcast_v1_v2(state)
    assert state["effective_on"] == date(2025, 4, 17)


def test_renames_of_a_certification_follow_each_other_by_decision_and_effective_date():
    catalog = approved_year()
    june = Decision(Body.SBE, date(2025, 6, 1))
    catalog.rename(june, "faa-part-107", "FAA Remote Pilot", recorded_by="t", today=TODAY,
                   effective_on=date(2025, 8, 1))
    (renamed,) = catalog.collect_events()
    assert (renamed.effective_on, renamed.decision.decided_on) == (date(2025, 8, 1), date(2025, 6, 1))
    with pytest.raises(DecisionOrderError, match="last renamed by a decision of 2025-06-01"):
        catalog.rename(Decision(Body.SBE, date(2025, 5, 1)), "faa-part-107", "FAA sUAS", recorded_by="t",
                       today=TODAY)
    with pytest.raises(DecisionOrderError, match="effective 2025-08-01"):
        catalog.rename(Decision(Body.SBE, date(2025, 7, 1)), "faa-part-107", "FAA sUAS", recorded_by="t",
                       today=TODAY, effective_on=date(2025, 7, 15))
    with pytest.raises(DecisionDateError, match="after school year 2025-2026 ends"):
        catalog.rename(june, "nccer-core-curriculum", "NCCER Core", recorded_by="t", today=TODAY,
                       effective_on=date(2026, 7, 1))
    assert catalog.collect_events() == []


def test_a_move_decided_by_the_sbe_of_an_approval_only_leaves_the_swib_free_to_vote_earlier():
    catalog = YearCatalog.open(YEAR, SBE_ITEM_J, "test", today=TODAY)
    catalog.approve(SBE_ITEM_J, [FAA], recorded_by="test", today=TODAY)
    moved_to = ("Science, Technology, Engineering, & Mathematics", "Drones")
    catalog.move(Decision(Body.SBE, date(2025, 5, 1)),
                 Move("faa-part-107", FAA.placement.sector, FAA.placement.pathway, *moved_to),
                 recorded_by="t", today=TODAY)
    drones = Listing(Placement.of(*moved_to, "faa-part-107"), "FAA Part 107")
    catalog.record_swib_vote(SWIB_VOTE, [drones], recognized=True, recorded_by="t", today=TODAY)
    assert catalog.collect_events()[-1].recognized is True


def test_a_decision_cannot_predate_one_already_recorded_for_the_placement():
    catalog = approved_year()
    before = Decision(Body.SBE, date(2025, 3, 1), "Earlier item")
    with pytest.raises(DecisionOrderError, match="last decided for the SBE's purposes on 2025-04-17"):
        catalog.remove(before, Drop("faa-part-107", "x"), recorded_by="t", today=TODAY)


def test_a_move_cannot_predate_the_latest_decision_on_the_placement_it_moves_to():
    catalog = approved_year()
    for body in Body:  # off the list for every purpose on 2025-06-01
        catalog.remove(Decision(body, date(2025, 6, 1)), Drop("nccer-core-curriculum", "x", "Manufacturing", "Welding"),
                       recorded_by="t", today=TODAY)
    earlier = Decision(Body.SBE, date(2025, 5, 15))
    move = Move("nccer-core-curriculum", "Architecture & Construction", "Carpentry", "Manufacturing", "Welding")
    with pytest.raises(DecisionOrderError, match="Manufacturing / Welding was last decided .* on 2025-06-01"):
        catalog.move(earlier, move, recorded_by="t", today=TODAY)
    catalog.move(Decision(Body.SBE, date(2025, 6, 2)), move, recorded_by="t", today=TODAY)


def test_a_move_is_held_only_to_the_decisions_of_the_bodies_whose_purposes_it_moves():
    catalog = approved_year()
    uas = Listing(Placement.of(*UAS_PLACEMENT, "drone-x"), "Drone X")
    aviation = Listing(Placement.of("Transportation & Logistics", "Aviation", "drone-x"), "Drone X")
    catalog.approve(Decision(Body.SBE, date(2025, 4, 20)), [uas], recorded_by="t", today=TODAY)  # the SBE only
    # The SWIB recognized Drone X under Aviation, then withdrew that on 2025-06-01.
    catalog.record_swib_vote(Decision(Body.SWIB, date(2025, 5, 1)), [aviation], recognized=True, recorded_by="t",
                             today=TODAY)
    catalog.remove(Decision(Body.SWIB, date(2025, 6, 1)),
                   Drop("drone-x", "x", "Transportation & Logistics", "Aviation"), recorded_by="t", today=TODAY)
    # The move carries only the SBE's approval: the SWIB's later word on the target does not bind it.
    catalog.move(Decision(Body.SBE, date(2025, 5, 15)),
                 Move("drone-x", *UAS_PLACEMENT, "Transportation & Logistics", "Aviation"), recorded_by="t", today=TODAY)
    [drone] = [s for s in catalog.listed() if s.certification_id == "drone-x"]
    assert (drone.pathway, drone.approved, drone.recognized) == ("Aviation", True, False)


UAS_PLACEMENT = ("Science, Technology, Engineering, & Mathematics", "Unmanned Aerial Systems")


def test_a_carried_forward_move_keeps_the_spelling_on_record_whatever_the_caller_typed():
    catalog = approved_year()
    nxt = catalog.carry_forward(
        Decision(Body.SBE, date(2026, 4, 16)),
        moves=[Move("nccer-core-curriculum", "manufacturing", "WELDING", "architecture and construction",
                    "Masonry")],
        recorded_by="t", today=TODAY)
    [moved] = [e for e in nxt.pending_events if type(e).__name__ == "PlacementMoved"]
    assert (moved.sector, moved.pathway, moved.to_sector, moved.to_pathway) == (
        "Manufacturing", "Welding", "Architecture & Construction", "Masonry")
    assert {s.sector for s in nxt.listed()} == {"Architecture & Construction", "Science, Technology, Engineering, "
                                                "& Mathematics"}


def test_rename_keeps_identity_and_finds_the_certification_by_either_name():
    catalog = approved_year()
    catalog.rename(SBE_ITEM_J, "faa-part-107", "FAA Part 107 Remote Pilot", recorded_by="t", today=TODAY)
    (renamed,) = catalog.collect_events()
    assert (renamed.old_name, renamed.new_name, renamed.certification_id) == (
        "FAA Part 107", "FAA Part 107 Remote Pilot", "faa-part-107")
    assert catalog.certification_id_for("FAA Part 107 Remote Pilot") == "faa-part-107"
    assert catalog.certification_id_for("FAA Part 107") == "faa-part-107"
    with pytest.raises(NameTakenError, match="belongs to another certification"):
        catalog.rename(SBE_ITEM_J, "faa-part-107", "NCCER Core Curriculum", recorded_by="t", today=TODAY)


def test_move_keeps_what_the_placement_counts_for():
    catalog = approved_year()
    catalog.move(SBE_ITEM_J, Move("faa-part-107", "Science, Technology, Engineering, & Mathematics",
                                  "Unmanned Aerial Systems", "Transportation & Logistics", "Aviation"),
                 recorded_by="t", today=TODAY)
    (moved,) = catalog.collect_events()
    assert moved.purposes == [p.name for p in Purpose]
    [faa] = [s for s in catalog.listed() if s.certification_id == "faa-part-107"]
    assert (faa.sector, faa.pathway, faa.approved, faa.recognized) == (
        "Transportation & Logistics", "Aviation", True, True)


def test_carry_forward_opens_the_next_year_with_named_changes_in_one_decision():
    catalog = approved_year()
    decision = Decision(Body.SBE, date(2026, 4, 16), "Consent agenda item K", "9.2")
    welding = Listing(Placement.of("Manufacturing", "Welding", "nccer-welding-level-1"), "NCCER Welding Level 1")
    nxt = catalog.carry_forward(
        decision,
        drops=[Drop("faa-part-107", "No longer aligned to the program of study")],
        renames=[("nccer-core-curriculum", "NCCER Core Curriculum (5th Edition)")],
        moves=[Move("nccer-core-curriculum", "Manufacturing", "Welding", "Manufacturing", "Metal Fabrication")],
        additions=[welding],
        recorded_by="t", today=TODAY,
    )
    kinds = [type(e).__name__ for e in nxt.pending_events]
    assert kinds == ["SchoolYearOpened", "PlacementApproved", "PlacementMoved", "PlacementDropped",
                     "PlacementApproved", "CertificationRenamed"]
    assert nxt.school_year == SchoolYear(2026) and nxt.carried_from == YEAR
    assert {(s.pathway, s.certification_id) for s in nxt.listed()} == {
        ("Carpentry", "nccer-core-curriculum"), ("Metal Fabrication", "nccer-core-curriculum"),
        ("Welding", "nccer-welding-level-1")}
    assert nxt.names["nccer-core-curriculum"] == "NCCER Core Curriculum (5th Edition)"
    (carried,) = catalog.collect_events()  # the year carried from records only that it was
    assert type(carried).__name__ == "CarriedForward" and carried.carried_to == SchoolYear(2026)
    assert [s.certification_id for s in catalog.listed()].count("faa-part-107") == 1


def test_carry_forward_refuses_changes_to_what_is_not_on_the_list():
    catalog = approved_year()
    decision = Decision(Body.SBE, date(2026, 4, 16))
    with pytest.raises(UnknownCertificationError, match="'CCNA'"):
        catalog.carry_forward(decision, drops=[Drop("CCNA", "x")], recorded_by="t", today=TODAY)
    with pytest.raises(ReasonRequiredError):
        catalog.carry_forward(decision, drops=[Drop("faa-part-107", "")], recorded_by="t", today=TODAY)
    with pytest.raises(InvalidInputError, match="already named"):
        catalog.carry_forward(decision, renames=[("faa-part-107", "FAA Part 107")], recorded_by="t", today=TODAY)


UAS = ("Science, Technology, Engineering, & Mathematics", "Unmanned Aerial Systems")


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"moves": [Move("faa-part-107", *UAS, "Transportation & Logistics", "Aviation"),
                Move("faa-part-107", *UAS, "Transportation & Logistics", "Drones")]}, InvalidInputError, "moved twice"),
    ({"drops": [Drop("faa-part-107", "x")],
      "moves": [Move("faa-part-107", *UAS, "Transportation & Logistics", "Aviation")]}, InvalidInputError,
     "both removed and moved"),
    ({"moves": [Move("nccer-core-curriculum", "Architecture & Construction", "Carpentry", "Manufacturing", "Drones"),
                Move("nccer-core-curriculum", "Manufacturing", "Welding", "Manufacturing", "Drones")]},
     AlreadyListedError, "already listed under Manufacturing / Drones"),
    ({"renames": [("faa-part-107", "Drone Pilot"), ("faa-part-107", "Drone Pilot II")]}, InvalidInputError,
     "renamed twice"),
    ({"renames": [("faa-part-107", "Drone Pilot"), ("nccer-core-curriculum", "Drone Pilot!")]}, NameTakenError,
     "belongs to another certification"),
    ({"drops": [Drop("faa-part-107", "x")], "renames": [("faa-part-107", "Drone Pilot")]}, InvalidInputError,
     "both removed and renamed"),
    ({"drops": [Drop("faa-part-107", "x"), Drop("FAA Part 107", "y")]}, InvalidInputError, "removed twice"),
    ({"moves": [Move("faa-part-107", *UAS, "Transportation & Logistics", "Aviation")],
      "additions": [Listing(Placement.of("Transportation & Logistics", "Aviation", "faa-part-107"), "FAA Part 107")]},
     AlreadyListedError, "already on the 2025-2026 list"),
    ({"drops": [Drop("faa-part-107", "x")], "additions": [Listing(Placement.of(*UAS, "faa-part-107"), "FAA Part 107")]},
     InvalidInputError, "both removed and added"),
    ({"renames": [("faa-part-107", "Drone Pilot")],
      "additions": [Listing(Placement.of("Manufacturing", "Drones", "drone-pilot"), "Drone Pilot")]},
     NameTakenError, "given to 'faa-part-107' by a rename"),
])
def test_carry_forward_refuses_contradictory_instructions(changes, error, message):
    catalog = approved_year()
    with pytest.raises(error, match=message):
        catalog.carry_forward(Decision(Body.SBE, date(2026, 4, 16)), recorded_by="t", today=TODAY, **changes)
    assert catalog.collect_events() == []


def test_a_certification_can_be_renamed_by_its_name():
    catalog = approved_year()
    catalog.rename(SBE_ITEM_J, "FAA Part 107", "FAA Part 107 Remote Pilot", recorded_by="t", today=TODAY)
    (renamed,) = catalog.collect_events()
    assert renamed.certification_id == "faa-part-107"
