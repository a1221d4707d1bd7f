"""Read an SBE consent-agenda item approving industry certifications for a school year.

The form (April 17, 2025, item J, is the model): a summary naming the meeting date,
the item letter, the school year, Business Rule 9.2 and the number of certifications
approved ("these 52 industry certifications"); then the SWIB-approved table, one row
per placement, columns industry sector, program pathway, certification and SWIB
recognized; then the date of the SWIB vote ("SWIB Approved 2/20/2025").

The text comes from a PDF, so the reader is forgiving in documented ways only:

* A row lists its cells tab-separated, but empty leading cells may be lost or moved.
  The reader therefore reads a row by its non-empty cells, from the right: the last
  is SWIB recognized (Yes/No); before it come the certification, then the pathway,
  then the sector. A missing sector or pathway is carried down from the row above.
* A leading ``Certification:`` on a certification is the column header leaking
  into a cell; it is removed, and the row notes it.
* Anything else (a misplaced label, say) is fixed by a reviewed correction, not by
  code: see ``domain.documents.corrections``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from domain.certification import clean_name
from domain.documents.corrections import Corrections, PathwayLabelShift
from domain.documents.listing import CertificationList, ListedRow
from domain.errors import DocumentError, InvalidInputError, shown
from domain.school_year import SchoolYear

_MONTH_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\s+(\d{1,2}),\s*(\d{4})\b"
)
_ITEM = re.compile(
    r"^[^\w\n]*([A-Z]{1,2})\.\s+Approval of industry certifications\b(?P<title>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
# PDFs print the dash of "2025-2026" as a hyphen or an en or em dash, spaced or not.
_YEAR_IN_TITLE = re.compile(r"for the (\d{4})\s*[-\u2013\u2014]\s*(\d{2,4}) school year", re.IGNORECASE)
_RULE = re.compile(r"Business Rule\s+(\d+(?:\.\d+)*)", re.IGNORECASE)
_STATED = re.compile(r"\bthese\s+(\d+)\s+industry certifications\b", re.IGNORECASE)
_ANY_COUNT = re.compile(r"\b(\d+)\s+industry certifications\b", re.IGNORECASE)
_SWIB_DATE = re.compile(
    r"SWIB Approved\W*(?P<date>(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\s+\d{1,2},\s*\d{4})\b",
    re.IGNORECASE,
)
_STRAY_PREFIX = re.compile(r"^Certification:\s*", re.IGNORECASE)
_RECOGNIZED = {"yes": True, "no": False}
MAX_DOCUMENT_CHARS = 2_000_000


@dataclass(frozen=True, slots=True)
class _RawRow:
    """A table row as printed: labels only where the line printed them."""

    line: int
    sector_label: str
    pathway_label: str
    certification: str
    swib_recognized: bool
    note: str = ""


def read_agenda_item(
    text: str,
    *,
    document: str,
    sha256: str,
    corrections: Corrections | None = None,
) -> CertificationList:
    """Read the item's decisions and table; refuse anything that does not fit its form."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentError(f"{document}: larger than {MAX_DOCUMENT_CHARS} characters")
    if "\x00" in text:
        raise DocumentError(f"{document}: not a text document (it contains NUL bytes)")
    lines = text.splitlines()
    corrections = corrections or Corrections()
    corrections.check_document(sha256, document)
    item = _ITEM.search(text)
    if item is None:
        raise DocumentError(
            f"{document}: no agenda item 'Approval of industry certifications ...' was found"
        )
    year = _school_year(item["title"], document)
    raw = _read_table(lines, document)
    rows = _carry_down(_apply_shifts(raw, corrections.pathway_label_shifts, document), document)
    header = text[: item.start()]
    listing = CertificationList(
        document=document,
        sha256=sha256,
        school_year=year,
        rows=tuple(rows),
        sbe_approved_on=_meeting_date(header, document),
        agenda_item=item.group(1).upper(),
        business_rule=_business_rule(text),
        stated_count=_stated_count(text, document),
        corrections=tuple(s.describe() for s in corrections.pathway_label_shifts),
    )
    listing.check()  # the table and its stated count first: a truncated text fails here
    return replace(listing, swib_voted_on=_swib_date(text, document))


def _school_year(title: str, document: str) -> SchoolYear:
    found = _YEAR_IN_TITLE.search(title)
    if found is None:
        raise DocumentError(f"{document}: the agenda item does not name its school year")
    try:
        return SchoolYear.parse(f"{found.group(1)}-{found.group(2)}")
    except InvalidInputError as e:
        raise DocumentError(f"{document}: {e}") from None


def _meeting_date(header: str, document: str) -> date:
    """The meeting date: a line of the heading, before the item, holding only a date."""
    found = next((m for line in header.splitlines() if (m := _MONTH_DATE.fullmatch(line.strip()))), None)
    if found is None:
        raise DocumentError(
            f"{document}: no meeting date (a heading line such as 'April 17, 2025') was found "
            "before the agenda item"
        )
    try:
        return datetime.strptime(" ".join(found.groups()), "%B %d %Y").date()
    except ValueError:
        raise DocumentError(f"{document}: invalid meeting date {found.group(0)!r}") from None


def _swib_date(text: str, document: str) -> date:
    """The SWIB vote the table's 'SWIB Recognized' column reports: 'SWIB Approved
    2/20/2025' (or 'February 20, 2025'), the date perhaps on the next line. Without it
    the column could not be recorded, so a document without it is refused."""
    for found in _SWIB_DATE.finditer(text):
        printed = found.group("date")
        try:
            if found.group("month") is not None:
                return date(int(found.group("year")), int(found.group("month")), int(found.group("day")))
            return datetime.strptime(printed.replace(",", ""), "%B %d %Y").date()
        except ValueError:
            raise DocumentError(f"{document}: invalid SWIB vote date {shown(printed)}") from None
    raise DocumentError(
        f"{document}: the table reports SWIB recognition, but no SWIB vote date such as "
        "'SWIB Approved 2/20/2025' was found"
    )


def _business_rule(text: str) -> str:
    found = _RULE.search(text)
    return found.group(1) if found else ""


def _stated_count(text: str, document: str) -> int:
    stated = _STATED.search(text)
    if stated is None:
        raise DocumentError(
            f"{document}: the number of certifications approved ('these N industry "
            "certifications') was not found"
        )
    counts = {int(m.group(1)) for m in _ANY_COUNT.finditer(text)}
    if len(counts) > 1:
        raise DocumentError(
            f"{document}: the document states different numbers of certifications: "
            f"{sorted(counts)}"
        )
    return int(stated.group(1))


def _read_table(lines: list[str], document: str) -> list[_RawRow]:
    start = _header_index(lines, document)
    rows: list[_RawRow] = []
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("\t")]
        if "\t" not in line or cells[0].lower() == "category":
            break  # prose or the legend after the table
        rows.append(_raw_row([c for c in cells if c], number, document))
    return rows


def _header_index(lines: list[str], document: str) -> int:
    for i, line in enumerate(lines):
        cells = [c.strip().lower() for c in line.split("\t")]
        if "certification" in cells and "swib recognized" in cells:
            return i
    raise DocumentError(
        f"{document}: no table header with 'Certification' and 'SWIB Recognized' was found"
    )


def _raw_row(filled: list[str], number: int, document: str) -> _RawRow:
    recognized = _RECOGNIZED.get(filled[-1].lower())
    if recognized is None or not 2 <= len(filled) <= 4:
        raise DocumentError(
            f"{document} line {number}: cannot read row {' | '.join(filled)!r}: expected "
            "[sector] [pathway] certification, then Yes or No"
        )
    *labels, certification = filled[:-1]
    sector, pathway = ([""] * (2 - len(labels)) + labels)[-2:]
    note = ""
    if _STRAY_PREFIX.match(certification):
        certification = _STRAY_PREFIX.sub("", certification)
        note = "stray 'Certification:' prefix from the PDF's column header removed"
    try:
        return _RawRow(
            line=number,
            sector_label=clean_name(sector, "industry sector") if sector else "",
            pathway_label=clean_name(pathway, "program pathway") if pathway else "",
            certification=clean_name(certification),
            swib_recognized=recognized,
            note=note,
        )
    except InvalidInputError as e:
        raise DocumentError(f"{document} line {number}: {e}") from None


def _apply_shifts(
    rows: list[_RawRow], shifts: tuple[PathwayLabelShift, ...], document: str
) -> list[_RawRow]:
    rows = list(rows)
    for shift in shifts:
        at = _label_row(rows, shift, document)
        to = at + shift.rows
        if not 0 <= to < len(rows) or rows[to].pathway_label or rows[to].sector_label:
            raise DocumentError(
                f"{document}: correction {shift.describe()!r} would move the label onto a "
                "row that has its own label or past the table"
            )
        # The rows between where the label was printed and where it belongs change
        # pathway (moved down: from the printed row on; moved up: from its new row on,
        # up to the printed one); each of them carries the reason.
        label = rows[at].pathway_label
        rows[at] = replace(rows[at], pathway_label="")
        for i in range(min(at, to), max(at, to)):
            rows[i] = replace(rows[i], note=_join(rows[i].note, shift.reason))
        rows[to] = replace(rows[to], pathway_label=label)
    return rows


def _label_row(rows: list[_RawRow], shift: PathwayLabelShift, document: str) -> int:
    sector = ""
    for i, row in enumerate(rows):
        sector = row.sector_label or sector
        if sector == shift.sector and row.pathway_label == shift.pathway:
            return i
    raise DocumentError(
        f"{document}: correction {shift.describe()!r} matches no pathway label "
        f"{shift.pathway!r} in sector {shift.sector!r}"
    )


def _carry_down(rows: list[_RawRow], document: str) -> list[ListedRow]:
    listed: list[ListedRow] = []
    sector = pathway = ""
    for row in rows:
        if row.sector_label:
            sector, pathway = row.sector_label, ""
        pathway = row.pathway_label or pathway
        if not sector or not pathway:
            raise DocumentError(
                f"{document} line {row.line}: {row.certification!r} has no "
                f"{'industry sector' if not sector else 'program pathway'} above it"
            )
        listed.append(
            ListedRow(sector, pathway, row.certification, row.swib_recognized, row.line, row.note)
        )
    return listed


def _join(note: str, more: str) -> str:
    return f"{note}; {more}" if note else more
