"""Read a certification list typed in by hand: CSV or TSV with the fixture's columns.

Columns, in a header row: ``industry_sector``, ``program_pathway``, ``certification``,
``swib_recognized`` (Yes/No). Every cell must be filled; nothing is carried down,
because a hand-typed list should say what it means. The decisions it records (school
year, SWIB vote date, SBE approval date) are given by whoever imports it.
"""

from __future__ import annotations

import csv
from datetime import date

from domain.certification import clean_name
from domain.documents.listing import CertificationList, ListedRow
from domain.errors import DocumentError, InvalidInputError, shown
from domain.school_year import SchoolYear

COLUMNS = ("industry_sector", "program_pathway", "certification", "swib_recognized")
MAX_ROWS = 5_000  # each row records up to two events; see MAX_EVENTS_PER_DECISION


def looks_like_table(text: str) -> bool:
    """Whether the first non-blank line is the table's header row."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return _columns(first) == COLUMNS


def read_table_file(
    text: str,
    *,
    document: str,
    sha256: str,
    school_year: SchoolYear,
    swib_voted_on: date | None,
    sbe_approved_on: date | None,
    reference: str = "",
) -> CertificationList:
    """Read every row; refuse the file at the first row that cannot be read."""
    if "\x00" in text:
        raise DocumentError(f"{document}: not a text document (it contains NUL bytes)")
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None or _columns(lines[header_at]) != COLUMNS:
        raise DocumentError(f"{document}: the first line must be the header {', '.join(COLUMNS)}")
    delimiter = "\t" if "\t" in lines[header_at] else ","
    reader = csv.reader(lines[header_at + 1 :], delimiter=delimiter, strict=True)
    rows: list[ListedRow] = []
    try:
        for offset, cells in enumerate(reader, start=header_at + 2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise DocumentError(f"{document}: more than {MAX_ROWS} rows")
            rows.append(_row(cells, offset, document))
    except csv.Error as e:
        raise DocumentError(f"{document}: not readable as CSV/TSV ({e})") from None
    listing = CertificationList(
        document=document,
        sha256=sha256,
        school_year=school_year,
        rows=tuple(rows),
        swib_voted_on=swib_voted_on,
        sbe_approved_on=sbe_approved_on,
        agenda_item=reference,
    )
    listing.check()
    return listing


def _columns(line: str) -> tuple[str, ...]:
    delimiter = "\t" if "\t" in line else ","
    return tuple(c.strip().lower().replace(" ", "_") for c in line.lstrip("\ufeff").split(delimiter))


def _row(cells: list[str], line: int, document: str) -> ListedRow:
    if len(cells) != len(COLUMNS):
        raise DocumentError(f"{document} line {line}: expected {len(COLUMNS)} cells, got {len(cells)}")
    sector, pathway, certification, recognized = (c.strip() for c in cells)
    if recognized.lower() not in ("yes", "no"):
        raise DocumentError(
            f"{document} line {line}: swib_recognized must be Yes or No, got {shown(recognized)}"
        )
    try:
        return ListedRow(
            clean_name(sector, "industry sector"),
            clean_name(pathway, "program pathway"),
            clean_name(certification),
            recognized.lower() == "yes",
            line,
        )
    except InvalidInputError as e:
        raise DocumentError(f"{document} line {line}: {e}") from None
