"""GraphQL queries over real HTTP through uvicorn, against the imported seed."""

from collections import Counter

import pytest

from tests.conftest import expected_rows

CATALOG = """
query ($year: String!) {
  catalog(schoolYear: $year) {
    schoolYear purpose placementCount certificationCount
    sectors { name pathways { name certifications { id name } } }
  }
}"""

CERTIFICATIONS = """
query ($year: String!, $sector: String, $pathway: String, $search: String, $first: Int, $after: String) {
  certifications(schoolYear: $year, sector: $sector, pathway: $pathway, search: $search,
                 first: $first, after: $after) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def test_catalog_returns_the_52_placements_under_their_sectors_and_pathways(live):
    catalog = live.data(CATALOG, {"year": "2025-2026"})["catalog"]
    assert (catalog["schoolYear"], catalog["purpose"]) == ("2025-2026", "ACCOUNTABILITY_ACCELERATION")
    assert (catalog["placementCount"], catalog["certificationCount"]) == (52, 39)
    flattened = [
        (sector["name"], pathway["name"], cert["name"], "Yes")
        for sector in catalog["sectors"] for pathway in sector["pathways"] for cert in pathway["certifications"]
    ]
    assert flattened == expected_rows()
    assert len(catalog["sectors"]) == 6
    assert sum(len(s["pathways"]) for s in catalog["sectors"]) == 22


def test_catalog_of_a_year_with_nothing_recorded_is_null(live):
    assert live.data(CATALOG, {"year": "2024-2025"}) == {"catalog": None}


def test_school_years_lists_only_2025_2026_with_its_counts(live):
    years = live.data("{ schoolYears { schoolYear carriedFrom placementCount certificationCount "
                      "perkins: certificationCount(purpose: PERKINS_PROGRAM_QUALITY) } }")["schoolYears"]
    assert years == [{"schoolYear": "2025-2026", "carriedFrom": None, "placementCount": 52,
                      "certificationCount": 39, "perkins": 39}]


def test_certifications_are_distinct_and_in_list_order(live):
    result = live.data(CERTIFICATIONS, {"year": "2025-26", "first": 500})["certifications"]
    assert result["totalCount"] == 39
    names = [e["node"]["name"] for e in result["edges"]]
    assert names[:3] == ["Autodesk Certified User - AutoCAD", "NCCER Core Curriculum", "NCCER Carpentry Level 1"]
    assert len(set(names)) == 39
    assert result["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(("filters", "expected"), [
    ({"sector": "Information Technology"}, ["CompTIA CertMaster Tech+ Certificate of Competency",
                                            "CompTIA CertMaster Learn Network+ Certificate of Competency in Networking",
                                            "PCEP™ – Certified Entry-Level Python Programmer",
                                            "CIW JavaScript Specialist"]),
    ({"pathway": "Collision Repair Technician - Paint"}, [
        "ASE Collision Repair and Refinish: Mechanical and Electrical",
        "ASE Collision Repair and Refinish: Non-structural Analysis and Damage Repair",
        "ASE Collision Repair and Refinish: Painting and Refinishing",
        "ASE Collision Repair and Refinish: Structural Analysis and Damage Repair"]),
    ({"sector": "Manufacturing", "search": "nims"}, ["NIMS: Machining Level 1 - Measurement, Materials, & Safety"]),
    ({"search": "python"}, ["PCEP™ – Certified Entry-Level Python Programmer"]),
    ({"sector": "Agriculture"}, []),
])
def test_certifications_filter_by_sector_pathway_and_search(live, filters, expected):
    result = live.data(CERTIFICATIONS, {"year": "2025-2026", "first": 100, **filters})["certifications"]
    assert [e["node"]["name"] for e in result["edges"]] == expected
    assert result["totalCount"] == len(expected)


def test_certifications_paginate_with_cursors_through_all_39(live):
    seen, after, pages = [], None, 0
    while True:
        result = live.data(CERTIFICATIONS, {"year": "2025-2026", "first": 10, "after": after})["certifications"]
        assert result["totalCount"] == 39
        assert result["pageInfo"]["hasPreviousPage"] is (pages > 0)
        seen += [e["node"]["id"] for e in result["edges"]]
        pages += 1
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert pages == 4 and len(seen) == 39 and len(set(seen)) == 39


def test_certification_history_shows_each_decision_with_its_provenance(live):
    query = """{ certification(id: "nccer-core-curriculum") {
        id name eligibleYears placements(schoolYear: "2025-2026") { sector pathway }
        history { kind schoolYear sector pathway decision { body bodyName decidedOn reference businessRule
                  document documentSha256 } sourceLine recordedBy recordedAt } } }"""
    cert = live.data(query)["certification"]
    assert (cert["id"], cert["name"], cert["eligibleYears"]) == ("nccer-core-curriculum", "NCCER Core Curriculum",
                                                                  ["2025-2026"])
    assert len(cert["placements"]) == 9
    kinds = Counter(h["kind"] for h in cert["history"])
    assert kinds == {"SWIB_VOTE_RECORDED": 9, "PLACEMENT_APPROVED": 9}
    approval = next(h for h in cert["history"] if h["kind"] == "PLACEMENT_APPROVED")
    assert approval["decision"]["body"] == "SBE" and approval["decision"]["bodyName"] == "State Board of Education"
    assert approval["decision"]["decidedOn"] == "2025-04-17"
    assert approval["decision"]["reference"] == "Consent agenda item J"
    assert approval["decision"]["businessRule"] == "9.2"
    assert approval["decision"]["document"] == "sbe-2025-04-17-consent-item-j.txt"
    assert len(approval["decision"]["documentSha256"]) == 64
    assert (approval["sector"], approval["pathway"], approval["sourceLine"]) == (
        "Architecture & Construction", "Carpentry", 27)
    assert approval["recordedBy"] == "test:seed" and approval["recordedAt"].endswith("+00:00")
    vote = next(h for h in cert["history"] if h["kind"] == "SWIB_VOTE_RECORDED")
    assert vote["decision"]["decidedOn"] == "2025-02-20" and vote["decision"]["body"] == "SWIB"


def test_certification_is_found_by_a_re_punctuated_name_and_keeps_its_printed_name(live):
    cert = live.data('{ certification(id: "PCEP - Certified Entry-Level Python Programmer") { id name } }')
    assert cert["certification"] == {"id": "pcep-certified-entry-level-python-programmer",
                                     "name": "PCEP™ – Certified Entry-Level Python Programmer"}
    assert live.data('{ certification(id: "ccna") { id } }') == {"certification": None}


@pytest.mark.parametrize(("query", "variables", "code", "names"), [
    (CATALOG, {"year": "2025-2027"}, "BAD_USER_INPUT", "'2025-2027'"),
    (CATALOG, {"year": "2025"}, "BAD_USER_INPUT", "'2025'"),
    (CATALOG, {"year": ""}, "BAD_USER_INPUT", "''"),
    (CERTIFICATIONS, {"year": "2025-2026", "first": -1}, "BAD_USER_INPUT", "-1"),
    (CERTIFICATIONS, {"year": "2025-2026", "first": 100000}, "BAD_USER_INPUT", "100000"),
    (CERTIFICATIONS, {"year": "2025-2026", "after": "not-a-cursor"}, "BAD_USER_INPUT", "'not-a-cursor'"),
    ('{ certification(id: "™") { id } }', {}, "BAD_USER_INPUT", "'™'"),
    ('{ catalog(schoolYear: "2025-2026", recordedAsOf: "2025-05-01T00:00:00") { schoolYear } }', {},
     "BAD_USER_INPUT", "has no time zone"),
    ('{ catalog(schoolYear: "2025-2026", asOf: "2025-13-45") { schoolYear } }', {},
     "BAD_USER_INPUT", "2025-13-45"),
    ('{ catalog(schoolYear: "2025-2026", purpose: PERKINS) { schoolYear } }', {},
     "GRAPHQL_VALIDATION_FAILED", "PERKINS"),
    ("{ nope }", {}, "GRAPHQL_VALIDATION_FAILED", "nope"),
    ('query ($y: String!) { catalog(schoolYear: $y) { schoolYear } }', {"y": 2025}, "BAD_USER_INPUT", "2025"),
    ("{ catalog(schoolYear: ", {}, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
])
def test_bad_input_is_a_graphql_error_naming_the_value_with_a_code(live, query, variables, code, names):
    error = live.error(query, variables)
    assert error["extensions"]["code"] == code
    assert names in error["message"]
    assert "Traceback" not in error["message"]


def test_an_unexpected_failure_is_masked_without_internals(seeded):
    from api.app import create_app
    from api.settings import Settings
    from tests.api.conftest import GraphQLClient, LiveServer

    with LiveServer(create_app(Settings(db="memory"), store=seeded)) as server:
        client = GraphQLClient(server.url)
        with seeded.db.transaction() as tx:  # a broken read model: every catalog read fails
            tx.execute("DROP TABLE cl_names")
        try:
            error = client.error('{ catalog(schoolYear: "2025-2026") { schoolYear } }')
        finally:
            client.http.close()
        assert error["message"] == "Internal server error"
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
