"""GraphQL types, named in the domain's words. Each maps a read-model dataclass."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import UserError
from api.inputs import parse_school_year
from events.queries import CatalogRow, HistoryEntry, TimePoint


@strawberry.enum(description="What a certification on a year's list counts for. Each purpose is a separate fact.")
class EligibilityPurpose(Enum):
    ACCOUNTABILITY_ACCELERATION = strawberry.enum_value(
        "ACCOUNTABILITY_ACCELERATION",
        description="Acceleration component of the accountability model (Business Rule 9.2): "
        "SBE-approved for the school year.",
    )
    PERKINS_PROGRAM_QUALITY = strawberry.enum_value(
        "PERKINS_PROGRAM_QUALITY",
        description="Perkins V program-quality indicator: recognized by the SWIB.",
    )
    INDUSTRY_CERTIFICATION_GRANT = strawberry.enum_value(
        "INDUSTRY_CERTIFICATION_GRANT",
        description="Industry certification grants (SB 2447): recognized by the SWIB.",
    )


PurposeArg = Annotated[EligibilityPurpose | None, strawberry.argument(
    description="What the certifications must count for; null or omitted: ACCOUNTABILITY_ACCELERATION.")]


def purpose_or_default(purpose: EligibilityPurpose | None) -> EligibilityPurpose:
    """The purpose asked for, or the Acceleration component (the SBE's list) by default."""
    return purpose or EligibilityPurpose.ACCOUNTABILITY_ACCELERATION


@strawberry.enum(description="A body whose decisions put certifications on or off a year's list.")
class DecidingBody(Enum):
    SWIB = strawberry.enum_value("SWIB", description="State Workforce Investment Board.")
    SBE = strawberry.enum_value("SBE", description="State Board of Education.")


@strawberry.enum(description="The kind of a recorded event.")
class EventKind(Enum):
    SCHOOL_YEAR_OPENED = strawberry.enum_value(
        "SCHOOL_YEAR_OPENED", description="The first decision concerning a school year was recorded."
    )
    SWIB_VOTE_RECORDED = strawberry.enum_value(
        "SWIB_VOTE_RECORDED", description="The SWIB voted to recognize (or not) a placement."
    )
    PLACEMENT_APPROVED = strawberry.enum_value(
        "PLACEMENT_APPROVED", description="The SBE approved a placement for the school year."
    )
    PLACEMENT_REMOVED = strawberry.enum_value(
        "PLACEMENT_REMOVED", description="A placement was taken off the year's list."
    )
    PLACEMENT_DROPPED = strawberry.enum_value(
        "PLACEMENT_DROPPED",
        description="A placement of the year carried from was left off this year's list.",
    )
    PLACEMENT_MOVED = strawberry.enum_value(
        "PLACEMENT_MOVED", description="A certification moved to another sector and pathway."
    )
    CERTIFICATION_RENAMED = strawberry.enum_value(
        "CERTIFICATION_RENAMED", description="A certification's display name changed; its id did not."
    )
    CARRIED_FORWARD = strawberry.enum_value(
        "CARRIED_FORWARD", description="The year's list was carried forward to open the next year."
    )


@strawberry.type(description="A decision of the SWIB or the SBE, and where it is written down.")
class Decision:
    body: DecidingBody = strawberry.field(description="The deciding body.")
    body_name: str = strawberry.field(description="The deciding body's full name.")
    decided_on: date = strawberry.field(description="The date of the vote or meeting.")
    reference: str | None = strawberry.field(
        description="The agenda item or motion, e.g. 'Consent agenda item J'."
    )
    business_rule: str | None = strawberry.field(
        description="The accountability business rule the decision is made under, e.g. '9.2'."
    )
    document: str | None = strawberry.field(description="The source document's file name.")
    document_sha256: str | None = strawberry.field(
        description="SHA-256 of the source document's bytes, pinning exactly what was read."
    )


@strawberry.type(description="An event as recorded in the ledger, with the decision behind it.")
class RecordedEvent:
    position: int = strawberry.field(description="Order in the ledger: 1 is the first event ever recorded.")
    kind: EventKind = strawberry.field(description="What happened.")
    school_year: str = strawberry.field(description="The school year the event concerns, e.g. 2025-2026.")
    certification_id: strawberry.ID | None = strawberry.field(
        description="The certification concerned; null for events about the whole year."
    )
    certification_name: str | None = strawberry.field(
        description="The certification's name as printed in this decision."
    )
    sector: str | None = strawberry.field(description="Industry sector of the placement concerned.")
    pathway: str | None = strawberry.field(description="Program pathway of the placement concerned.")
    to_sector: str | None = strawberry.field(description="For a move: the sector moved to.")
    to_pathway: str | None = strawberry.field(description="For a move: the pathway moved to.")
    recognized: bool | None = strawberry.field(description="For a SWIB vote: whether it recognized the placement.")
    old_name: str | None = strawberry.field(description="For a rename: the name before.")
    new_name: str | None = strawberry.field(description="For a rename: the name after.")
    purposes: list[EligibilityPurpose] | None = strawberry.field(
        description="For a move: the purposes the placement counted for, which it keeps; for a "
        "removal: the purposes it no longer counts for (those the deciding body confers)."
    )
    effective_on: date | None = strawberry.field(
        description="For a rename: the date the new name took effect."
    )
    reason: str | None = strawberry.field(description="For a removal or drop: the reason given.")
    note: str | None = strawberry.field(
        description="A correction made while reading the source document, with its reason."
    )
    carried_from: str | None = strawberry.field(
        description="For a year opened by carrying forward, or a drop: the year carried from."
    )
    carried_to: str | None = strawberry.field(
        description="For a carry-forward recorded on the year carried from: the year opened."
    )
    decision: Decision = strawberry.field(description="The decision this event records.")
    source_line: int | None = strawberry.field(description="Line of the source document the row was read from.")
    recorded_by: str = strawberry.field(description="Who recorded it: a token's name, or the importing user.")
    recorded_at: datetime = strawberry.field(description="When the ledger recorded it (UTC).")

    @classmethod
    def from_entry(cls, e: HistoryEntry) -> RecordedEvent:
        return cls(
            position=e.position, kind=EventKind[e.kind], school_year=e.school_year,
            certification_id=strawberry.ID(e.certification_id) if e.certification_id else None,
            certification_name=e.certification_name, sector=e.sector, pathway=e.pathway,
            to_sector=e.to_sector, to_pathway=e.to_pathway,
            recognized=None if e.recognized is None else bool(e.recognized),
            old_name=e.old_name, new_name=e.new_name,
            purposes=[EligibilityPurpose[p] for p in e.purposes.split(",")] if e.purposes else None,
            reason=e.reason, note=e.note, carried_from=e.carried_from, carried_to=e.carried_to,
            effective_on=date.fromisoformat(e.effective_on) if e.effective_on else None,
            decision=Decision(
                body=DecidingBody[e.body], body_name=_BODY_NAMES[e.body],
                decided_on=date.fromisoformat(e.decided_on), reference=e.reference,
                business_rule=e.business_rule, document=e.document,
                document_sha256=e.document_sha256,
            ),
            source_line=e.source_line, recorded_by=e.recorded_by,
            recorded_at=e.recorded_at_time,
        )


_BODY_NAMES = {"SWIB": "State Workforce Investment Board", "SBE": "State Board of Education"}


@strawberry.type(description="Where a certification sits in a school year's list.")
class Placement:
    school_year: str = strawberry.field(description="The school year, e.g. 2025-2026.")
    sector: str = strawberry.field(description="Industry sector (cluster).")
    pathway: str = strawberry.field(description="Program area or pathway.")


@strawberry.type(description="An industry certification. Its id is stable across renames and re-punctuation.")
class Certification:
    id: strawberry.ID = strawberry.field(
        description="Stable identity: the normalised key of the name it was first listed under."
    )
    name: str = strawberry.field(
        description="Display name, exactly as printed: the name in the school year asked about, "
        "or the latest name when the certification is asked for directly."
    )
    at: strawberry.Private[TimePoint]

    @strawberry.field(description="Where the certification is listed, by school year, for a purpose.")
    async def placements(
        self,
        info: Info,
        school_year: Annotated[str | None, strawberry.argument(
            description="Only this school year (e.g. 2025-2026); all years when omitted.")] = None,
        purpose: PurposeArg = EligibilityPurpose.ACCOUNTABILITY_ACCELERATION,
    ) -> list[Placement]:
        year = str(parse_school_year(school_year)) if school_year is not None else None
        rows = await info.context.loaders.placements_for(purpose_or_default(purpose).name, self.at).load(
            str(self.id))
        return [
            Placement(school_year=r.school_year, sector=r.sector, pathway=r.pathway)
            for r in rows if year is None or r.school_year == year
        ]

    @strawberry.field(description="The school years in which the certification counts for a purpose.")
    async def eligible_years(
        self,
        info: Info,
        purpose: PurposeArg = EligibilityPurpose.ACCOUNTABILITY_ACCELERATION,
    ) -> list[str]:
        rows = await info.context.loaders.placements_for(purpose_or_default(purpose).name, self.at).load(
            str(self.id))
        return sorted({r.school_year for r in rows})

    @strawberry.field(description="The recorded events concerning the certification, in recorded order "
                      "(as of the time point the certification was asked about), a page at a time.")
    async def history(
        self,
        info: Info,
        school_year: Annotated[str | None, strawberry.argument(
            description="Only events concerning this school year.")] = None,
        first: Annotated[int | None, strawberry.argument(
            description="At most this many events: up to CERTLEDGER_MAX_PAGE_SIZE (500 unless "
            "configured otherwise); default 100.")] = None,
        after: Annotated[int | None, strawberry.argument(
            description="Only events after this position (the last position of a previous page).")] = None,
    ) -> list[RecordedEvent]:
        limit = 100 if first is None else first
        if not 0 <= limit <= info.context.settings.max_page_size:
            raise UserError(f"Invalid first {limit}: it must be between 0 and {info.context.settings.max_page_size}")
        year = str(parse_school_year(school_year)) if school_year is not None else None
        loader = info.context.loaders.history_at(self.at, year, max(after or 0, 0), limit)
        return [RecordedEvent.from_entry(e) for e in await loader.load(str(self.id))]


@strawberry.type(description="A program pathway and the certifications listed under it.")
class Pathway:
    name: str = strawberry.field(description="The pathway's name as printed.")
    certifications: list[Certification] = strawberry.field(description="Certifications in list order.")


@strawberry.type(description="An industry sector (cluster) and its pathways.")
class Sector:
    name: str = strawberry.field(description="The sector's name as printed.")
    pathways: list[Pathway] = strawberry.field(description="Pathways in list order.")


@strawberry.type(description="A school year's list of certifications for one purpose, by sector and pathway.")
class Catalog:
    school_year: str = strawberry.field(description="The school year, e.g. 2025-2026.")
    purpose: EligibilityPurpose = strawberry.field(description="The purpose the list is for.")
    placement_count: int = strawberry.field(
        description="Number of placements: a certification listed under two pathways counts twice."
    )
    certification_count: int = strawberry.field(description="Number of distinct certifications.")
    sectors: list[Sector] = strawberry.field(description="Sectors in list order.")

    @classmethod
    def from_rows(cls, year: str, purpose: EligibilityPurpose, rows: list[CatalogRow], at: TimePoint) -> Catalog:
        sectors: dict[str, dict[str, list[Certification]]] = {}
        for row in rows:
            pathways = sectors.setdefault(row.sector, {})
            pathways.setdefault(row.pathway, []).append(
                Certification(id=strawberry.ID(row.certification_id), name=row.name, at=at)
            )
        return cls(
            school_year=year, purpose=purpose, placement_count=len(rows),
            certification_count=len({r.certification_id for r in rows}),
            sectors=[
                Sector(name=s, pathways=[Pathway(name=p, certifications=c) for p, c in ps.items()])
                for s, ps in sectors.items()
            ],
        )


@strawberry.type(description="Pagination state of a connection (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item on this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item; pass as `after` for the next page.")


@strawberry.type(description="A certification in a paginated list.")
class CertificationEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this item.")
    node: Certification = strawberry.field(description="The certification.")


@strawberry.type(description="A page of certifications.")
class CertificationConnection:
    total_count: int = strawberry.field(description="Number of certifications matching, over all pages.")
    edges: list[CertificationEdge] = strawberry.field(description="This page's certifications.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")


@strawberry.type(description="An event in the audit log.")
class RecordedEventEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this event.")
    node: RecordedEvent = strawberry.field(description="The event.")


@strawberry.type(description="A page of the audit log, in recorded order.")
class AuditLogConnection:
    total_count: int = strawberry.field(description="Number of events matching the filters, over all pages.")
    edges: list[RecordedEventEdge] = strawberry.field(description="This page's events.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")


@strawberry.type(description="A school year with anything recorded, and its counts.")
class SchoolYearSummary:
    school_year: str = strawberry.field(description="The school year, e.g. 2025-2026.")
    carried_from: str | None = strawberry.field(
        description="The year whose list this year was carried forward from, if any."
    )
    version: int = strawberry.field(
        description="Number of events recorded for the year: pass it as a mutation's "
        "expectedVersion so a change made meanwhile by someone else is refused, not overwritten."
    )
    at: strawberry.Private[TimePoint]

    @strawberry.field(description="Number of placements eligible for a purpose.")
    async def placement_count(
        self, info: Info,
        purpose: PurposeArg = EligibilityPurpose.ACCOUNTABILITY_ACCELERATION,
    ) -> int:
        rows = await info.context.loaders.catalog.load(
            (self.school_year, purpose_or_default(purpose).name, self.at))
        return len(rows)

    @strawberry.field(description="Number of distinct certifications eligible for a purpose.")
    async def certification_count(
        self, info: Info,
        purpose: PurposeArg = EligibilityPurpose.ACCOUNTABILITY_ACCELERATION,
    ) -> int:
        rows = await info.context.loaders.catalog.load(
            (self.school_year, purpose_or_default(purpose).name, self.at))
        return len({r.certification_id for r in rows})


@strawberry.enum(description="How a certification differs between two school years.")
class ChangeKind(Enum):
    ADDED = strawberry.enum_value("ADDED", description="On the later list only.")
    REMOVED = strawberry.enum_value("REMOVED", description="On the earlier list only.")
    RENAMED = strawberry.enum_value("RENAMED", description="On both, under different names.")
    MOVED = strawberry.enum_value("MOVED", description="On both, in different sectors or pathways.")


@strawberry.type(description="A certification's name and placements in one of the years compared.")
class Standing:
    name: str = strawberry.field(description="Its display name that year.")
    placements: list[Placement] = strawberry.field(description="Where it was listed that year.")


@strawberry.type(description="One certification's change between two years, and why.")
class CertificationChange:
    kind: ChangeKind = strawberry.field(description="What changed.")
    certification: Certification = strawberry.field(description="The certification.")
    before: Standing | None = strawberry.field(description="Its standing in the earlier year (null if added).")
    after: Standing | None = strawberry.field(description="Its standing in the later year (null if removed).")
    decisions: list[RecordedEvent] = strawberry.field(
        description="The events of the later year that caused the change, each with its decision; "
        "empty when the later year's list simply does not repeat an entry."
    )


@strawberry.type(description="What differs between two school years' lists for a purpose.")
class YearChanges:
    from_year: str = strawberry.field(description="The earlier year compared.")
    to_year: str = strawberry.field(description="The later year compared.")
    purpose: EligibilityPurpose = strawberry.field(description="The purpose the lists are for.")
    added: list[CertificationChange] = strawberry.field(description="Certifications added.")
    removed: list[CertificationChange] = strawberry.field(description="Certifications removed.")
    renamed: list[CertificationChange] = strawberry.field(description="Certifications renamed.")
    moved: list[CertificationChange] = strawberry.field(
        description="Certifications whose sectors or pathways changed.")
    unchanged_count: int = strawberry.field(
        description="Certifications on both lists with the same name and placements.")
