"""Decisions over time, over real HTTP (and websockets) through uvicorn: the issue's scenario.

Seed 2025-2026; carry it forward into 2026-2027 with two removals, one addition, one rename
and one pathway move; then ask what changed, page the audit log, travel in time, and check
that refused writes record nothing.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone

import pytest
from websockets.sync.client import connect

from events.store import Store

CARRY_FORWARD = """
mutation ($decision: DecisionInput!, $removals: [RemovalInput!], $additions: [PlacementInput!],
          $renames: [RenameInput!], $moves: [MoveInput!], $dryRun: Boolean! = false) {
  carryForward(fromYear: "2025-2026", decision: $decision, removals: $removals, additions: $additions,
               renames: $renames, moves: $moves, dryRun: $dryRun) {
    schoolYear dryRun version events { position kind certificationId recordedBy }
  }
}"""

ITEM_K = {"body": "SBE", "decidedOn": "2026-04-16", "reference": "Consent agenda item K", "businessRule": "9.2"}
BUSINESS = "Business Management & Administration"
SCENARIO = {
    "decision": ITEM_K,
    "removals": [
        {"certification": "FAA Part 107", "reason": "Moved to the postsecondary list"},
        {"certification": "ciw-javascript-specialist", "reason": "Exam retired by the vendor"},
    ],
    "additions": [{"sector": "Information Technology", "pathway": "Information Technology",
                   "certification": "CompTIA Security+"}],
    "renames": [{"certification": "Certified Solidworks Associate",
                 "newName": "Certified SOLIDWORKS Associate (CSWA)"}],
    "moves": [{"certification": "Entrepreneurship and Small Business Certification", "fromSector": BUSINESS,
               "fromPathway": "Business, Marketing, and Finance", "toSector": BUSINESS,
               "toPathway": "Entrepreneurship"}],
}

CHANGES = """
query ($asOf: Date, $recordedAsOf: DateTime) {
  changes(fromYear: "2025-2026", toYear: "2026-2027", asOf: $asOf, recordedAsOf: $recordedAsOf) {
    fromYear toYear unchangedCount
    added { kind certification { id name } after { name placements { sector pathway } }
            decisions { kind reason decision { body decidedOn reference } recordedBy } }
    removed { kind certification { id } before { name } decisions { kind reason decision { reference } } }
    renamed { certification { id name } before { name } after { name } decisions { kind oldName newName } }
    moved { certification { id } before { placements { pathway } } after { placements { pathway } }
            decisions { kind pathway toPathway } }
  }
}"""

COUNT = "{ auditLog(first: 0) { totalCount } }"


@pytest.fixture
def editor(seeded: Store) -> str:
    return seeded.tokens.create("editor-1")


def bearer(token: str) -> dict[str, dict[str, str]]:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def events_recorded(live) -> int:
    """Events in the store itself (a refused write that leaked would show here even if the
    read model never heard of it), checked to agree with what the API reports."""
    stored = live.app.state.store.ledger.recorder.max_notification_id() or 0
    live.app.state.store.sync()
    assert int(live.data(COUNT)["auditLog"]["totalCount"]) == stored
    return stored


def carry_forward(live, token: str) -> dict:
    return live.data(CARRY_FORWARD, SCENARIO, **bearer(token))["carryForward"]


def test_carry_forward_then_changes_lists_exactly_the_five_with_their_decision(live, editor):
    recorded = carry_forward(live, editor)
    assert recorded["schoolYear"] == "2026-2027" and recorded["dryRun"] is False
    kinds = [e["kind"] for e in recorded["events"]]
    assert kinds.count("PLACEMENT_APPROVED") == 50 and kinds.count("PLACEMENT_DROPPED") == 2
    assert kinds.count("PLACEMENT_MOVED") == 1 and kinds.count("CERTIFICATION_RENAMED") == 1
    assert {e["recordedBy"] for e in recorded["events"]} == {"token:editor-1"}
    assert recorded["version"] == 55  # the new year's events
    assert len(recorded["events"]) == 56  # and the year carried from records the carry-forward
    assert recorded["events"][0]["kind"] == "CARRIED_FORWARD"

    changes = live.data(CHANGES)["changes"]
    assert [c["certification"]["id"] for c in changes["added"]] == ["comptia-security-plus"]
    assert [c["certification"]["id"] for c in changes["removed"]] == ["ciw-javascript-specialist", "faa-part-107"]
    assert [c["certification"]["id"] for c in changes["renamed"]] == ["certified-solidworks-associate"]
    assert [c["certification"]["id"] for c in changes["moved"]] == [
        "entrepreneurship-and-small-business-certification"]
    assert changes["unchangedCount"] == 35  # 39 - 2 removed - 1 renamed - 1 moved

    added = changes["added"][0]
    assert added["after"]["placements"] == [{"sector": "Information Technology", "pathway": "Information Technology"}]
    assert [(d["kind"], d["decision"]["reference"], d["recordedBy"]) for d in added["decisions"]] == [
        ("PLACEMENT_APPROVED", "Consent agenda item K", "token:editor-1")]
    reasons = {c["certification"]["id"]: [(d["kind"], d["reason"]) for d in c["decisions"]]
               for c in changes["removed"]}
    assert reasons == {"faa-part-107": [("PLACEMENT_DROPPED", "Moved to the postsecondary list")],
                       "ciw-javascript-specialist": [("PLACEMENT_DROPPED", "Exam retired by the vendor")]}
    renamed = changes["renamed"][0]
    assert (renamed["before"]["name"], renamed["after"]["name"]) == (
        "Certified Solidworks Associate", "Certified SOLIDWORKS Associate (CSWA)")
    assert renamed["decisions"] == [{"kind": "CERTIFICATION_RENAMED", "oldName": "Certified Solidworks Associate",
                                     "newName": "Certified SOLIDWORKS Associate (CSWA)"}]
    moved = changes["moved"][0]
    assert moved["before"]["placements"] == [{"pathway": "Business, Marketing, and Finance"}]
    assert moved["after"]["placements"] == [{"pathway": "Entrepreneurship"}]
    assert moved["decisions"] == [{"kind": "PLACEMENT_MOVED", "pathway": "Business, Marketing, and Finance",
                                   "toPathway": "Entrepreneurship"}]

    years = live.data("{ schoolYears { schoolYear carriedFrom certificationCount } }")["schoolYears"]
    assert years == [{"schoolYear": "2025-2026", "carriedFrom": None, "certificationCount": 39},
                     {"schoolYear": "2026-2027", "carriedFrom": "2025-2026", "certificationCount": 38}]
    renamed_now = live.data('{ certification(id: "certified-solidworks-associate") { name eligibleYears } }')
    assert renamed_now["certification"] == {"name": "Certified SOLIDWORKS Associate (CSWA)",
                                            "eligibleYears": ["2025-2026", "2026-2027"]}


def test_a_dry_run_reports_the_events_and_records_none(live, editor):
    before = events_recorded(live)
    dry = live.data(CARRY_FORWARD, {**SCENARIO, "dryRun": True}, **bearer(editor))["carryForward"]
    assert dry["dryRun"] is True and len(dry["events"]) == 56 and dry["version"] == 0
    assert {e["position"] for e in dry["events"]} == {0}
    assert events_recorded(live) == before
    assert live.data('{ catalog(schoolYear: "2026-2027") { schoolYear } }') == {"catalog": None}


def test_the_audit_log_pages_through_every_event_in_recorded_order(live, editor):
    carry_forward(live, editor)
    query = """query ($after: String) { auditLog(first: 17, after: $after) {
        totalCount edges { cursor node { position kind schoolYear recordedBy recordedAt
                                         decision { body decidedOn reference document } } }
        pageInfo { hasNextPage endCursor } } }"""
    positions, after, pages = [], None, 0
    while True:
        log = live.data(query, {"after": after})["auditLog"]
        assert log["totalCount"] == 161  # 105 from the seed, 56 from the carry-forward
        positions += [e["node"]["position"] for e in log["edges"]]
        pages += 1
        if not log["pageInfo"]["hasNextPage"]:
            break
        after = log["pageInfo"]["endCursor"]
    assert pages == 10 and positions == sorted(positions) and len(set(positions)) == 161

    filtered = live.data("""{ auditLog(first: 500, schoolYear: "2026-2027", kind: PLACEMENT_DROPPED) {
        totalCount edges { node { certificationId reason recordedBy } } } }""")["auditLog"]
    assert filtered["totalCount"] == 2
    swib = live.data("{ auditLog(first: 1, body: SWIB) { totalCount } }")["auditLog"]
    assert swib["totalCount"] == 53  # 52 votes, and the year's opening by the SWIB's vote


def test_as_of_a_decision_date(live):
    def catalog(day: str, purpose: str = "ACCOUNTABILITY_ACCELERATION"):
        query = """query ($d: Date!, $p: EligibilityPurpose!) {
            catalog(schoolYear: "2025-2026", asOf: $d, purpose: $p) { placementCount certificationCount } }"""
        return live.data(query, {"d": day, "p": purpose})["catalog"]

    assert catalog("2025-02-19") is None
    assert catalog("2025-02-19", "PERKINS_PROGRAM_QUALITY") is None
    for purpose in ("PERKINS_PROGRAM_QUALITY", "INDUSTRY_CERTIFICATION_GRANT"):
        assert catalog("2025-02-20", purpose) == {"placementCount": 52, "certificationCount": 39}
        assert catalog("2025-04-16", purpose) == {"placementCount": 52, "certificationCount": 39}
    assert catalog("2025-04-16") == {"placementCount": 0, "certificationCount": 0}
    for purpose in ("ACCOUNTABILITY_ACCELERATION", "PERKINS_PROGRAM_QUALITY", "INDUSTRY_CERTIFICATION_GRANT"):
        assert catalog("2025-04-17", purpose) == {"placementCount": 52, "certificationCount": 39}
    certs = live.data('{ certifications(schoolYear: "2025-2026", asOf: "2025-03-01", '
                      'purpose: INDUSTRY_CERTIFICATION_GRANT) { totalCount } }')
    assert certs["certifications"]["totalCount"] == 39


def test_recorded_as_of_shows_what_the_ledger_held_before_a_later_correction(live, editor):
    time.sleep(0.01)
    before_correction = datetime.now(timezone.utc).isoformat()
    time.sleep(0.01)
    correction = """mutation { removeCertification(schoolYear: "2025-2026",
        decision: {body: SBE, decidedOn: "2025-06-12", reference: "Consent agenda item C"},
        removal: {certification: "faa-part-107", reason: "Listed in error: not a CTE program certification"}) {
        events { kind } } }"""
    assert live.data(correction, **bearer(editor))["removeCertification"]["events"] == [
        {"kind": "PLACEMENT_REMOVED"}]
    query = """query ($at: DateTime) { catalog(schoolYear: "2025-2026", recordedAsOf: $at) { placementCount } }"""
    assert live.data(query, {"at": None})["catalog"]["placementCount"] == 51
    assert live.data(query, {"at": before_correction})["catalog"]["placementCount"] == 52
    # As decided on the original approval date, the correction (decided later) does not apply yet.
    as_decided = live.data('{ catalog(schoolYear: "2025-2026", asOf: "2025-04-17") { placementCount } }')
    assert as_decided["catalog"]["placementCount"] == 52
    # Before anything was recorded, nothing was known.
    empty = live.data(query, {"at": "2020-01-01T00:00:00+00:00"})
    assert empty == {"catalog": None}


def test_changes_recorded_as_of_before_the_carry_forward_sees_no_later_year(live, editor):
    before = datetime.now(timezone.utc).isoformat()
    time.sleep(0.01)
    carry_forward(live, editor)
    then = live.data(CHANGES, {"recordedAsOf": before})["changes"]
    assert (len(then["removed"]), then["added"], then["unchangedCount"]) == (39, [], 0)


@pytest.mark.parametrize(("headers", "code"), [
    ({}, "UNAUTHENTICATED"),
    ({"Authorization": "Bearer cl_0000000000000000_" + "x" * 43}, "UNAUTHENTICATED"),
    ({"Authorization": "Bearer not-a-token"}, "UNAUTHENTICATED"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "UNAUTHENTICATED"),
])
def test_writes_without_a_valid_token_are_refused_and_record_nothing(live, headers, code):
    before = events_recorded(live)
    error = live.error(CARRY_FORWARD, SCENARIO, headers=headers)
    assert error["extensions"]["code"] == code
    assert events_recorded(live) == before


def test_revoked_and_reader_tokens_cannot_write(live, seeded, editor):
    reader = seeded.tokens.create("auditor-1", role="reader")
    assert live.error(CARRY_FORWARD, SCENARIO, **bearer(reader))["extensions"]["code"] == "FORBIDDEN"
    seeded.tokens.revoke("editor-1")
    error = live.error(CARRY_FORWARD, SCENARIO, **bearer(editor))
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "revoked" in error["message"]
    assert events_recorded(live) == 105


REMOVE = """mutation ($year: String!, $decision: DecisionInput!, $removal: RemovalInput!) {
  removeCertification(schoolYear: $year, decision: $decision, removal: $removal) { events { kind } } }"""
LATER = {"body": "SBE", "decidedOn": "2025-06-12", "reference": "Consent agenda item C"}


@pytest.mark.parametrize(("variables", "code", "names"), [
    ({"year": "2025-2026", "decision": LATER, "removal": {"certification": "CCNA", "reason": "x"}},
     "UNKNOWN_CERTIFICATION", "'CCNA'"),
    ({"year": "2025-2026", "decision": LATER, "removal": {"certification": "faa-part-107", "reason": "  "}},
     "REASON_REQUIRED", "reason"),
    ({"year": "2025-2026", "decision": {**LATER, "decidedOn": "2027-03-01"},
      "removal": {"certification": "faa-part-107", "reason": "x"}}, "INVALID_DECISION_DATE", "2027-03-01"),
    ({"year": "2025-2026", "decision": {**LATER, "decidedOn": "2025-03-01"},
      "removal": {"certification": "faa-part-107", "reason": "x"}}, "DECISION_OUT_OF_ORDER", "2025-03-01"),
    ({"year": "2024-2025", "decision": LATER, "removal": {"certification": "faa-part-107", "reason": "x"}},
     "UNKNOWN_SCHOOL_YEAR", "2024-2025"),
    ({"year": "2025-2026", "decision": LATER,
      "removal": {"certification": "faa-part-107", "reason": "x", "sector": "Manufacturing", "pathway": "Welding"}},
     "UNKNOWN_PLACEMENT", "Manufacturing / Welding"),
    ({"year": "2025-26-27", "decision": LATER, "removal": {"certification": "faa-part-107", "reason": "x"}},
     "BAD_USER_INPUT", "'2025-26-27'"),
])
def test_bad_writes_are_refused_with_a_precise_code_and_record_nothing(live, editor, variables, code, names):
    error = live.error(REMOVE, variables, **bearer(editor))
    assert error["extensions"]["code"] == code
    assert names in error["message"]
    assert events_recorded(live) == 105


def test_approving_twice_and_removing_what_is_not_approved_are_refused(live, editor):
    approve = """mutation ($d: DecisionInput!) { approvePlacements(schoolYear: "2025-2026", decision: $d,
        placements: [{sector: "Manufacturing", pathway: "Welding", certification: "NCCER Welding Level 1"}]) {
        events { kind } } }"""
    error = live.error(approve, {"d": {"body": "SBE", "decidedOn": "2025-05-15"}}, **bearer(editor))
    assert error["extensions"]["code"] == "ALREADY_APPROVED"
    remove_twice = {"year": "2025-2026", "decision": LATER,
                    "removal": {"certification": "faa-part-107", "reason": "Listed in error"}}
    live.data(REMOVE, remove_twice, **bearer(editor))
    error = live.error(REMOVE, remove_twice, **bearer(editor))
    assert error["extensions"]["code"] == "NOT_APPROVED"
    assert "'FAA Part 107' is not approved for 2025-2026" in error["message"]
    assert events_recorded(live) == 106


def test_two_concurrent_conflicting_writes_end_with_one_event_and_one_conflict(live, editor):
    version = live.data("{ schoolYears { version } }")["schoolYears"][0]["version"]
    rename = """mutation ($name: String!, $v: Int!) { renameCertification(schoolYear: "2025-2026",
        decision: {body: SBE, decidedOn: "2025-05-15"}, expectedVersion: $v,
        rename: {certification: "faa-part-107", newName: $name}) { version } }"""
    answers: list[dict] = []
    barrier = threading.Barrier(2)

    def write(name: str) -> None:
        barrier.wait()
        answers.append(live.post(rename, {"name": name, "v": version}, **bearer(editor)))

    threads = [threading.Thread(target=write, args=(n,)) for n in ("FAA Part 107 Remote Pilot", "FAA sUAS")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [a for a in answers if "errors" not in a]
    losers = [a for a in answers if "errors" in a]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0]["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "nothing was recorded" in losers[0]["errors"][0]["message"]
    assert events_recorded(live) == 106
    history = live.data('{ certification(id: "faa-part-107") { history { kind } } }')
    assert [h["kind"] for h in history["certification"]["history"]].count("CERTIFICATION_RENAMED") == 1


def test_import_document_through_the_api_with_a_dry_run(live, editor, seeded):
    from tests.conftest import SEED

    content = SEED.read_text(encoding="utf-8")
    corrections = SEED.with_name("sbe-2025-04-17-consent-item-j.corrections.toml").read_text()
    query = """mutation ($content: String!, $corrections: String, $dry: Boolean!) {
        importDocument(name: "item-j.txt", content: $content, corrections: $corrections, dryRun: $dry) {
            dryRun unchanged notes events { kind } } }"""
    result = live.data(query, {"content": content, "corrections": corrections, "dry": True}, **bearer(editor))
    assert result["importDocument"]["events"] == [] and result["importDocument"]["unchanged"] == 104
    assert len(result["importDocument"]["notes"]) == 3
    error = live.error(query, {"content": content.replace(" 52 industry", " 53 industry"), "corrections": None,
                               "dry": False}, **bearer(editor))
    assert error["extensions"]["code"] == "STATED_COUNT_MISMATCH"
    assert events_recorded(live) == 105


def test_catalog_changed_pushes_each_change_over_graphql_transport_ws(live, editor):
    url = str(live.http.base_url).replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": 'subscription { catalogChanged(schoolYear: "2025-2026") { kind certificationId reason } }'}}))
        time.sleep(0.3)  # let the subscription register before the write
        live.data(REMOVE, {"year": "2025-2026", "decision": LATER,
                           "removal": {"certification": "NCCER Core Curriculum", "reason": "Curriculum withdrawn"}},
                  **bearer(editor))
        pushed = [json.loads(ws.recv(timeout=10)) for _ in range(9)]
    assert {m["type"] for m in pushed} == {"next"}
    changes = [m["payload"]["data"]["catalogChanged"] for m in pushed]
    assert changes == [{"kind": "PLACEMENT_REMOVED", "certificationId": "nccer-core-curriculum",
                        "reason": "Curriculum withdrawn"}] * 9


def test_queries_over_one_websocket_see_writes_made_between_them(live, editor):
    url = str(live.http.base_url).replace("http://", "ws://") + "/graphql"
    query = '{ catalog(schoolYear: "2025-2026") { placementCount } }'

    def ask(ws, op_id: str) -> int:
        ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
        message = json.loads(ws.recv(timeout=10))
        assert json.loads(ws.recv(timeout=10))["type"] == "complete"
        return int(message["payload"]["data"]["catalog"]["placementCount"])

    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        assert ask(ws, "1") == 52
        live.data(REMOVE, {"year": "2025-2026", "decision": LATER,
                           "removal": {"certification": "faa-part-107", "reason": "Listed in error"}},
                  **bearer(editor))
        assert ask(ws, "2") == 51


def test_a_certification_asked_as_of_a_date_shows_its_placements_and_history_then(live, editor):
    live.data(REMOVE, {"year": "2025-2026", "decision": LATER,
                       "removal": {"certification": "faa-part-107", "reason": "Listed in error"}}, **bearer(editor))
    query = """query ($d: Date) { certifications(schoolYear: "2025-2026", asOf: $d, search: "FAA") {
        edges { node { id eligibleYears placements { pathway } history { kind } } } } }"""
    then = live.data(query, {"d": "2025-05-01"})["certifications"]["edges"]
    assert then == [{"node": {"id": "faa-part-107", "eligibleYears": ["2025-2026"],
                              "placements": [{"pathway": "Unmanned Aerial Systems"}],
                              "history": [{"kind": "SWIB_VOTE_RECORDED"}, {"kind": "PLACEMENT_APPROVED"}]}}]
    assert live.data(query, {"d": None})["certifications"]["edges"] == []


def test_an_oversized_cursor_is_bad_user_input(live):
    import base64

    cursor = base64.urlsafe_b64encode(b"event:" + b"9" * 30).decode()
    error = live.error("query ($c: String) { auditLog(after: $c) { totalCount } }", {"c": cursor})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_errors_over_websockets_carry_codes_too(live):
    url = str(live.http.base_url).replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"id": "1", "type": "subscribe",
                            "payload": {"query": '{ catalog(schoolYear: "2025") { schoolYear } }'}}))
        answer = json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"id": "2", "type": "subscribe",
                            "payload": {"query": 'subscription { catalogChanged(schoolYear: "x") { kind } }'}}))
        messages = [json.loads(ws.recv(timeout=10)) for _ in range(3)]
    assert answer["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    refused = next(m for m in messages if m.get("id") == "2" and m["type"] in ("next", "error"))
    errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


AUDIT = """query ($after: DateTime, $before: DateTime, $year: String) {
  auditLog(first: 500, recordedAfter: $after, recordedBefore: $before, schoolYear: $year) {
    totalCount edges { node { position kind schoolYear certificationName sector pathway sourceLine recordedBy
      recordedAt decision { body bodyName decidedOn reference businessRule document documentSha256 } } } } }"""


def test_the_audit_log_gives_each_events_provenance_and_filters_by_recording_time(live, editor):
    seeded_log = live.data(AUDIT)["auditLog"]["edges"]
    time.sleep(0.01)
    between = datetime.now(timezone.utc).isoformat()
    time.sleep(0.01)
    carry_forward(live, editor)

    first_approval = next(e["node"] for e in seeded_log if e["node"]["kind"] == "PLACEMENT_APPROVED")
    recorded_at = first_approval.pop("recordedAt")
    assert datetime.fromisoformat(recorded_at).utcoffset() is not None and recorded_at < between
    assert first_approval == {
        "position": 54, "kind": "PLACEMENT_APPROVED", "schoolYear": "2025-2026",
        "certificationName": "Autodesk Certified User - AutoCAD", "sector": "Architecture & Construction",
        "pathway": "Architecture & Drafting", "sourceLine": 26, "recordedBy": "test:seed",
        "decision": {"body": "SBE", "bodyName": "State Board of Education", "decidedOn": "2025-04-17",
                     "reference": "Consent agenda item J", "businessRule": "9.2",
                     "document": "sbe-2025-04-17-consent-item-j.txt",
                     "documentSha256": "414f3d4ac0661dde963fc8251d0a83d47b0bc03c0a05fbbe31079f141e54a8c8"}}
    first_vote = next(e["node"] for e in seeded_log if e["node"]["kind"] == "SWIB_VOTE_RECORDED")
    assert (first_vote["decision"]["body"], first_vote["decision"]["decidedOn"],
            first_vote["decision"]["reference"]) == ("SWIB", "2025-02-20", "SWIB vote of 2025-02-20")

    after = live.data(AUDIT, {"after": between})["auditLog"]
    assert after["totalCount"] == 56
    assert {e["node"]["recordedBy"] for e in after["edges"]} == {"token:editor-1"}
    assert {e["node"]["decision"]["reference"] for e in after["edges"]} == {"Consent agenda item K"}
    before = live.data(AUDIT, {"before": between})["auditLog"]
    assert before["totalCount"] == 105 and [e["node"]["position"] for e in before["edges"]] == list(range(1, 106))
    year = live.data(AUDIT, {"after": between, "year": "2025-2026"})["auditLog"]
    assert [e["node"]["kind"] for e in year["edges"]] == ["CARRIED_FORWARD"]
    naive = live.error(AUDIT, {"after": "2025-04-17T00:00:00"})
    assert naive["extensions"]["code"] == "BAD_USER_INPUT" and "has no time zone" in naive["message"]


def test_time_travel_over_the_carried_forward_year(live, editor):
    before_carry = datetime.now(timezone.utc).isoformat()
    time.sleep(0.01)
    carry_forward(live, editor)
    query = """query ($d: Date, $at: DateTime, $p: EligibilityPurpose) {
        catalog(schoolYear: "2026-2027", asOf: $d, recordedAsOf: $at, purpose: $p) { placementCount } }"""

    def count(**variables):
        answer = live.data(query, variables)["catalog"]
        return None if answer is None else answer["placementCount"]

    assert count() == 51  # 52, less two removals, plus one addition
    assert count(d="2026-04-15") is None  # nothing decided for 2026-2027 before item K
    assert count(d="2026-04-16") == 51
    assert count(at=before_carry) is None
    assert count(p="PERKINS_PROGRAM_QUALITY") == 0  # the SBE carried its approvals, not the SWIB's recognitions
    changes = live.data(CHANGES, {"asOf": "2026-04-15"})["changes"]
    assert (len(changes["removed"]), changes["added"], changes["unchangedCount"]) == (39, [], 0)
    on_item_k = live.data(CHANGES, {"asOf": "2026-04-16"})["changes"]
    assert ([c["certification"]["id"] for c in on_item_k["removed"]], on_item_k["unchangedCount"]) == (
        ["ciw-javascript-specialist", "faa-part-107"], 35)
    # The 2025-2026 list as decided then is unchanged by the carry-forward.
    as_of = live.data('{ catalog(schoolYear: "2025-2026", asOf: "2026-04-16") { placementCount } }')
    assert as_of["catalog"]["placementCount"] == 52


RENAME = """mutation ($rename: RenameInput!, $d: DecisionInput!) {
  renameCertification(schoolYear: "2025-2026", decision: $d, rename: $rename) { events { kind effectiveOn } } }"""


def test_a_rename_takes_effect_on_its_effective_date(live, editor):
    renamed = live.data(RENAME, {"d": {"body": "SBE", "decidedOn": "2025-06-12"}, "rename": {
        "certification": "FAA Part 107", "newName": "FAA Remote Pilot Certificate", "effectiveOn": "2025-08-01"}},
        **bearer(editor))
    assert renamed["renameCertification"]["events"] == [{"kind": "CERTIFICATION_RENAMED", "effectiveOn": "2025-08-01"}]
    query = """query ($d: Date) { certifications(schoolYear: "2025-2026", asOf: $d, search: "faa") {
        edges { node { name } } } }"""

    def name(day: str | None) -> str:
        return live.data(query, {"d": day})["certifications"]["edges"][0]["node"]["name"]

    assert name("2025-07-31") == "FAA Part 107"  # decided, not yet in effect
    assert name("2025-08-01") == name(None) == "FAA Remote Pilot Certificate"
    earlier = live.error(RENAME, {"d": {"body": "SBE", "decidedOn": "2025-06-20"}, "rename": {
        "certification": "faa-part-107", "newName": "FAA sUAS", "effectiveOn": "2025-07-01"}}, **bearer(editor))
    assert earlier["extensions"]["code"] == "DECISION_OUT_OF_ORDER"
    assert events_recorded(live) == 106


def test_each_body_removes_only_what_it_decided(live, editor):
    swib = {"body": "SWIB", "decidedOn": "2025-06-12", "reference": "SWIB vote of 2025-06-12"}
    removal = {"certification": "faa-part-107", "reason": "Exam retired by the vendor"}
    removed = live.data(REMOVE.replace("events { kind }", "events { kind purposes }"),
                        {"year": "2025-2026", "decision": swib, "removal": removal}, **bearer(editor))
    assert removed["removeCertification"]["events"] == [
        {"kind": "PLACEMENT_REMOVED", "purposes": ["PERKINS_PROGRAM_QUALITY", "INDUSTRY_CERTIFICATION_GRANT"]}]
    counts = live.data("""{ a: catalog(schoolYear: "2025-2026") { placementCount }
        p: catalog(schoolYear: "2025-2026", purpose: PERKINS_PROGRAM_QUALITY) { placementCount }
        g: catalog(schoolYear: "2025-2026", purpose: INDUSTRY_CERTIFICATION_GRANT) { placementCount } }""")
    assert {k: v["placementCount"] for k, v in counts.items()} == {"a": 52, "p": 51, "g": 51}
    again = live.error(REMOVE, {"year": "2025-2026", "decision": swib, "removal": removal}, **bearer(editor))
    assert again["extensions"]["code"] == "NOT_RECOGNIZED"
    assert events_recorded(live) == 106


def test_changes_explain_a_rename_of_the_earlier_year_made_after_the_later_year_opened(live, editor):
    carry_forward(live, editor)
    live.data(RENAME, {"d": {"body": "SBE", "decidedOn": "2026-05-01"}, "rename": {
        "certification": "PCEP - Certified Entry-Level Python Programmer",
        "newName": "PCEP - Certified Entry-Level Python Programmer (2026)"}}, **bearer(editor))
    remove_one = {"year": "2026-2027", "decision": {"body": "SBE", "decidedOn": "2026-05-01"},
                  "removal": {"certification": "NCCER Core Curriculum", "reason": "Not taught in welding",
                              "sector": "Manufacturing", "pathway": "Welding"}}
    live.data(REMOVE, remove_one, **bearer(editor))
    changes = live.data(CHANGES)["changes"]
    pcep = next(c for c in changes["renamed"] if "pcep" in c["certification"]["id"])
    assert [(d["kind"], d["oldName"], d["newName"]) for d in pcep["decisions"]] == [
        ("CERTIFICATION_RENAMED", "PCEP™ – Certified Entry-Level Python Programmer",
         "PCEP - Certified Entry-Level Python Programmer (2026)")]
    core = next(c for c in changes["moved"] if c["certification"]["id"] == "nccer-core-curriculum")
    assert core["decisions"] == [{"kind": "PLACEMENT_REMOVED", "pathway": "Welding", "toPathway": None}]
