"""Read resolvers: parse arguments, read the projections, map to GraphQL types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from api.context import Info, off_loop
from api.errors import UserError
from api.inputs import check_recorded_as_of, encode_cursor, page, parse_school_year
from api.types import (
    Catalog,
    Certification,
    CertificationConnection,
    CertificationEdge,
    EligibilityPurpose,
    PageInfo,
    SchoolYearSummary,
)
from domain.certification import certification_key
from events.queries import CatalogRow, TimePoint

SchoolYearArg = Annotated[str, strawberry.argument(description="A school year, e.g. 2025-2026 (or 2025-26).")]
PurposeArg = Annotated[EligibilityPurpose, strawberry.argument(
    description="What the certifications must count for.")]
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
        upto = await off_loop(info.context.store.reader.position_recorded_by, moment)
    return TimePoint(as_of=as_of, upto=upto)


async def catalog_rows(info: Info, year: str, purpose: EligibilityPurpose, at: TimePoint) -> list[CatalogRow]:
    return await info.context.loaders.catalog.load((year, purpose.name, at))


@strawberry.type(description="Questions about which certifications count, where, when and why.")
class Query:
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
        year = str(parse_school_year(school_year))
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
            description="Page size: at most CERTLEDGER_MAX_PAGE_SIZE (500); default 50.")] = None,
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
        rows = await catalog_rows(info, year, purpose, at)
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
            raise UserError(f"Invalid certification id {str(id)!r}: it has no letters or digits")
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
        return [SchoolYearSummary(school_year=y.school_year, carried_from=y.carried_from, at=at)
                for y in years]


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
