"""Requests GraphQL cannot read get a 4xx with a JSON error and a code, never a 500."""

import json

import pytest

DEEP_VARIABLES = '{"query": "{ schoolYears { schoolYear } }", "variables": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}"


@pytest.mark.parametrize(("body", "content_type"), [
    (b"x", "application/json"),
    (b"null", "application/json"),
    (b"5", "application/json"),
    ('{"query": "{ schoolYears { schoolYear } } \xff"}'.encode("latin-1"), "application/json"),
    (DEEP_VARIABLES.encode(), "application/json"),
    (b"{}", "application/json"),
    (b"query=x", "text/plain"),
])
def test_unreadable_requests_get_a_json_400_with_a_code(live, body, content_type):
    response = live.http.post("/graphql", content=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST" and "Traceback" not in error["message"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_moments_outside_the_calendar_are_bad_user_input(live, moment):
    query = "query ($t: DateTime) { catalog(schoolYear: \"2025-2026\", recordedAsOf: $t) { schoolYear } }"
    error = live.error(query, {"t": moment})
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "out of range" in error["message"]


def test_lone_surrogates_in_a_document_are_refused_as_a_document_error(live, seeded):
    token = seeded.tokens.create("editor-hostile")
    body = ('{"query": "mutation ($c: String!) { importDocument(name: \\"x.txt\\", content: $c) { dryRun } }",'
            ' "variables": {"c": "\\ud800 text"}}')
    response = live.http.post("/graphql", content=body.encode(), headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "DOCUMENT_REJECTED"
    assert json.loads(live.http.post("/graphql", json={"query": "{ auditLog(first: 0) { totalCount } }"})
                      .content)["data"]["auditLog"]["totalCount"] == 105


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_subscription_over_http_is_a_400_pointing_to_the_websocket(live, method):
    query = 'subscription { catalogChanged(schoolYear: "2025-2026") { position } }'
    response = (live.http.get("/graphql", params={"query": query}) if method == "GET"
                else live.http.post("/graphql", json={"query": query}))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST" and "websocket" in error["message"]


def test_several_operations_without_an_operation_name_run_none_of_them(live, seeded):
    token = seeded.tokens.create("editor-two-operations")
    document = ('mutation B { removeCertification(schoolYear: "2025-2026", decision: {body: SBE, decidedOn: '
                '"2025-06-12"}, removal: {certification: "faa-part-107", reason: "x"}) { version } } '
                "query A { schoolYears { version } }")
    error = live.error(document, headers={"Authorization": f"Bearer {token}"})
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "operationName" in error["message"]
    named = live.http.post("/graphql", json={"query": document, "operationName": "A"}).json()
    assert named == {"data": {"schoolYears": [{"version": 105}]}}  # nothing was recorded


def test_a_recorded_as_of_moment_still_to_come_is_refused(live):
    # What the ledger will hold then is not known yet; an answer now could change later.
    query = "query ($t: DateTime) { catalog(schoolYear: \"2025-2026\", recordedAsOf: $t) { placementCount } }"
    error = live.error(query, {"t": "2999-01-01T00:00:00Z"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "has not happened yet" in error["message"]
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).isoformat()
    assert live.data(query, {"t": now}) == {"catalog": {"placementCount": 52}}
