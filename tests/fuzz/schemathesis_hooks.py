"""A schemathesis check for certledger: no 5xx, and no GraphQL error that is not deliberate.

schemathesis' own `not_a_server_error` counts only Apollo's generic client codes
(BAD_USER_INPUT, ...) as deliberate; certledger's refusals carry precise codes
(UNKNOWN_SCHOOL_YEAR, REASON_REQUIRED, ...), all of which are user errors. What must
never appear is a 5xx, an error without a code, or INTERNAL_SERVER_ERROR.
"""

import json

import schemathesis


@schemathesis.check
def no_server_error(ctx, response, case):  # type: ignore[no-untyped-def]
    """5xx, an uncoded error, or INTERNAL_SERVER_ERROR fails the run."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError("the response is not JSON") from None
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None or code == "INTERNAL_SERVER_ERROR":
            raise AssertionError(f"resolver error: {error}")
