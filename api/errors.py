"""GraphQL errors: every error carries ``extensions.code``; unexpected ones are masked.

Domain errors keep their message (it names the refused value) and get a precise code.
Anything else is logged and answered with a generic message, never internals.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from domain import errors as domain

log = logging.getLogger("certledger.api")

BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"

# Most specific first: the first class an error is an instance of gives its code.
CODES: tuple[tuple[type[Exception], str], ...] = (
    (domain.StatedCountMismatchError, "STATED_COUNT_MISMATCH"),
    (domain.DocumentError, "DOCUMENT_REJECTED"),
    (domain.DecisionDateError, "INVALID_DECISION_DATE"),
    (domain.ReasonRequiredError, "REASON_REQUIRED"),
    (domain.DecisionTooLargeError, "DECISION_TOO_LARGE"),
    (domain.InvalidInputError, BAD_USER_INPUT),
    (domain.UnknownSchoolYearError, "UNKNOWN_SCHOOL_YEAR"),
    (domain.UnknownCertificationError, "UNKNOWN_CERTIFICATION"),
    (domain.UnknownPlacementError, "UNKNOWN_PLACEMENT"),
    (domain.AlreadyRecognizedError, "ALREADY_RECOGNIZED"),
    (domain.AlreadyApprovedError, "ALREADY_APPROVED"),
    (domain.NotRecognizedError, "NOT_RECOGNIZED"),
    (domain.NotApprovedError, "NOT_APPROVED"),
    (domain.AlreadyListedError, "ALREADY_LISTED"),
    (domain.NameTakenError, "NAME_TAKEN"),
    (domain.AlreadyRecordedError, "ALREADY_RECORDED"),
    (domain.DecisionOrderError, "DECISION_OUT_OF_ORDER"),
    (domain.ConcurrentChangeError, "CONFLICT"),
)


class UserError(GraphQLError):
    """An error in what the client sent or asked for, with its code."""

    def __init__(self, message: str, code: str = BAD_USER_INPUT) -> None:
        super().__init__(message, extensions={"code": code})


class AuthError(UserError):
    """The request lacks a valid token (UNAUTHENTICATED) or its role (FORBIDDEN)."""


def code_for(error: BaseException | None) -> str | None:
    if isinstance(error, UserError):
        return str(error.extensions.get("code"))  # type: ignore[union-attr]
    for cls, code in CODES:
        if isinstance(error, cls):
            return code
    return None


def classify(error: GraphQLError) -> GraphQLError:
    """Give an error its code, or mask it if it is not one we raised on purpose."""
    original = error.original_error
    if original is None:
        # Raised by GraphQL itself: syntax, validation or variable coercion.
        code = error.extensions.get("code") if error.extensions else None
        if not code:
            code = "GRAPHQL_VALIDATION_FAILED" if error.nodes else BAD_USER_INPUT
            if error.message.startswith("Syntax Error"):
                code = "GRAPHQL_PARSE_FAILED"
            elif error.message.startswith("Variable "):
                code = BAD_USER_INPUT
        return _with_code(error, error.message, code)
    code = code_for(original)
    if code is not None:
        return _with_code(error, error.message, code)
    if isinstance(original, GraphQLError):  # e.g. a limit extension's own error
        return _with_code(error, error.message, (original.extensions or {}).get("code") or BAD_USER_INPUT)
    log.error("unexpected error at %s: %s", error.path, type(original).__name__, exc_info=original)
    return _with_code(error, "Internal server error", INTERNAL, mask=True)


def _with_code(error: GraphQLError, message: str, code: str, *, mask: bool = False) -> GraphQLError:
    extensions = {**(error.extensions or {}), "code": code}
    return GraphQLError(
        message, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path, original_error=None if mask else error.original_error,
        extensions=extensions,
    )


def classify_result(result: Any) -> Any:
    """Classify every error of an execution result in place, and return it."""
    if getattr(result, "errors", None):
        result.errors = [classify(e) for e in result.errors]
    return result
