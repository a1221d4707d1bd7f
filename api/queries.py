"""Read resolvers: parse arguments, read the projections, map to GraphQL types."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated

import strawberry

from api.context import Info, off_loop
from api.errors import UserError
from domain.errors import shown
from api.inputs import check_recorded_as_of, encode_cursor, page, parse_school_year
from api.types import (
    AuditLogConnection,
    Catalog,
    Certification,
    CertificationChange,
    CertificationConnection,
    CertificationEdge,
    ChangeKind,
    DecidingBody,
    EligibilityPurpose,
    EventKind,
    PageInfo,
    Placement,
    PurposeArg,
    RecordedEvent,
    RecordedEventEdge,
    SchoolYearSummary,
    Standing,
    YearChanges,
    purpose_or_default,
)
from domain.certification import certification_key
from events import changes as events_changes
from events.changes import Listed
from events.queries import AuditFilter, CatalogRow, TimePoint

SchoolYearArg = Annotated[str, strawberry.argument(description="A school year, e.g. 2025-2026 (or 2025-26).")]
AsOfArg = Annotated[date | None, strawberry.argument(
    description="Answer as decided on this date: only decisions dated on or before it count.")]
RecordedAsOfArg = Annotated[datetime | None, strawberry.argument(
    description="Answer as the ledger stood at this moment (timezone required): events recorded "
    "later, such as corrections, are ignored.")]
ACCELERATION = EligibilityPurpose.ACCOUNTABILITY_ACCELERATION


async def time_point(info: Info, as_of: date | None, recorded_as_of: datetime | None) -> TimePoint:
    """Resolve the two time-travel arguments to a point on both timelines."""
    moment = check_recorded_as_of(recorded_as_of)
    upto = None
    if moment is not None:
        if moment > datetime.now(timezone.utc):
            raise UserError(f"recordedAsOf {moment.isoformat()!r} has not happened yet: the ledger can only "
                            "say what it held up to now (omit recordedAsOf for the latest)")
        # Everything committed by now is projected first, so the answer for a past moment
        # does not change when this process catches up later.
        await off_loop(info.context.store.sync)
        upto = await off_loop(info.context.store.reader.position_recorded_by, moment)
    return TimePoint(as_of=as_of, upto=upto)


async def catalog_rows(info: Info, year: str, purpose: EligibilityPurpose, at: TimePoint) -> list[CatalogRow]:
    return await info.context.loaders.catalog.load((year, purpose.name, at))


@strawberry.type(description="Questions about one school year's list and its certifications.")
class CatalogQueries:
    @strawberry.field(description="A school year's list for a purpose, by sector and pathway; "
                      "null when nothing is recorded for that year (at that time).")
    async def catalog(
        self,
        info: Info,
        school_year: SchoolYearArg,
        purpose: PurposeArg = ACCELERATION,
        as_of: AsOfArg = None,
        recorded_as_of: RecordedAsOfArg = None,
    ) -> Catalog | None:
        year, purpose = str(parse_school_year(school_year)), purpose_or_default(purpose)
        at = await time_point(info, as_of, recorded_as_of)
        rows = await catalog_rows(info, year, purpose, at)
        if not rows and not await off_loop(info.context.store.reader.has_year, year, at):
            return None
        return Catalog.from_rows(year, purpose, rows, at)

    @strawberry.field(description="The certifications that count for a purpose in a school year, "
                      "filtered and paginated (Relay connection), in list order.")
    async def certifications(
        self,
        info: Info,
        school_year: SchoolYearArg,
        purpose: PurposeArg = ACCELERATION,
        sector: Annotated[str | None, strawberry.argument(
            description="Only certifications listed under this industry sector (exact name).")] = None,
        pathway: Annotated[str | None, strawberry.argument(
            description="Only certifications listed under this program pathway (exact name).")] = None,
        search: Annotated[str | None, strawberry.argument(
            description="Only certifications whose name or id contains this text (any case).")] = None,
        first: Annotated[int | None, strawberry.argument(
            description="Page size: at most CERTLEDGER_MAX_PAGE_SIZE (500 unless configured "
            "otherwise); default 50.")] = None,
        after: Annotated[str | None, strawberry.argument(
            description="Return the items after this cursor (a previous page's endCursor).")] = None,
        as_of: AsOfArg = None,
        recorded_as_of: RecordedAsOfArg = None,
    ) -> CertificationConnection:
        settings = info.context.settings
        wanted = page(first, after, "certifications", default=settings.default_page_size,
                      maximum=settings.max_page_size)
        year = str(parse_school_year(school_year))
        at = await time_point(info, as_of, recorded_as_of)
        rows = await catalog_rows(info, year, purpose_or_default(purpose), at)
        matching = _distinct(rows, sector=sector, pathway=pathway, search=search)
        chosen = matching[wanted.offset : wanted.offset + wanted.first]
        edges = [
            CertificationEdge(
                cursor=encode_cursor("certifications", wanted.offset + i + 1),
                node=Certification(id=strawberry.ID(row.certification_id), name=row.name, at=at),
            )
            for i, row in enumerate(chosen)
        ]
        return CertificationConnection(
            total_count=len(matching),
            edges=edges,
            page_info=PageInfo(
                has_next_page=wanted.offset + len(chosen) < len(matching),
                has_previous_page=wanted.offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(description="A certification by its id (or by any name it has had); "
                      "null if none is on record.")
    async def certification(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(  # noqa: A002 - GraphQL's name
            description="The certification's id, e.g. nccer-core-curriculum.")],
    ) -> Certification | None:
        key = certification_key(str(id))
        if not key:
            raise UserError(f"Invalid certification id {shown(str(id))}: it has no letters or digits")
        found = await off_loop(info.context.store.reader.certification, key)
        if found is None:
            return None
        return Certification(id=strawberry.ID(found.id), name=found.name, at=TimePoint())

    @strawberry.field(description="Every school year with anything recorded, oldest first.")
    async def school_years(
        self,
        info: Info,
        as_of: AsOfArg = None,
        recorded_as_of: RecordedAsOfArg = None,
    ) -> list[SchoolYearSummary]:
        at = await time_point(info, as_of, recorded_as_of)
        years = await off_loop(info.context.store.reader.school_years, at)
        return [SchoolYearSummary(school_year=y.school_year, carried_from=y.carried_from,
                                  version=y.version, at=at) for y in years]


def _distinct(
    rows: list[CatalogRow], *, sector: str | None, pathway: str | None, search: str | None
) -> list[CatalogRow]:
    """One row per certification, in list order, among the placements that match."""
    needle = search.casefold().strip() if search else None
    seen: set[str] = set()
    found: list[CatalogRow] = []
    for row in rows:
        if sector is not None and row.sector != sector:
            continue
        if pathway is not None and row.pathway != pathway:
            continue
        if needle and needle not in row.name.casefold() and needle not in row.certification_id:
            continue
        if row.certification_id not in seen:
            seen.add(row.certification_id)
            found.append(row)
    return found


def _standing(listed: Listed | None, year: str) -> Standing | None:
    if listed is None:
        return None
    return Standing(name=listed.name, placements=[
        Placement(school_year=year, sector=s, pathway=p) for s, p in listed.placements])


def _change(change: events_changes.CertificationChange, kind: ChangeKind, years: tuple[str, str],
            at: TimePoint) -> CertificationChange:
    latest = change.after or change.before
    assert latest is not None
    return CertificationChange(
        kind=kind,
        certification=Certification(id=strawberry.ID(change.certification_id), name=latest.name, at=at),
        before=_standing(change.before, years[0]),
        after=_standing(change.after, years[1]),
        decisions=[RecordedEvent.from_entry(e) for e in change.events],
    )


async def year_changes(info: Info, from_year: str, to_year: str, purpose: EligibilityPurpose,
                       as_of: date | None, recorded_as_of: datetime | None) -> YearChanges:
    years = (str(parse_school_year(from_year)), str(parse_school_year(to_year)))
    at = await time_point(info, as_of, recorded_as_of)
    reader = info.context.store.reader

    def compute() -> events_changes.YearChanges:
        before, after = reader.catalogs(years, purpose.name, at)
        # Only the events about what changed: the cost follows the change, not the history.
        changed = events_changes.changed(before, after)
        later = reader.year_history(years[1], at, changed)
        opened = reader.opened_at(years[1], at)
        earlier = [] if opened is None else reader.year_history(years[0], at, changed, after=opened)
        return events_changes.compare(before, after, later, purpose.name, earlier)

    found = await off_loop(compute)
    return YearChanges(
        from_year=years[0], to_year=years[1], purpose=purpose,
        added=[_change(c, ChangeKind.ADDED, years, at) for c in found.added],
        removed=[_change(c, ChangeKind.REMOVED, years, at) for c in found.removed],
        renamed=[_change(c, ChangeKind.RENAMED, years, at) for c in found.renamed],
        moved=[_change(c, ChangeKind.MOVED, years, at) for c in found.moved],
        unchanged_count=found.unchanged,
    )


async def audit_log(info: Info, first: int | None, after: str | None, where: AuditFilter) -> AuditLogConnection:
    settings = info.context.settings
    wanted = page(first, after, "event", default=settings.default_page_size, maximum=settings.max_page_size)
    entries, total = await off_loop(
        lambda: info.context.store.reader.audit_log(where, after=wanted.offset, limit=wanted.first + 1))
    shown = entries[: wanted.first]
    edges = [RecordedEventEdge(cursor=encode_cursor("event", e.position), node=RecordedEvent.from_entry(e))
             for e in shown]
    return AuditLogConnection(
        total_count=total, edges=edges,
        page_info=PageInfo(
            has_next_page=len(entries) > wanted.first, has_previous_page=wanted.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


@strawberry.type(description="Questions about which certifications count, where, when and why.")
class Query(CatalogQueries):
    @strawberry.field(description="What differs between two school years' lists: certifications "
                      "added, removed, renamed and moved, each with the decisions that caused it.")
    async def changes(
        self, info: Info,
        from_year: Annotated[str, strawberry.argument(description="The earlier school year, e.g. 2025-2026.")],
        to_year: Annotated[str, strawberry.argument(description="The later school year, e.g. 2026-2027.")],
        purpose: PurposeArg = ACCELERATION,
        as_of: AsOfArg = None,
        recorded_as_of: RecordedAsOfArg = None,
    ) -> YearChanges:
        return await year_changes(info, from_year, to_year, purpose_or_default(purpose), as_of, recorded_as_of)

    @strawberry.field(description="Every recorded event in recorded order, with its provenance "
                      "(Relay connection).")
    async def audit_log(
        self, info: Info,
        first: Annotated[int | None, strawberry.argument(
            description="Page size: at most CERTLEDGER_MAX_PAGE_SIZE (500 unless configured "
            "otherwise); default 50.")] = None,
        after: Annotated[str | None, strawberry.argument(
            description="Return the events after this cursor (a previous page's endCursor).")] = None,
        school_year: Annotated[str | None, strawberry.argument(
            description="Only events concerning this school year.")] = None,
        kind: Annotated[EventKind | None, strawberry.argument(description="Only events of this kind.")] = None,
        body: Annotated[DecidingBody | None, strawberry.argument(
            description="Only events recording this body's decisions.")] = None,
        certification: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only events concerning this certification (id).")] = None,
        recorded_after: Annotated[datetime | None, strawberry.argument(
            description="Only events recorded after this moment (timezone required).")] = None,
        recorded_before: Annotated[datetime | None, strawberry.argument(
            description="Only events recorded before this moment (timezone required).")] = None,
    ) -> AuditLogConnection:
        where = AuditFilter(
            school_year=str(parse_school_year(school_year)) if school_year is not None else None,
            kind=kind.name if kind else None, body=body.name if body else None,
            certification_id=certification_key(str(certification)) if certification is not None else None,
            recorded_after=check_recorded_as_of(recorded_after, "recordedAfter"),
            recorded_before=check_recorded_as_of(recorded_before, "recordedBefore"),
        )
        return await audit_log(info, first, after, where)
