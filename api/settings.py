"""Configuration: the only module that reads the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_DOCUMENT = PROJECT_ROOT / "data" / "sbe-2025-04-17-consent-item-j.txt"
# Reviewed corrections to documents' readings, each pinned to its document's SHA-256.
CORRECTIONS_DIR = PROJECT_ROOT / "data"
# The embedded store sits in the project's var/, wherever the command is run from; an
# installed copy (no project around it) uses ./var/ of the working directory.
_HOME = PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() else Path.cwd()
DEFAULT_DB = str(_HOME / "var" / "certledger.sqlite3")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {value!r}") from None


def _list(name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in os.environ.get(name, "").split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the API and CLI take from the environment."""

    db: str = DEFAULT_DB
    max_page_size: int = 500
    default_page_size: int = 50
    max_query_depth: int = 15  # the standard introspection query nests 13 deep
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 6 * 1024 * 1024
    max_subscriptions: int = 500
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    poll_interval: float = 0.5
    response_cache_entries: int = 512
    log_level: str = "info"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db=os.environ.get("CERTLEDGER_DB", "").strip() or DEFAULT_DB,
            max_page_size=_int("CERTLEDGER_MAX_PAGE_SIZE", 500),
            max_query_depth=_int("CERTLEDGER_MAX_QUERY_DEPTH", 15),
            max_aliases=_int("CERTLEDGER_MAX_ALIASES", 30),
            max_tokens=_int("CERTLEDGER_MAX_TOKENS", 2000),
            max_body_bytes=_int("CERTLEDGER_MAX_BODY_BYTES", 6 * 1024 * 1024),
            max_subscriptions=_int("CERTLEDGER_MAX_SUBSCRIPTIONS", 500),
            allowed_origins=_list("CERTLEDGER_ALLOWED_ORIGINS"),
            response_cache_entries=_int("CERTLEDGER_RESPONSE_CACHE_ENTRIES", 512),
            log_level=os.environ.get("CERTLEDGER_LOG_LEVEL", "info").strip() or "info",
        )
