"""A school year's certification list: the consistency boundary for its decisions.

Every command checks its rules first and then triggers past-tense events whose
``apply`` only changes state, because events are replayed forever. Each event
carries the school year, the placement and the decision, so projections never need
the aggregate's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.certification import Listing, Placement, certification_key, clean_name
from domain.decision import Body, Decision, Purpose, require_reason
from domain.errors import (
    AlreadyApprovedError,
    AlreadyListedError,
    AlreadyRecognizedError,
    DecisionDateError,
    NameTakenError,
    NotApprovedError,
    NotRecognizedError,
    DecisionOrderError,
    InvalidInputError,
    UnknownCertificationError,
    UnknownPlacementError,
    shown,
)
from domain.carry_plan import CarryPlan
from domain.school_year import SchoolYear
from domain.standing import Drop, Move, Standing, bodies_of, require_both


class YearCatalog(Aggregate):
    """The list of certifications for one school year, and the decisions that made it."""

    TOPIC = "certledger:YearCatalog"

    class Event(Aggregate.Event):
        TOPIC = "certledger:YearCatalog.Event"

    class SchoolYearOpened(Aggregate.Created):
        """The first decision concerning a school year was recorded."""

        TOPIC = "certledger:SchoolYearOpened"
        school_year: SchoolYear
        carried_from: SchoolYear | None
        decision: Decision
        recorded_by: str

    class SwibVoteRecorded(Event):
        """The SWIB voted to recognize (or withdraw recognition of) a placement."""

        TOPIC = "certledger:SwibVoteRecorded"
        school_year: SchoolYear
        certification_id: str
        certification_name: str
        sector: str
        pathway: str
        recognized: bool
        decision: Decision
        source_line: int
        note: str
        recorded_by: str

        def apply(self, aggregate: YearCatalog) -> None:
            standing = aggregate._standing_for(self.sector, self.pathway, self.certification_id)
            standing.recognized = self.recognized
            aggregate._decided(standing, Body.SWIB, self.decision.decided_on)
            aggregate._name(self.certification_id, self.certification_name)
            aggregate._from_document(self.decision)

    class PlacementApproved(Event):
        """The SBE approved a placement for the school year (Business Rule 9.2)."""

        TOPIC = "certledger:PlacementApproved"
        school_year: SchoolYear
        certification_id: str
        certification_name: str
        sector: str
        pathway: str
        decision: Decision
        source_line: int
        note: str
        recorded_by: str

        def apply(self, aggregate: YearCatalog) -> None:
            standing = aggregate._standing_for(self.sector, self.pathway, self.certification_id)
            standing.approved = True
            aggregate._decided(standing, Body.SBE, self.decision.decided_on)
            aggregate._name(self.certification_id, self.certification_name)
            aggregate._from_document(self.decision)

    class PlacementRemoved(Event):
        """A placement was taken off the year's list for the purposes the deciding body
        confers: the SBE's removal ends its Acceleration eligibility, the SWIB's its
        recognition (Perkins and grants)."""

        TOPIC = "certledger:PlacementRemoved"
        class_version = 2
        school_year: SchoolYear
        certification_id: str
        certification_name: str
        sector: str
        pathway: str
        purposes: list[str]
        reason: str
        decision: Decision
        recorded_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 removals took a placement off the list for every purpose."""
            state["purposes"] = [p.name for p in Purpose]

        def apply(self, aggregate: YearCatalog) -> None:
            standing = aggregate._standing_for(self.sector, self.pathway, self.certification_id)
            for body in bodies_of(self.purposes):
                standing.withdraw(body)
                aggregate._decided(standing, body, self.decision.decided_on)

    class PlacementDropped(Event):
        """A placement of the year carried from was left off this year's list."""

        TOPIC = "certledger:PlacementDropped"
        school_year: SchoolYear
        carried_from: SchoolYear
        certification_id: str
        certification_name: str
        sector: str
        pathway: str
        reason: str
        decision: Decision
        recorded_by: str

    class CarriedForward(Event):
        """This year's list was carried forward to open the next year (see SchoolYearOpened there)."""

        TOPIC = "certledger:YearCarriedForward"
        school_year: SchoolYear
        carried_to: SchoolYear
        decision: Decision
        recorded_by: str

    class PlacementMoved(Event):
        """A certification moved to another sector and pathway, keeping its standing."""

        TOPIC = "certledger:PlacementMoved"
        school_year: SchoolYear
        certification_id: str
        certification_name: str
        sector: str
        pathway: str
        to_sector: str
        to_pathway: str
        purposes: list[str]
        decision: Decision
        recorded_by: str

        def apply(self, aggregate: YearCatalog) -> None:
            old = aggregate._standing_for(self.sector, self.pathway, self.certification_id)
            old.recognized = old.approved = False
            new = aggregate._standing_for(self.to_sector, self.to_pathway, self.certification_id)
            moved = {Purpose[p] for p in self.purposes}
            new.approved = Purpose.ACCOUNTABILITY_ACCELERATION in moved
            new.recognized = Purpose.PERKINS_PROGRAM_QUALITY in moved
            # Only the bodies whose purposes moved have decided about these placements.
            for body in bodies_of(self.purposes):
                aggregate._decided(old, body, self.decision.decided_on)
                aggregate._decided(new, body, self.decision.decided_on)
            aggregate._name(self.certification_id, self.certification_name)

    class CertificationRenamed(Event):
        """A certification's display name changed (a vendor rename); its identity did not."""

        TOPIC = "certledger:CertificationRenamed"
        class_version = 2
        school_year: SchoolYear
        certification_id: str
        old_name: str
        new_name: str
        effective_on: date  # the vendor's date for the new name
        decision: Decision
        recorded_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 renames took effect on the date they were decided."""
            state["effective_on"] = state["decision"].decided_on

        def apply(self, aggregate: YearCatalog) -> None:
            aggregate._name(self.certification_id, self.new_name, replace=True)
            aggregate.renamed[self.certification_id] = (
                self.decision.decided_on.isoformat(), self.effective_on.isoformat())

    def __init__(
        self,
        school_year: SchoolYear,
        carried_from: SchoolYear | None,
        decision: Decision,
        recorded_by: str,
    ) -> None:
        self.school_year = school_year
        self.carried_from = carried_from
        self.standings: dict[str, Standing] = {}
        self.names: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        # Sectors and pathways keep the spelling they were first listed under.
        self.sector_names: dict[str, str] = {}
        self.pathway_names: dict[str, str] = {}
        # (body, document SHA-256) of every document a decision of this year was read from.
        self.documents: set[tuple[str, str]] = set()
        # certification -> (decided, effective) ISO dates of its latest rename this year.
        self.renamed: dict[str, tuple[str, str]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> YearCatalog:
        """A structural copy: the repository's cache hands out one per command, and a
        generic deep copy of a year's thousands of standings costs more than the command."""
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied.standings = {key: standing.copy() for key, standing in self.standings.items()}
        for name in ("names", "aliases", "sector_names", "pathway_names", "renamed"):
            setattr(copied, name, dict(getattr(self, name)))
        copied.documents = set(self.documents)
        copied._pending_events = list(self._pending_events)
        return copied

    # -- identity -------------------------------------------------------------------

    @staticmethod
    def create_id(school_year: SchoolYear) -> UUID:
        """The year's catalog id, derived from the year so no lookup table is needed."""
        return uuid5(NAMESPACE_URL, f"/certledger/school-years/{school_year}")

    @classmethod
    def open(
        cls,
        school_year: SchoolYear,
        decision: Decision,
        recorded_by: str,
        *,
        today: date,
        carried_from: SchoolYear | None = None,
    ) -> YearCatalog:
        """Open the record of a school year with the decision that first concerns it."""
        decision.check_for(school_year, today=today)
        return cls._create(
            cls.SchoolYearOpened,
            id=cls.create_id(school_year),
            school_year=school_year,
            carried_from=carried_from,
            decision=decision,
            recorded_by=recorded_by,
        )

    # -- queries on the year's state -----------------------------------------------

    def listed(self) -> list[Standing]:
        """Placements on the list now, in the order they were first recorded."""
        return [s for s in self.standings.values() if s.listed]

    def certification_id_for(self, name_or_id: str) -> str | None:
        """The id of a certification on record this year, by id, name or former name."""
        return self.aliases.get(certification_key(name_or_id))

    def standing(self, placement: Placement) -> Standing | None:
        return self.standings.get(placement.key)

    def is_settled(self, listing: Listing, body: Body, *, recognized: bool = True) -> bool:
        """Whether the record already says what this body's decision on the listing says:
        approved by the SBE, or a SWIB vote with the same outcome."""
        standing = self.standing(listing.placement)
        if standing is None:
            return False
        if body is Body.SBE:
            return standing.approved
        return Body.SWIB.name in standing.last_decided and standing.recognized == recognized

    # -- commands ---------------------------------------------------------------------

    def record_swib_vote(
        self,
        decision: Decision,
        listings: Sequence[Listing],
        *,
        recognized: bool,
        recorded_by: str,
        today: date,
    ) -> None:
        """Record the SWIB's vote to recognize, or withdraw recognition of, placements."""
        decision.require_body(Body.SWIB, "Recognition")
        self._check_decision(decision, today)
        self._check_distinct(listings)
        for listing in listings:
            standing = self.standing(listing.placement)
            if recognized and standing is not None and standing.recognized:
                raise AlreadyRecognizedError(
                    f"{self._label(listing)} is already recognized for {self.school_year}"
                )
            # A first vote may be "No"; a vote that repeats the standing one is refused.
            voted = standing is not None and Body.SWIB.name in standing.last_decided
            if not recognized and voted and standing is not None and not standing.recognized:
                raise NotRecognizedError(
                    f"{self._label(listing)} is not recognized for {self.school_year}"
                )
            self._check_order(listing.placement, Body.SWIB, decision)
        for listing in listings:
            self.trigger_event(
                self.SwibVoteRecorded,
                recognized=recognized,
                **self._listing_fields(listing, decision, recorded_by),
            )

    def approve(
        self,
        decision: Decision,
        listings: Sequence[Listing],
        *,
        recorded_by: str,
        today: date,
    ) -> None:
        """Record the SBE's approval of placements for the school year."""
        decision.require_body(Body.SBE, "Approval for the Acceleration component")
        self._check_decision(decision, today)
        self._check_distinct(listings)
        for listing in listings:
            standing = self.standing(listing.placement)
            if standing is not None and standing.approved:
                raise AlreadyApprovedError(
                    f"{self._label(listing)} is already approved for {self.school_year}"
                )
            self._check_order(listing.placement, Body.SBE, decision)
        for listing in listings:
            self.trigger_event(
                self.PlacementApproved, **self._listing_fields(listing, decision, recorded_by)
            )

    def remove(
        self,
        decision: Decision,
        drop: Drop,
        *,
        recorded_by: str,
        today: date,
    ) -> None:
        """Take a certification off the year's list, one placement or all of them, for
        the purposes the deciding body confers; what the other body decided stands."""
        reason = require_reason(drop.reason)
        self._check_decision(decision, today)
        targets = self._placements_of(drop, decision.body)
        for standing in targets:
            self._check_order(standing.placement, decision.body, decision)
        for standing in targets:
            self.trigger_event(
                self.PlacementRemoved,
                school_year=self.school_year,
                certification_id=standing.certification_id,
                certification_name=self.names[standing.certification_id],
                sector=standing.sector,
                pathway=standing.pathway,
                purposes=[p.name for p in Purpose.granted_by(decision.body)],
                reason=reason,
                decision=decision,
                recorded_by=recorded_by,
            )

    def rename(
        self,
        decision: Decision,
        certification_id: str,
        new_name: str,
        *,
        recorded_by: str,
        today: date,
        effective_on: date | None = None,
    ) -> None:
        """Record a vendor rename: same certification, new display name, from its
        effective date (the decision's date if not given)."""
        self._check_decision(decision, today)
        cert = self._check_rename(certification_id, new_name)
        effective = effective_on or decision.decided_on
        self._check_rename_order(cert, decision, effective)
        self._trigger_rename(decision, cert, clean_name(new_name), recorded_by, effective)

    def move(
        self,
        decision: Decision,
        move: Move,
        *,
        recorded_by: str,
        today: date,
    ) -> None:
        """Move a placement to another sector and pathway, keeping what it counts for."""
        self._check_decision(decision, today)
        standing = self._check_move(move)
        cert = standing.certification_id
        target = Placement.of(move.to_sector, move.to_pathway, cert)
        for body in Body:
            self._check_order(standing.placement, body, decision)
            if standing.holds(body):  # what moves must follow the latest decision on its target
                self._check_order(target, body, decision)
        resolved = Move(cert, standing.sector, standing.pathway, move.to_sector, move.to_pathway)
        self._trigger_move(decision, resolved, standing.purposes, recorded_by, name=self.names[cert])

    def carry_forward(
        self,
        decision: Decision,
        *,
        drops: Sequence[Drop] = (),
        moves: Sequence[Move] = (),
        renames: Sequence[tuple[str, str]] = (),
        additions: Sequence[Listing] = (),
        recorded_by: str,
        today: date,
    ) -> YearCatalog:
        """Open the next school year as this year's list, minus and plus named changes.

        The decision's body says which list is carried: the SBE's approvals or the
        SWIB's recognitions. This year records that it was carried forward, so a
        change to it made meanwhile conflicts with the carry-forward; the new year's
        catalog is returned with its events pending, and both are saved at once.
        """
        body = decision.body
        carried = [s for s in self.listed() if (s.approved if body is Body.SBE else s.recognized)]
        if not carried:
            raise UnknownPlacementError(
                f"Nothing on the {self.school_year} list is {_standing_word(body)} to carry forward"
            )
        plan = CarryPlan.make(self, carried, drops, moves, renames, additions)
        target = YearCatalog.open(
            self.school_year.next(), decision, recorded_by, today=today,
            carried_from=self.school_year,
        )
        self.trigger_event(
            self.CarriedForward, school_year=self.school_year, carried_to=target.school_year,
            decision=decision, recorded_by=recorded_by,
        )
        for standing in carried:
            name = plan.names.get(standing.certification_id, self.names[standing.certification_id])
            drop = plan.drop_for(standing)
            move = plan.move_for(standing)
            if drop is not None:
                target.trigger_event(
                    target.PlacementDropped,
                    school_year=target.school_year, carried_from=self.school_year,
                    certification_id=standing.certification_id,
                    certification_name=self.names[standing.certification_id],
                    sector=standing.sector, pathway=standing.pathway,
                    reason=require_reason(drop.reason), decision=decision,
                    recorded_by=recorded_by,
                )
            elif move is not None:
                # Spelled as this year's list prints them, whatever the caller typed.
                to_sector, to_pathway = self.printed(move.to_sector, move.to_pathway)
                spelled = Move(move.certification_id, standing.sector, standing.pathway, to_sector, to_pathway)
                target._trigger_move(
                    decision, spelled, Purpose.granted_by(body), recorded_by, name=name
                )
            else:
                listing = Listing(standing.placement, name)
                target._trigger_listing(body, decision, listing, recorded_by)
        for listing in additions:
            target._trigger_listing(body, decision, listing, recorded_by)
        for certification_id, new_name in plan.renames:
            target.trigger_event(
                target.CertificationRenamed,
                school_year=target.school_year, certification_id=certification_id,
                old_name=self.names[certification_id], new_name=new_name,
                effective_on=decision.decided_on, decision=decision, recorded_by=recorded_by,
            )
        return target

    # -- rules ------------------------------------------------------------------------

    def _check_decision(self, decision: Decision, today: date) -> None:
        decision.check_for(self.school_year, today=today)

    def _check_order(self, placement: Placement, body: Body, decision: Decision) -> None:
        standing = self.standing(placement)
        if standing is None:
            return
        last = standing.last_decided.get(body.name)
        if last is not None and decision.decided_on.isoformat() < last:
            name = self.names.get(placement.certification_id, placement.certification_id)
            raise DecisionOrderError(
                f"{name!r} under {placement.describe()} was last decided for the {body.name}'s "
                f"purposes on {last}; a decision dated {decision.decided_on.isoformat()} cannot "
                "follow it"
            )

    def _check_distinct(self, listings: Sequence[Listing]) -> None:
        if not listings:
            raise InvalidInputError("A decision must list at least one placement")
        seen: set[str] = set()
        for listing in listings:
            if listing.placement.key in seen:
                raise InvalidInputError(f"{self._label(listing)} is listed twice")
            seen.add(listing.placement.key)

    def _placements_of(self, drop: Drop, body: Body) -> list[Standing]:
        """The placements a removal by this body takes off: those the body put on."""
        cert = self.certification_id_for(drop.certification_id)
        if cert is None:
            raise UnknownCertificationError(
                f"Unknown certification {shown(drop.certification_id)} in {self.school_year}"
            )
        held = [s for s in self.standings.values() if s.certification_id == cert and s.holds(body)]
        if drop.sector or drop.pathway:
            require_both(drop)
            wanted = Placement.of(drop.sector, drop.pathway, cert).key
            if self.standings.get(wanted) is None or not self.standings[wanted].listed:
                raise UnknownPlacementError(
                    f"{self.names[cert]!r} is not listed under {drop.sector} / {drop.pathway} "
                    f"in {self.school_year}"
                )
            held = [s for s in held if s.placement.key == wanted]
        if not held:
            where = f" under {drop.sector} / {drop.pathway}" if drop.sector else ""
            error = NotApprovedError if body is Body.SBE else NotRecognizedError
            raise error(
                f"{self.names[cert]!r}{where} is not {_standing_word(body)} for {self.school_year}, "
                f"so the {body.name} cannot remove it"
            )
        return held

    def _require_listed(self, certification_id: str) -> str:
        cert = self.certification_id_for(certification_id)
        if cert is None or not any(s.certification_id == cert for s in self.listed()):
            raise UnknownCertificationError(
                f"Unknown certification {shown(certification_id)} in {self.school_year}"
            )
        return cert

    def _check_rename(self, certification_id: str, new_name: str) -> str:
        """The id of the certification to rename, once the rename is known to be allowed."""
        cert = self._require_listed(certification_id)
        cleaned = clean_name(new_name)
        if cleaned == self.names[cert]:
            raise InvalidInputError(f"{cert!r} is already named {cleaned!r}")
        other = self.aliases.get(certification_key(cleaned))
        if other is not None and other != cert:
            raise NameTakenError(
                f"The name {cleaned!r} belongs to another certification, {other!r}"
            )
        return cert

    def _check_rename_order(self, cert: str, decision: Decision, effective: date) -> None:
        """Renames of a certification follow each other in time, by decision date and
        by effective date, and take effect within the school year at the latest."""
        if effective > self.school_year.last_day:
            raise DecisionDateError(
                f"Effective date {effective.isoformat()} is after school year {self.school_year} ends"
            )
        last = self.renamed.get(cert)
        if last is None:
            return
        decided, effective_before = last
        if decision.decided_on.isoformat() < decided or effective.isoformat() < effective_before:
            raise DecisionOrderError(
                f"{self.names[cert]!r} was last renamed by a decision of {decided}, effective "
                f"{effective_before}; a rename decided {decision.decided_on.isoformat()}, effective "
                f"{effective.isoformat()}, cannot follow it"
            )

    def _check_move(self, move: Move) -> Standing:
        cert = self._require_listed(move.certification_id)
        source = self.standing(Placement.of(move.sector, move.pathway, cert))
        if source is None or not source.listed:
            raise UnknownPlacementError(
                f"{self.names[cert]!r} is not listed under {move.sector} / {move.pathway} "
                f"in {self.school_year}"
            )
        target = self.standing(Placement.of(move.to_sector, move.to_pathway, cert))
        if target is not None and target.listed:
            raise AlreadyListedError(
                f"{self.names[cert]!r} is already listed under {move.to_sector} / "
                f"{move.to_pathway} in {self.school_year}"
            )
        return source

    # -- triggering ---------------------------------------------------------------------

    def _trigger_listing(self, body: Body, decision: Decision, listing: Listing, recorded_by: str) -> None:
        fields = self._listing_fields(listing, decision, recorded_by)
        if body is Body.SBE:
            self.trigger_event(self.PlacementApproved, **fields)
        else:
            self.trigger_event(self.SwibVoteRecorded, recognized=True, **fields)

    def _trigger_move(
        self,
        decision: Decision,
        move: Move,
        purposes: Iterable[Purpose],
        recorded_by: str,
        *,
        name: str,
    ) -> None:
        self.trigger_event(
            self.PlacementMoved,
            school_year=self.school_year,
            certification_id=move.certification_id,
            certification_name=name,
            sector=clean_name(move.sector, "industry sector"),
            pathway=clean_name(move.pathway, "program pathway"),
            to_sector=self.printed(move.to_sector, move.to_pathway)[0],
            to_pathway=self.printed(move.to_sector, move.to_pathway)[1],
            purposes=[p.name for p in purposes],
            decision=decision,
            recorded_by=recorded_by,
        )

    def _trigger_rename(
        self, decision: Decision, cert: str, new_name: str, recorded_by: str, effective_on: date
    ) -> None:
        self.trigger_event(
            self.CertificationRenamed,
            school_year=self.school_year, certification_id=cert,
            old_name=self.names[cert], new_name=new_name, effective_on=effective_on,
            decision=decision, recorded_by=recorded_by,
        )

    def _listing_fields(self, listing: Listing, decision: Decision, recorded_by: str) -> dict[str, Any]:
        # Sectors and pathways already on record keep the spelling first printed.
        sector, pathway = self.printed(listing.placement.sector, listing.placement.pathway)
        return {
            "school_year": self.school_year,
            "certification_id": listing.certification_id,
            "certification_name": listing.certification_name,
            "sector": sector,
            "pathway": pathway,
            "decision": decision,
            "source_line": listing.source_line,
            "note": listing.note,
            "recorded_by": recorded_by,
        }

    # -- state changes (called only from event bodies) -----------------------------------

    def _standing_for(self, sector: str, pathway: str, certification_id: str) -> Standing:
        key = Placement(sector, pathway, certification_id).key
        if key not in self.standings:
            self.standings[key] = Standing(sector, pathway, certification_id)
            self.sector_names.setdefault(certification_key(sector), sector)
            self.pathway_names.setdefault(_pathway_key(sector, pathway), pathway)
        return self.standings[key]

    def _from_document(self, decision: Decision) -> None:
        if decision.document_sha256:
            self.documents.add((decision.body.name, decision.document_sha256))

    def printed(self, sector: str, pathway: str) -> tuple[str, str]:
        """A sector and pathway as this year's list prints them, if it lists them."""
        sector = clean_name(sector, "industry sector")
        pathway = clean_name(pathway, "program pathway")
        return (self.sector_names.get(certification_key(sector), sector),
                self.pathway_names.get(_pathway_key(sector, pathway), pathway))

    def has_document(self, body: Body, sha256: str) -> bool:
        """Whether a decision of this body read from this exact document is on record."""
        return (body.name, sha256) in self.documents

    def _decided(self, standing: Standing, body: Body, on: date) -> None:
        standing.last_decided[body.name] = on.isoformat()

    def _name(self, certification_id: str, name: str, *, replace: bool = False) -> None:
        if replace or certification_id not in self.names:
            self.names[certification_id] = name
        self.aliases[certification_key(name)] = certification_id
        self.aliases[certification_id] = certification_id

    def _label(self, listing: Listing) -> str:
        return f"{listing.certification_name!r} under {listing.placement.describe()}"


def _pathway_key(sector: str, pathway: str) -> str:
    return f"{certification_key(sector)}|{certification_key(pathway)}"


def _standing_word(body: Body) -> str:
    return "approved" if body is Body.SBE else "recognized"
