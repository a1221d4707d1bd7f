"""The GraphQL-over-HTTP audit (graphql-http, pinned in tests/conformance) against a live server."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

AUDIT = Path(__file__).resolve().parent.parent / "conformance"


def test_graphql_over_http_audit_has_no_errors_or_warnings(live):
    if shutil.which("node") is None or not (AUDIT / "node_modules" / "graphql-http").is_dir():
        message = "conformance audit skipped: needs node and `npm ci` in tests/conformance (make test does it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but " + message, pytrace=False)
        pytest.skip(message)
    url = str(live.http.base_url) + "/graphql"
    run = subprocess.run(["node", str(AUDIT / "audit.mjs"), url, "--reasons"], capture_output=True, text=True,
                         timeout=120)
    summary = run.stdout.strip().splitlines()[-1]
    assert summary.startswith("61 ok, 0 warn, 0 error"), run.stdout
    assert run.returncode == 0
