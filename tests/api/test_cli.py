"""The command line as a user runs it: dry runs people can read, refusals, the SDL."""

import os
import subprocess
import sys
from pathlib import Path

from api.schema import SDL_PATH
from tests.conftest import SEED

BIN = Path(sys.executable).parent / "certledger"


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env={**os.environ, "CERTLEDGER_DB": str(db)},
                          capture_output=True, text=True, timeout=120)


def test_a_dry_run_import_lists_each_event_readably_and_records_nothing(tmp_path):
    db = tmp_path / "store.sqlite3"
    dry = run("import", str(SEED), "--dry-run", db=db)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert "would record 105 events, 0 already on record" in lines[0]
    assert "  would record SchoolYearOpened: 2025-2026" in lines
    assert ("  would record SwibVoteRecorded: 2025-2026 — NCCER Core Curriculum under Manufacturing / Welding "
            "(recognized)") in lines
    assert sum("(recognized)" in line for line in lines) == 52 and "not recognized" not in dry.stdout
    assert ("  would record PlacementApproved: 2025-2026 — NCCER Core Curriculum under Manufacturing / "
            "Welding") in lines
    assert "recorded 0 events" not in dry.stdout
    real = run("import", str(SEED), db=db)
    assert "recorded 105 events, 0 already on record" in real.stdout


def test_a_recorded_by_name_with_control_characters_is_refused(tmp_path):
    refused = run("import", str(SEED), "--recorded-by", "ev\x1b[2Jil", db=tmp_path / "store.sqlite3")
    assert refused.returncode == 2
    assert "Invalid --recorded-by 'ev\\x1b[2Jil'" in refused.stderr


def test_export_schema_writes_the_sdl_to_standard_output_on_request(tmp_path):
    out = run("export-schema", "--output", "-", db=tmp_path / "store.sqlite3")
    assert out.returncode == 0 and out.stdout == SDL_PATH.read_text(encoding="utf-8")
