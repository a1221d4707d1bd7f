"""Errors the domain raises when a command or a document cannot be accepted.

Every error names the value it refused. The tree::

    CertLedgerError
    ├── InvalidInputError              a value is malformed
    │   ├── InvalidSchoolYearError
    │   ├── InvalidDecisionError       body or reference does not fit the decision
    │   │   ├── DecisionDateError      the date contradicts the school year (or is in the future)
    │   │   └── ReasonRequiredError    a removal gives no reason
    │   ├── InvalidNameError
    │   └── DecisionTooLargeError      one decision would record more events than one transaction may hold
    ├── DocumentError                  a document cannot be read as a certification list
    │   └── StatedCountMismatchError   the document's own count disagrees with its table
    ├── NotFoundError                  something named is not on record
    │   ├── UnknownSchoolYearError
    │   ├── UnknownCertificationError
    │   └── UnknownPlacementError
    └── RefusedError                   the record's state does not allow the command
        ├── AlreadyApprovedError
        │   └── AlreadyRecognizedError
        ├── NotApprovedError
        │   └── NotRecognizedError
        ├── AlreadyListedError         a move or addition targets a placement already listed
        ├── NameTakenError             a rename to another certification's name
        ├── AlreadyRecordedError
        ├── DecisionOrderError         a decision predates one already recorded for it
        └── ConcurrentChangeError      another decision was recorded first
"""

from __future__ import annotations

import re


class CertLedgerError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidInputError(CertLedgerError, ValueError):
    """A value given to the domain is malformed."""


class InvalidSchoolYearError(InvalidInputError):
    """A school year label is not of the form 2025-2026 (or 2025-26)."""


class InvalidDecisionError(InvalidInputError):
    """A decision's body, date, reference or reason does not fit what it decides."""


class DecisionDateError(InvalidDecisionError):
    """A decision's date contradicts the school year it decides, or is in the future."""


class ReasonRequiredError(InvalidDecisionError):
    """A removal must say why; the reason was empty."""


class InvalidNameError(InvalidInputError):
    """A certification, sector or pathway name is empty or unusable."""


class DecisionTooLargeError(InvalidInputError):
    """One decision would record more events than one transaction may hold."""


class DocumentError(CertLedgerError):
    """A document cannot be read as a certification list."""


class StatedCountMismatchError(DocumentError):
    """The number of rows read differs from the number the document states."""


class NotFoundError(CertLedgerError):
    """Something named in a command is not on record."""


class UnknownSchoolYearError(NotFoundError):
    """Nothing is recorded for the school year."""


class UnknownCertificationError(NotFoundError):
    """The certification is not on the school year's list."""


class UnknownPlacementError(NotFoundError):
    """The certification does not sit in the named sector and pathway that year."""


class RefusedError(CertLedgerError):
    """The state of the record does not allow the command."""


class AlreadyApprovedError(RefusedError):
    """The placement is already approved (or recognized) for the school year."""


class NotApprovedError(RefusedError):
    """The placement is not approved for the school year, so it cannot be changed."""


class AlreadyRecognizedError(AlreadyApprovedError):
    """The SWIB already recognizes the placement for the school year."""


class NotRecognizedError(NotApprovedError):
    """The SWIB does not recognize the placement, so recognition cannot be withdrawn."""


class AlreadyListedError(RefusedError):
    """The certification is already listed under the sector and pathway named."""


class NameTakenError(RefusedError):
    """Another certification already has the name asked for."""


class AlreadyRecordedError(RefusedError):
    """The school year or decision is already on record."""


class DecisionOrderError(RefusedError):
    """A decision is dated before a decision already recorded for the same placement."""


class ConcurrentChangeError(RefusedError):
    """Another decision for the same school year was recorded first; reload and retry."""


def shown(value: object, limit: int = 60) -> str:
    """A value as an error message quotes it: its repr, cut short if long."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 4]}...{text[-1]}"


# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text,
# and none of them belongs in a name, a reason or a reference.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def is_storable(text: str) -> bool:
    """Whether text can be stored and sent as UTF-8 (no lone surrogates) and holds no
    control characters but tabs and line breaks."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return _CONTROL.search(text) is None
