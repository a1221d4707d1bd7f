"""Turning a document's bytes into a certification list the ledger can import."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from domain.documents.agenda_item import read_agenda_item
from domain.documents.corrections import Corrections
from domain.documents.listing import CertificationList
from domain.documents.table_file import looks_like_table, read_table_file
from domain.errors import DocumentError
from domain.school_year import SchoolYear

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def corrections_path_for(document: Path) -> Path:
    """Where a document's reviewed corrections sit: ``<name>.corrections.toml`` beside it."""
    return document.with_name(f"{document.stem}.corrections.toml")


class ReviewedCorrections:
    """The reviewed corrections kept with the project (``data/*.corrections.toml``), found
    by the SHA-256 of the document each one is pinned to, so a document gets the same
    reading whatever it is called and wherever it is read from (the CLI or the API)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._by_sha: dict[str, tuple[str, str]] | None = None

    def for_document(self, sha256: str) -> tuple[str, str] | None:
        """(source name, TOML text) of the corrections pinned to this document, if any."""
        if self._by_sha is None:
            self._by_sha = {}
            paths = sorted(self.directory.glob("*.corrections.toml")) if self.directory else []
            for path in paths:
                text = path.read_text(encoding="utf-8")
                pinned = Corrections.parse(text, path.name).document_sha256
                if pinned:
                    self._by_sha[pinned] = (path.name, text)
        return self._by_sha.get(sha256)


def read_document_file(
    path: Path,
    *,
    corrections: Path | None = None,
    reviewed: ReviewedCorrections | None = None,
    school_year: SchoolYear | None = None,
    swib_voted_on: date | None = None,
    sbe_approved_on: date | None = None,
    reference: str = "",
) -> CertificationList:
    """Read an agenda-item text or a CSV/TSV list from a file, with the corrections
    named, else those beside it, else the reviewed ones pinned to its content."""
    if not path.is_file():
        raise DocumentError(f"Cannot read {path}: not a regular file")
    try:
        with path.open("rb") as f:
            content = f.read(MAX_DOCUMENT_BYTES + 1)  # enough to tell it is too large
    except OSError as e:
        raise DocumentError(f"Cannot read {path}: {e.strerror or e}") from None
    sidecar = corrections or corrections_path_for(path)
    corrections_text = None
    if corrections is not None or sidecar.exists():
        if not sidecar.is_file() or sidecar.stat().st_size > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"Cannot read corrections {sidecar}: not a regular file of at most 5 MiB")
        try:
            corrections_text = sidecar.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise DocumentError(f"Cannot read corrections {sidecar}: {e}") from None
    return read_document(
        content, name=path.name, corrections_text=corrections_text,
        corrections_source=sidecar.name, reviewed=reviewed, school_year=school_year,
        swib_voted_on=swib_voted_on,
        sbe_approved_on=sbe_approved_on, reference=reference,
    )


def read_document(
    content: bytes,
    *,
    name: str,
    corrections_text: str | None = None,
    corrections_source: str = "corrections",
    reviewed: ReviewedCorrections | None = None,
    school_year: SchoolYear | None = None,
    swib_voted_on: date | None = None,
    sbe_approved_on: date | None = None,
    reference: str = "",
) -> CertificationList:
    """Read a document's bytes: a CSV/TSV list if it starts with the list's header row,
    otherwise an SBE agenda item, read with ``corrections_text`` if given (even empty),
    else with the reviewed corrections pinned to its content, if any."""
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{name}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
    if not content.strip():
        raise DocumentError(f"{name}: the document is empty")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(f"{name}: not UTF-8 text (is it a PDF or a spreadsheet?)") from None
    sha256 = hashlib.sha256(content).hexdigest()
    if looks_like_table(text):
        if school_year is None or (swib_voted_on is None and sbe_approved_on is None):
            raise DocumentError(
                f"{name}: a CSV/TSV list needs its school year and the date of the SWIB vote "
                "and/or the SBE approval it records"
            )
        return read_table_file(
            text, document=name, sha256=sha256, school_year=school_year,
            swib_voted_on=swib_voted_on, sbe_approved_on=sbe_approved_on, reference=reference,
        )
    if corrections_text is None and reviewed is not None:
        found = reviewed.for_document(sha256)
        if found is not None:
            corrections_source, corrections_text = found
    fixes = Corrections.parse(corrections_text, corrections_source) if corrections_text is not None else None
    return read_agenda_item(text, document=name, sha256=sha256, corrections=fixes)
