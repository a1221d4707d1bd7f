"""Response caching keyed by the read model's position, ETags, and media types."""

from api.cache import MAX_CACHED_QUERY, operation_type

CATALOG = '{ catalog(schoolYear: "2025-2026") { placementCount } }'


def test_a_repeated_query_is_served_from_the_cache_until_the_read_model_moves(live, seeded):
    cache = _cache(live, seeded)
    first = live.http.post("/graphql", json={"query": CATALOG})
    assert len(cache.entries) == 1
    second = live.http.post("/graphql", json={"query": CATALOG})
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert len(cache.entries) == 1
    token = seeded.tokens.create("editor-cache")
    removal = """mutation { removeCertification(schoolYear: "2025-2026",
        decision: {body: SBE, decidedOn: "2025-06-12"}, removal: {certification: "faa-part-107", reason: "x"}) {
        version } }"""
    live.data(removal, headers={"Authorization": f"Bearer {token}"})
    third = live.http.post("/graphql", json={"query": CATALOG})
    assert third.json() == {"data": {"catalog": {"placementCount": 51}}}
    assert third.headers["etag"] != first.headers["etag"]


def test_mutations_are_never_cached(live, seeded):
    cache = _cache(live, seeded)
    body = {"query": 'mutation { carryForward(fromYear: "2025-2026", decision: {body: SBE, decidedOn: "2026-04-16"}) '
                     "{ version } }"}
    for _ in range(2):
        assert live.http.post("/graphql", json=body).json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert cache.entries == {}


def test_a_get_with_a_matching_etag_is_answered_304(live):
    first = live.http.get("/graphql", params={"query": CATALOG})
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
    again = live.http.get("/graphql", params={"query": CATALOG}, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = live.http.get("/graphql", params={"query": CATALOG}, headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.json() == first.json()


def test_graphql_response_json_gets_400_for_request_errors_and_json_keeps_200(live):
    gql = {"Accept": "application/graphql-response+json"}
    parse_error = live.http.post("/graphql", json={"query": "{ catalog("}, headers=gql)
    assert parse_error.status_code == 400
    assert parse_error.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in parse_error.json()
    assert parse_error.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    field_error = live.http.post("/graphql", json={"query": '{ catalog(schoolYear: "2025") { schoolYear } }'},
                                 headers=gql)
    assert field_error.status_code == 200 and field_error.json()["data"] == {"catalog": None}
    legacy = live.http.post("/graphql", json={"query": "{ catalog("}, headers={"Accept": "application/json"})
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("application/json")


def test_the_cache_keeps_media_types_apart(live):
    plain = live.http.post("/graphql", json={"query": "{ nope }"})
    strict = live.http.post("/graphql", json={"query": "{ nope }"},
                            headers={"Accept": "application/graphql-response+json"})
    assert (plain.status_code, strict.status_code) == (200, 400)


def _cache(live, seeded):
    from api.cache import ResponseCache

    app = live.app
    route = next(r for r in app.routes if getattr(r, "path", "") == "/graphql" and hasattr(r, "methods"))
    cache = route.app if isinstance(route.app, ResponseCache) else route.endpoint
    assert isinstance(cache, ResponseCache)
    cache.entries.clear()
    return cache




def test_a_request_body_over_the_limit_is_refused_with_413(seeded):
    from api.app import create_app
    from api.settings import Settings
    from tests.api.conftest import GraphQLClient, LiveServer

    with LiveServer(create_app(Settings(db="memory", max_body_bytes=1000), store=seeded)) as server:
        client = GraphQLClient(server.url)
        try:
            big = client.http.post("/graphql", json={"query": "{ schoolYears { schoolYear } }", "pad": "x" * 2000})
            small = client.http.post("/graphql", json={"query": "{ schoolYears { schoolYear } }"})
        finally:
            client.http.close()
    assert big.status_code == 413 and big.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert small.status_code == 200


def test_the_cache_reads_an_operations_type_within_the_token_limit_and_keeps_no_huge_query(live, seeded):
    assert operation_type(CATALOG, None, 2000) is not None
    # Past the token limit the cache does not parse on: the endpoint refuses it anyway.
    assert operation_type("{ " + "schoolYears { schoolYear } " * 600 + "}", None, 2000) is None
    cache = _cache(live, seeded)
    padded = CATALOG + " " * MAX_CACHED_QUERY
    answer = live.http.post("/graphql", json={"query": padded})
    assert answer.json() == {"data": {"catalog": {"placementCount": 52}}}
    assert len(cache.entries) == 0


def test_answers_with_errors_are_not_kept(live, seeded):
    """Some refusals depend on more than the read model: a recordedAsOf moment still to
    come is refused now and answered once it has passed, with no event in between."""
    cache = _cache(live, seeded)
    query = '{ catalog(schoolYear: "2025-2026", recordedAsOf: "2999-01-01T00:00:00Z") { placementCount } }'
    for _ in range(2):
        assert live.http.post("/graphql", json={"query": query}).json()["errors"][0]["extensions"]["code"] == \
            "BAD_USER_INPUT"
    assert len(cache.entries) == 0
