"""A short, bounded run of bench/load.py: readers and an editor at once, on 127.0.0.1."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"


def test_concurrent_readers_while_an_editor_writes_see_no_errors_no_stale_answers_and_flat_memory():
    run = subprocess.run([sys.executable, str(LOAD), "--seconds", "8", "--readers", "8"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    figures = dict(line.split(None, 1) for line in run.stdout.splitlines() if line and not line.startswith("RESULT"))
    assert int(figures["errors"]) == 0 and int(figures["writes"]) >= 20
    assert float(figures["max_staleness_s"]) <= 1.0
