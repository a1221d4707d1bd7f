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


def read_document_file(
    path: Path,
    *,
    corrections: Path | None = None,
    school_year: SchoolYear | None = None,
    swib_voted_on: date | None = None,
    sbe_approved_on: date | None = None,
    reference: str = "",
) -> CertificationList:
    """Read an agenda-item text or a CSV/TSV list from a file."""
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
        corrections_source=sidecar.name, school_year=school_year, swib_voted_on=swib_voted_on,
        sbe_approved_on=sbe_approved_on, reference=reference,
    )


def read_document(
    content: bytes,
    *,
    name: str,
    corrections_text: str | None = None,
    corrections_source: str = "corrections",
    school_year: SchoolYear | None = None,
    swib_voted_on: date | None = None,
    sbe_approved_on: date | None = None,
    reference: str = "",
) -> CertificationList:
    """Read a document's bytes: a CSV/TSV list if it starts with the list's header row,
    otherwise an SBE agenda item."""
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
    fixes = Corrections.parse(corrections_text, corrections_source) if corrections_text else None
    return read_agenda_item(text, document=name, sha256=sha256, corrections=fixes)
