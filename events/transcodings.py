"""How domain value types are written into stored events (the storage format lives here)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.decision import Body, Decision
from domain.school_year import SchoolYear


class SchoolYearAsText(Transcoding):
    type = SchoolYear
    name = "school_year"

    def encode(self, obj: SchoolYear) -> str:
        return str(obj)

    def decode(self, data: str) -> SchoolYear:
        return _school_year(data)


@lru_cache(maxsize=1024)
def _school_year(label: str) -> SchoolYear:
    return SchoolYear.parse(label)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class BodyAsName(Transcoding):
    type = Body
    name = "body"

    def encode(self, obj: Body) -> str:
        return obj.name

    def decode(self, data: str) -> Body:
        return Body[data]


class DecisionAsDict(Transcoding):
    type = Decision
    name = "decision"

    def encode(self, obj: Decision) -> dict[str, Any]:
        return {
            "body": obj.body.name,
            "decided_on": obj.decided_on.isoformat(),
            "reference": obj.reference,
            "business_rule": obj.business_rule,
            "document": obj.document,
            "document_sha256": obj.document_sha256,
        }

    def decode(self, data: dict[str, Any]) -> Decision:
        return Decision.from_record(
            Body[data["body"]], date.fromisoformat(data["decided_on"]), data["reference"],
            data["business_rule"], data["document"], data["document_sha256"],
        )


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every value type that domain events carry."""
    for transcoding in (SchoolYearAsText(), DateAsISO(), BodyAsName(), DecisionAsDict()):
        transcoder.register(transcoding)
