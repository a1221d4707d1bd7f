"""Certifications, their stable identity, and where they sit: placements.

A certification's identity is a key derived from its printed name with case,
punctuation, dashes and trademark signs ignored, so ``PCEP™ – Certified Entry-Level
Python Programmer`` and ``PCEP - Certified Entry-Level Python Programmer`` are one
certification. The printed name is kept, exactly, for display. A vendor rename keeps
the identity and changes the display name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from domain.errors import InvalidNameError, is_storable, shown

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_MARKS = re.compile("[\u2122\u2120\u00ae\u00a9]")
# Symbols that carry meaning in certification names ("CompTIA A+" is not "CompTIA A").
_SPOKEN = (("+", " plus "), ("&", " and "), ("#", " sharp "))
MAX_NAME_LENGTH = 300


@lru_cache(maxsize=65536)
def clean_name(name: str, what: str = "certification name") -> str:
    """The name as printed, with invisible format characters (zero-width spaces,
    direction overrides) removed and runs of whitespace collapsed; refuse names
    without Latin letters or digits, over-long names, and text that is not valid."""
    if not isinstance(name, str) or not is_storable(name):
        msg = f"Invalid {what} {shown(name)}: expected text"
        raise InvalidNameError(msg)
    if len(name) > 4 * MAX_NAME_LENGTH:
        msg = f"Invalid {what} {shown(name)}: longer than {MAX_NAME_LENGTH} characters"
        raise InvalidNameError(msg)
    visible = "".join(c for c in name if unicodedata.category(c) != "Cf")
    cleaned = _SPACES.sub(" ", visible).strip()
    if not cleaned or certification_key(cleaned) == "":
        msg = f"Invalid {what} {shown(name)}: it has no Latin letters or digits"
        raise InvalidNameError(msg)
    if len(cleaned) > MAX_NAME_LENGTH:
        msg = f"Invalid {what} {shown(cleaned)}: longer than {MAX_NAME_LENGTH} characters"
        raise InvalidNameError(msg)
    return cleaned


@lru_cache(maxsize=65536)
def certification_key(name: str) -> str:
    """The normalised key of a name: lower-case ASCII words joined by dashes.

    Accents fold to their base letter; trademark signs and other punctuation are
    dropped; "+", "&" and "#" are spelled out ("CompTIA Security+" is
    ``comptia-security-plus``, "&" reads as "and"). ``certification_key(key) == key``.
    """
    # NFKD would turn "™" into the letters "TM"; they were never part of the name.
    unmarked = _MARKS.sub(" ", name)
    for symbol, spoken in _SPOKEN:
        unmarked = unmarked.replace(symbol, spoken)
    folded = unicodedata.normalize("NFKD", unmarked).encode("ascii", "ignore")
    return _NOT_ALNUM.sub("-", folded.decode("ascii").lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a certification sits in a year's list: industry sector and program pathway."""

    sector: str
    pathway: str
    certification_id: str

    @classmethod
    def of(cls, sector: str, pathway: str, certification_id: str) -> Placement:
        return cls(
            clean_name(sector, "industry sector"),
            clean_name(pathway, "program pathway"),
            certification_id,
        )

    @property
    def key(self) -> str:
        """A stable text key for the placement within a school year."""
        return "|".join(
            (certification_key(self.sector), certification_key(self.pathway), self.certification_id)
        )

    def describe(self) -> str:
        return f"{self.sector} / {self.pathway}"


@dataclass(frozen=True, slots=True)
class Listing:
    """One row of a decision's list: a placement as printed, with where it was read.

    ``source_line`` is the line of the source document (0 when typed in by hand);
    ``note`` records any correction made to the document's reading, with its reason.
    """

    placement: Placement
    certification_name: str
    source_line: int = 0
    note: str = ""

    @property
    def certification_id(self) -> str:
        return self.placement.certification_id
