"""Write resolvers: authenticate, parse, run one ledger command off the loop, report.

Each mutation is one decision: it records all of its events or, refused, none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

import strawberry

from api.auth import IsEditor
from api.context import Info, off_loop
from api.inputs import parse_school_year
from api.settings import CORRECTIONS_DIR
from api.types import DecidingBody, RecordedEvent
from domain.standing import Drop, Move
from domain.decision import Body, Decision
from domain.errors import DocumentError, InvalidInputError
from events.application import PlacementSpec, Recorded
from events.importing import ReviewedCorrections, read_document
from events.queries import HistoryEntry
from events.views import history_row


@strawberry.input(description="A decision of the SWIB or the SBE, and where it is written down.")
class DecisionInput:
    body: DecidingBody = strawberry.field(description="The deciding body.")
    decided_on: date = strawberry.field(
        description="The date of the vote or meeting; it must fall in the school year decided or "
        "the year before it, and not in the future."
    )
    reference: str | None = strawberry.field(
        default=None, description="The agenda item or motion, e.g. 'Consent agenda item J'.")
    business_rule: str | None = strawberry.field(
        default=None, description="The accountability business rule, e.g. '9.2'.")
    document: str | None = strawberry.field(
        default=None, description="The source document (file name or address).")

    def to_domain(self) -> Decision:
        return Decision(
            Body[self.body.name], self.decided_on, reference=self.reference or "",
            business_rule=self.business_rule or "", document=self.document or "",
        )


@strawberry.input(description="A certification in a sector and pathway.")
class PlacementInput:
    sector: str = strawberry.field(description="Industry sector, as printed.")
    pathway: str = strawberry.field(description="Program pathway, as printed.")
    certification: str = strawberry.field(
        description="The certification: its name as printed, or the id of one on record.")

    def to_spec(self) -> PlacementSpec:
        return PlacementSpec(self.sector, self.pathway, self.certification)


@strawberry.input(description="Take a certification off a year's list: one placement, or all of them.")
class RemovalInput:
    certification: str = strawberry.field(description="The certification's id or name.")
    reason: str = strawberry.field(description="Why it is removed (required).")
    sector: str | None = strawberry.field(
        default=None, description="With pathway: remove only this placement.")
    pathway: str | None = strawberry.field(
        default=None, description="With sector: remove only this placement.")

    def to_drop(self) -> Drop:
        return Drop(self.certification, self.reason, self.sector or "", self.pathway or "")


@strawberry.input(description="A vendor rename: same certification (same id), new display name.")
class RenameInput:
    certification: str = strawberry.field(description="The certification's id or current name.")
    new_name: str = strawberry.field(description="The new display name, exactly as it should print.")
    effective_on: date | None = strawberry.field(
        default=None, description="The date the vendor's new name takes effect (by default the "
        "decision's date); a renamed certification prints its new name from the later of the two. "
        "In carryForward, renames take effect with the decision.")


@strawberry.input(description="Move a certification from one sector and pathway to another.")
class MoveInput:
    certification: str = strawberry.field(description="The certification's id or name.")
    from_sector: str = strawberry.field(description="The sector it is listed under now.")
    from_pathway: str = strawberry.field(description="The pathway it is listed under now.")
    to_sector: str = strawberry.field(description="The sector to list it under.")
    to_pathway: str = strawberry.field(description="The pathway to list it under.")

    def to_move(self) -> Move:
        return Move(self.certification, self.from_sector, self.from_pathway, self.to_sector,
                    self.to_pathway)


@strawberry.type(description="What a mutation recorded or, in a dry run, would record.")
class DecisionRecorded:
    school_year: str = strawberry.field(description="The school year the decision concerns.")
    dry_run: bool = strawberry.field(description="True when nothing was recorded (a dry run).")
    version: int = strawberry.field(
        description="The school year's version after the decision (before it, in a dry run): "
        "pass it as expectedVersion to guard the next change."
    )
    unchanged: int = strawberry.field(
        description="For imports: rows whose decisions were already on record and were skipped.")
    notes: list[str] = strawberry.field(
        description="For imports: corrections applied while reading the document.")
    events: list[RecordedEvent] = strawberry.field(
        description="The events recorded, in order (position 0 in a dry run).")


YearArg = Annotated[str, strawberry.argument(description="The school year decided, e.g. 2026-2027.")]
DecisionArg = Annotated[DecisionInput, strawberry.argument(description="The decision and its provenance.")]
VersionArg = Annotated[int | None, strawberry.argument(
    description="Refuse with CONFLICT unless the school year is still at this version "
    "(from schoolYears or a previous mutation); omit to decide against the latest state.")]
DryRunArg = Annotated[bool, strawberry.argument(description="Check and report, but record nothing.")]


async def record(info: Info, command: Callable[[str], Recorded], dry_run: bool) -> DecisionRecorded:
    """Run a ledger command as the authenticated editor; bring the read model up to it."""
    holder = info.context.holder
    assert holder is not None, "mutations are guarded by IsEditor"
    # First the read model catches up (or the write is refused): the rules that look
    # across school years (names and ids in other years) read it.
    await off_loop(info.context.store.sync)
    recorded = await off_loop(command, holder.actor)
    if not dry_run and recorded.positions:
        await off_loop(info.context.store.after_write)
    positions = recorded.positions or [0] * len(recorded.events)
    return DecisionRecorded(
        school_year=str(recorded.school_year), dry_run=recorded.dry_run, version=recorded.version,
        unchanged=recorded.unchanged, notes=recorded.notes,
        events=[RecordedEvent.from_entry(HistoryEntry(*history_row(p, e, recorded.recorded_at or e.timestamp)))
                for p, e in zip(positions, recorded.events, strict=True)],
    )


@strawberry.type(description="Recording decisions. Every mutation needs an editor's bearer token.")
class Mutation:
    @strawberry.mutation(description="Record a SWIB vote recognizing (or not) placements for a school year.", permission_classes=[IsEditor])
    async def record_swib_vote(
        self, info: Info, school_year: YearArg, decision: DecisionArg,
        placements: Annotated[list[PlacementInput], strawberry.argument(description="The placements voted on.")],
        recognized: Annotated[bool, strawberry.argument(
            description="True to recognize; false to withdraw (or refuse) recognition.")] = True,
        expected_version: VersionArg = None, dry_run: DryRunArg = False,
    ) -> DecisionRecorded:
        year, specs = parse_school_year(school_year), [p.to_spec() for p in placements]
        ledger = info.context.store.ledger
        return await record(info, lambda actor: ledger.record_swib_vote(
            year, decision.to_domain(), specs, recognized=recognized, recorded_by=actor,
            expected_version=expected_version, dry_run=dry_run), dry_run)

    @strawberry.mutation(description="Record the SBE's approval of placements for a school year "
                         "(the Acceleration component, Business Rule 9.2).", permission_classes=[IsEditor])
    async def approve_placements(
        self, info: Info, school_year: YearArg, decision: DecisionArg,
        placements: Annotated[list[PlacementInput], strawberry.argument(description="The placements approved.")],
        expected_version: VersionArg = None, dry_run: DryRunArg = False,
    ) -> DecisionRecorded:
        year, specs = parse_school_year(school_year), [p.to_spec() for p in placements]
        ledger = info.context.store.ledger
        return await record(info, lambda actor: ledger.approve(
            year, decision.to_domain(), specs, recorded_by=actor,
            expected_version=expected_version, dry_run=dry_run), dry_run)

    @strawberry.mutation(description="Add a placement to a school year's list: approved if the SBE "
                         "decided it, recognized if the SWIB did.", permission_classes=[IsEditor])
    async def add_placement(
        self, info: Info, school_year: YearArg, decision: DecisionArg,
        placement: Annotated[PlacementInput, strawberry.argument(description="The placement to add.")],
        expected_version: VersionArg = None, dry_run: DryRunArg = False,
    ) -> DecisionRecorded:
        year, spec = parse_school_year(school_year), placement.to_spec()
        ledger = info.context.store.ledger

        def command(actor: str) -> Recorded:
            domain = decision.to_domain()
            if domain.body is Body.SBE:
                return ledger.approve(year, domain, [spec], recorded_by=actor,
                                      expected_version=expected_version, dry_run=dry_run)
            return ledger.record_swib_vote(year, domain, [spec], recognized=True, recorded_by=actor,
                                           expected_version=expected_version, dry_run=dry_run)

        return await record(info, command, dry_run)

    @strawberry.mutation(description="Remove a certification from one pathway or from the whole "
                         "school year, for the purposes the deciding body confers (the SBE: Acceleration; the SWIB: "
                         "Perkins and grants). A reason is required.", permission_classes=[IsEditor])
    async def remove_certification(
        self, info: Info, school_year: YearArg, decision: DecisionArg,
        removal: Annotated[RemovalInput, strawberry.argument(description="What to remove, and why.")],
        expected_version: VersionArg = None, dry_run: DryRunArg = False,
    ) -> DecisionRecorded:
        year, drop = parse_school_year(school_year), removal.to_drop()
        ledger = info.context.store.ledger
        return await record(info, lambda actor: ledger.remove(
            year, decision.to_domain(), drop, recorded_by=actor,
            expected_version=expected_version, dry_run=dry_run), dry_run)

    @strawberry.mutation(description="Record a vendor rename: the certification keeps its id.", permission_classes=[IsEditor])
    async def rename_certification(
        self, info: Info, school_year: YearArg, decision: DecisionArg,
        rename: Annotated[RenameInput, strawberry.argument(description="Which certification, and its new name.")],
        expected_version: VersionArg = None, dry_run: DryRunArg = False,
    ) -> DecisionRecorded:
        year = parse_school_year(school_year)
        ledger = info.context.store.ledger
        return await record(info, lambda actor: ledger.rename(
            year, decision.to_domain(), rename.certification, rename.new_name, recorded_by=actor,
            effective_on=rename.effective_on, expected_version=expected_version, dry_run=dry_run), dry_run)

    @strawberry.mutation(description="Move a placement to another sector and pathway; it keeps the "
                         "purposes it counts for.", permission_classes=[IsEditor])
    async def move_placement(
        self, info: Info, school_year: YearArg, decision: DecisionArg,
        move: Annotated[MoveInput, strawberry.argument(description="Which placement, and where to.")],
        expected_version: VersionArg = None, dry_run: DryRunArg = False,
    ) -> DecisionRecorded:
        year, domain_move = parse_school_year(school_year), move.to_move()
        ledger = info.context.store.ledger
        return await record(info, lambda actor: ledger.move(
            year, decision.to_domain(), domain_move, recorded_by=actor,
            expected_version=expected_version, dry_run=dry_run), dry_run)

    @strawberry.mutation(description="Open the next school year as this year's list, minus and plus "
                         "named changes, in one decision. The decision's body says which list is "
                         "carried: the SBE's approvals or the SWIB's recognitions.", permission_classes=[IsEditor])
    async def carry_forward(
        self, info: Info,
        from_year: Annotated[str, strawberry.argument(description="The year carried from, e.g. 2025-2026.")],
        decision: DecisionArg,
        removals: Annotated[list[RemovalInput] | None, strawberry.argument(
            description="Placements left off the new year's list, each with a reason.")] = None,
        additions: Annotated[list[PlacementInput] | None, strawberry.argument(
            description="Placements added to the new year's list.")] = None,
        renames: Annotated[list[RenameInput] | None, strawberry.argument(
            description="Certifications renamed in the new year.")] = None,
        moves: Annotated[list[MoveInput] | None, strawberry.argument(
            description="Placements listed elsewhere in the new year.")] = None,
        expected_version: Annotated[int | None, strawberry.argument(
            description="Refuse with CONFLICT unless the year carried from is still at this "
            "version; omit to carry its latest state.")] = None,
        dry_run: DryRunArg = False,
    ) -> DecisionRecorded:
        year = parse_school_year(from_year)
        ledger = info.context.store.ledger
        drops = [r.to_drop() for r in removals or []]
        specs = [a.to_spec() for a in additions or []]
        if any(r.effective_on is not None for r in renames or []):
            raise InvalidInputError("carryForward renames take effect with the decision; "
                                    "effectiveOn is for renameCertification")
        name_changes = [(r.certification, r.new_name) for r in renames or []]
        domain_moves = [m.to_move() for m in moves or []]
        return await record(info, lambda actor: ledger.carry_forward(
            year, decision.to_domain(), drops=drops, moves=domain_moves, renames=name_changes,
            additions=specs, recorded_by=actor, expected_version=expected_version,
            dry_run=dry_run), dry_run)

    @strawberry.mutation(description="Import a document: an SBE agenda-item text or a CSV/TSV list "
                         "(industry_sector, program_pathway, certification, swib_recognized). "
                         "Decisions already on record are skipped.", permission_classes=[IsEditor])
    async def import_document(
        self, info: Info,
        name: Annotated[str, strawberry.argument(description="The document's file name, recorded as its source.")],
        content: Annotated[str, strawberry.argument(description="The document's text.")],
        corrections: Annotated[str | None, strawberry.argument(
            description="Reviewed corrections to its reading (TOML; see the README). Without "
            "them, the corrections kept with the project for this exact document (by SHA-256) "
            "apply, if any.")] = None,
        school_year: Annotated[str | None, strawberry.argument(
            description="CSV/TSV lists: the school year they are for.")] = None,
        swib_voted_on: Annotated[date | None, strawberry.argument(
            description="CSV/TSV lists: the date of the SWIB vote they record.")] = None,
        sbe_approved_on: Annotated[date | None, strawberry.argument(
            description="CSV/TSV lists: the date of the SBE approval they record.")] = None,
        reference: Annotated[str | None, strawberry.argument(
            description="CSV/TSV lists: the SBE agenda item letter.")] = None,
        dry_run: DryRunArg = False,
    ) -> DecisionRecorded:
        year = parse_school_year(school_year) if school_year is not None else None
        ledger = info.context.store.ledger

        def command(actor: str) -> Recorded:
            listing = read_document(
                _utf8(content, "content"), name=name, corrections_text=corrections,
                reviewed=ReviewedCorrections(CORRECTIONS_DIR),
                school_year=year, swib_voted_on=swib_voted_on, sbe_approved_on=sbe_approved_on,
                reference=reference or "",
            )
            return ledger.import_list(listing, recorded_by=actor, dry_run=dry_run)

        return await record(info, command, dry_run)




def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise DocumentError(f"The document's {what} is not valid text (it has lone surrogates)") from None
