"""Bounded schemathesis run against the live server (reads and, with a token, writes)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
HOOKS = Path(__file__).resolve().parent.parent / "fuzz" / "schemathesis_hooks.py"
ST = Path(sys.executable).parent / "st"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_schemathesis_finds_no_server_error(live, seeded, tmp_path):
    token = seeded.tokens.create("fuzzer")
    url = str(live.http.base_url) + "/graphql"
    run = subprocess.run(
        [str(ST), "run", url, "-n", "60", "--seed", "42", "--generation-database", "none", "--no-color",
         "-c", "no_server_error", "-H", f"Authorization: Bearer {token}"],
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}, capture_output=True, text=True, timeout=300,
        cwd=tmp_path,  # schemathesis keeps a crash cache in its working directory
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "Tested: 14" in run.stdout
