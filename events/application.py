"""The service layer: one method per use case, each one decision saved atomically.

Each method loads (or opens) a school year's catalog, calls one domain command and
saves every event it triggered in a single transaction, or nothing at all. It
returns the events and the notification id of the last one, so callers can wait
for projections to reach it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, JSONTranscoder
from eventsourcing.popo import POPOFactory

from domain.catalog import YearCatalog
from domain.standing import Drop, Move
from domain.certification import Listing, Placement, certification_key, clean_name
from domain.decision import Body, Decision
from domain.documents.listing import CertificationList, ListedRow
from domain.errors import (
    AlreadyRecordedError,
    ConcurrentChangeError,
    DecisionTooLargeError,
    DocumentError,
    NameTakenError,
    UnknownSchoolYearError,
)
from domain.school_year import SchoolYear
from events.recorders import POPOLedgerRecorder
from events.transcodings import register_transcodings

# The most events one decision may record: one decision is one transaction, held in
# memory while it is checked and written. Official lists have tens of rows.
MAX_EVENTS_PER_DECISION = 10_000
# Attempts at a command whose save lost a race to a decision it commutes with.
RETRIES = 10
# Finds a certification recorded in any year by a name key: (id, latest name).
Lookup = Callable[[str], "tuple[str, str] | None"]


@dataclass(frozen=True, slots=True)
class PlacementSpec:
    """A placement named by a person: sector, pathway and a certification name or id."""

    sector: str
    pathway: str
    certification: str


@dataclass(frozen=True)
class Recorded:
    """What a command recorded (or, in a dry run, would record)."""

    school_year: SchoolYear
    events: list[YearCatalog.Event | YearCatalog.SchoolYearOpened]
    positions: list[int] = field(default_factory=list)  # notification ids, one per event
    recorded_at: datetime | None = None  # when the transaction committed
    version: int = 0  # the school year's version after the command
    dry_run: bool = False
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def position(self) -> int | None:
        """The notification id of the last event recorded, if any."""
        return self.positions[-1] if self.positions else None


class Ledger(Application[UUID]):
    """certledger's event-sourced record of certification decisions."""

    name = "certledger"
    # Year catalogs are cached in memory and fast-forwarded from the store on each
    # get, so several processes sharing one store still see each other's decisions.
    env = {"AGGREGATE_CACHE_MAXSIZE": "64", "AGGREGATE_CACHE_FASTFORWARD": "y"}

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        today: Callable[[], date] = date.today,
        directory: Lookup | None = None,
    ) -> None:
        super().__init__(env)
        self.today = today
        self.directory: Lookup = directory or (lambda key: None)

    def construct_recorder(self) -> ApplicationRecorder:
        """Our recorders also write each transaction's commit time (see events.recorders)."""
        if isinstance(self.factory, POPOFactory):
            return POPOLedgerRecorder()
        return super().construct_recorder()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # -- reads used by commands ---------------------------------------------------------

    def catalog(self, year: SchoolYear) -> YearCatalog:
        """The year's catalog as recorded; refuse a year with nothing recorded."""
        try:
            catalog = self.repository.get(YearCatalog.create_id(year))
        except AggregateNotFoundError:
            raise UnknownSchoolYearError(f"Nothing is recorded for school year {year}") from None
        assert isinstance(catalog, YearCatalog)
        return catalog

    def _catalog_or_open(
        self, year: SchoolYear, decision: Decision, recorded_by: str, expected_version: int | None = None
    ) -> YearCatalog:
        try:
            return self._catalog_at(year, expected_version)
        except UnknownSchoolYearError:
            _check_version(year, 0, expected_version)
            return YearCatalog.open(year, decision, recorded_by, today=self.today())

    def _catalog_at(self, year: SchoolYear, expected_version: int | None) -> YearCatalog:
        """The year's catalog, refused if it has moved on from the version the caller read."""
        catalog = self.catalog(year)
        _check_version(year, catalog.version, expected_version)
        return catalog

    def resolve(self, catalog: YearCatalog, certification: str) -> str:
        """The id for a certification named in a command: known this year, known in
        another year under this or a former name, or new (its normalised key)."""
        name = clean_name(certification)
        known = catalog.certification_id_for(name)
        if known is None:
            found = self.directory(certification_key(name))
            known = found[0] if found else certification_key(name)
        return known

    def listings(self, catalog: YearCatalog, specs: Sequence[PlacementSpec]) -> list[Listing]:
        found = []
        for spec in specs:
            cert = self.resolve(catalog, spec.certification)
            printed = clean_name(spec.certification)
            # Named by its id rather than its name: list it under the name on record.
            name = self._name_on_record(catalog, cert) if printed == cert else printed
            found.append(Listing(Placement.of(spec.sector, spec.pathway, cert), name or printed))
        return found

    def _name_on_record(self, catalog: YearCatalog, cert: str) -> str | None:
        known = catalog.names.get(cert)
        if known is None:
            found = self.directory(cert)
            known = found[1] if found else None
        return known

    # -- use cases --------------------------------------------------------------------------

    def record_swib_vote(
        self,
        year: SchoolYear,
        decision: Decision,
        placements: Sequence[PlacementSpec],
        *,
        recognized: bool,
        recorded_by: str,
        expected_version: int | None = None,
        dry_run: bool = False,
    ) -> Recorded:
        """Record a SWIB vote recognizing (or withdrawing recognition of) placements."""
        def command(catalog: YearCatalog) -> None:
            catalog.record_swib_vote(
                decision, self.listings(catalog, placements), recognized=recognized,
                recorded_by=recorded_by, today=self.today(),
            )

        return self._decide(year, command, expected_version, dry_run, opening=(decision, recorded_by))

    def approve(
        self,
        year: SchoolYear,
        decision: Decision,
        placements: Sequence[PlacementSpec],
        *,
        recorded_by: str,
        expected_version: int | None = None,
        dry_run: bool = False,
    ) -> Recorded:
        """Record the SBE's approval of placements for the year."""
        def command(catalog: YearCatalog) -> None:
            catalog.approve(
                decision, self.listings(catalog, placements), recorded_by=recorded_by,
                today=self.today(),
            )

        return self._decide(year, command, expected_version, dry_run, opening=(decision, recorded_by))

    def remove(
        self, year: SchoolYear, decision: Decision, drop: Drop, *, recorded_by: str,
        expected_version: int | None = None, dry_run: bool = False,
    ) -> Recorded:
        """Take a certification (or one placement of it) off the year's list."""
        return self._decide(year, lambda catalog: catalog.remove(
            decision, drop, recorded_by=recorded_by, today=self.today()), expected_version, dry_run)

    def rename(
        self, year: SchoolYear, decision: Decision, certification: str, new_name: str, *,
        recorded_by: str, effective_on: date | None = None, expected_version: int | None = None,
        dry_run: bool = False,
    ) -> Recorded:
        """Record a vendor rename of a certification on the year's list."""
        def command(catalog: YearCatalog) -> None:
            self._check_name_free(catalog, certification, new_name)
            catalog.rename(decision, certification, new_name, recorded_by=recorded_by,
                           today=self.today(), effective_on=effective_on)

        return self._decide(year, command, expected_version, dry_run)

    def _check_name_free(self, catalog: YearCatalog, certification: str, new_name: str) -> None:
        """A new name must not be (or have been) another certification's, in any year."""
        cert = catalog.certification_id_for(certification)
        taken = self.directory(certification_key(clean_name(new_name)))
        if cert is not None and taken is not None and taken[0] != cert:
            raise NameTakenError(
                f"The name {clean_name(new_name)!r} belongs to another certification, {taken[0]!r}"
            )

    def move(
        self, year: SchoolYear, decision: Decision, move: Move, *, recorded_by: str,
        expected_version: int | None = None, dry_run: bool = False,
    ) -> Recorded:
        """Move a placement to another sector and pathway."""
        return self._decide(year, lambda catalog: catalog.move(
            decision, move, recorded_by=recorded_by, today=self.today()), expected_version, dry_run)

    def _decide(
        self,
        year: SchoolYear,
        command: Callable[[YearCatalog], None],
        expected_version: int | None,
        dry_run: bool,
        *,
        opening: tuple[Decision, str] | None = None,
    ) -> Recorded:
        """Run one command on the year's catalog and save it.

        If another decision for the same year is saved first, the command is run again
        on the new state, but only when the two commute: neither concerns the whole
        year nor any certification the other concerns, and the caller did not pin an
        ``expected_version``. Otherwise the loser gets a CONFLICT and records nothing.
        """
        for attempt in range(RETRIES):
            if opening is not None:
                catalog = self._catalog_or_open(year, *opening, expected_version)
            else:
                catalog = self._catalog_at(year, expected_version)
            loaded = catalog.version - len(catalog.pending_events)
            command(catalog)
            ours = list(catalog.pending_events)  # saving collects them, even when it fails
            try:
                return self._save(year, [catalog], dry_run=dry_run)
            except ConcurrentChangeError:
                last = attempt == RETRIES - 1
                if last or expected_version is not None or not self._commutes(catalog.id, loaded, ours):
                    raise
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # let racing writers spread
        raise AssertionError("unreachable")

    def _commutes(self, catalog_id: UUID, loaded: int, ours: list[Any]) -> bool:
        """Whether the events saved since ``loaded`` touch nothing ``ours`` touch."""
        if loaded == 0 or not ours:
            return False  # both opened the year, or nothing to compare
        theirs = list(self.events.get(catalog_id, gt=loaded))
        touched = [getattr(e, "certification_id", None) for e in [*theirs, *ours]]
        if None in touched:
            return False  # a whole-year event
        mine = {getattr(e, "certification_id", None) for e in ours}
        return mine.isdisjoint(getattr(e, "certification_id", None) for e in theirs)

    def carry_forward(
        self,
        year: SchoolYear,
        decision: Decision,
        *,
        drops: Sequence[Drop] = (),
        moves: Sequence[Move] = (),
        renames: Sequence[tuple[str, str]] = (),
        additions: Sequence[PlacementSpec] = (),
        recorded_by: str,
        expected_version: int | None = None,
        dry_run: bool = False,
    ) -> Recorded:
        """Open the next year as this year's list, minus and plus named changes.

        Both years are saved in one transaction, so a change to this year recorded
        meanwhile makes the carry-forward a conflict instead of being silently left out.
        """
        source = self._catalog_at(year, expected_version)
        for certification, new_name in renames:
            self._check_name_free(source, certification, new_name)
        target_year = year.next()
        if YearCatalog.create_id(target_year) in self.repository:
            raise AlreadyRecordedError(
                f"School year {target_year} is already on record; carry forward opens a new year"
            )
        target = source.carry_forward(
            decision, drops=drops, moves=moves, renames=renames,
            additions=self.listings(source, additions), recorded_by=recorded_by,
            today=self.today(),
        )
        return self._save(target_year, [source, target], dry_run=dry_run)

    def import_list(
        self, listing: CertificationList, *, recorded_by: str, dry_run: bool = False
    ) -> Recorded:
        """Record the decisions a document evidences; what is already on record is skipped.

        The SWIB vote (every row, recognized or not) comes first, then the SBE approval
        of every row (the document lists what the SBE approved; whether the SWIB
        recognized a row is a separate fact), both in one transaction. Every date the
        document gives is checked against its school year, whether or not anything
        is left to record under it. Importing the same document again records nothing.
        """
        listing.check()
        decisions = _decisions_of(listing)
        for _, decision in decisions:
            decision.check_for(listing.school_year, today=self.today())
        catalog = self._catalog_or_open(listing.school_year, decisions[0][1], recorded_by)
        self._check_rows_distinct(catalog, listing)
        unchanged = 0
        for body, decision in decisions:
            rows = list(listing.rows)
            if catalog.has_document(body, listing.sha256):
                # This very document was read for this decision before: later decisions
                # may have changed its rows' standing, but each row must be on record.
                self._check_same_reading(catalog, listing, body)
                unchanged += len(rows)
                continue
            new: list[tuple[ListedRow, Listing]] = []
            for row in rows:
                listing_ = self._listing_of(catalog, row)
                if catalog.is_settled(listing_, body, recognized=row.swib_recognized):
                    unchanged += 1
                else:
                    new.append((row, listing_))
            if not new:
                continue
            if body is Body.SWIB:
                for recognized in (True, False):
                    batch = [lst for row, lst in new if row.swib_recognized is recognized]
                    if batch:
                        catalog.record_swib_vote(
                            decision, batch, recognized=recognized, recorded_by=recorded_by,
                            today=self.today(),
                        )
            else:
                catalog.approve(
                    decision, [lst for _, lst in new], recorded_by=recorded_by, today=self.today()
                )
        result = self._save(listing.school_year, [catalog], dry_run=dry_run)
        return replace(result, dry_run=dry_run, unchanged=unchanged, notes=list(listing.corrections))

    def _check_rows_distinct(self, catalog: YearCatalog, listing: CertificationList) -> None:
        """Refuse a list that names one placement twice, also under two names of one
        certification (its former name and its current one, say)."""
        seen: dict[str, ListedRow] = {}
        for row in listing.rows:
            key = self._listing_of(catalog, row).placement.key
            first = seen.setdefault(key, row)
            if first is not row:
                raise DocumentError(
                    f"{listing.document} line {row.line}: {row.certification!r} under {row.sector} / "
                    f"{row.pathway} is listed twice (also on line {first.line}, as {first.certification!r}); "
                    "nothing was recorded"
                )

    def _check_same_reading(self, catalog: YearCatalog, listing: CertificationList, body: Body) -> None:
        """Refuse a document imported before whose reading now differs from the record
        (read then with other corrections, say): importing it again cannot fix that."""
        missing = [row for row in listing.rows
                   if catalog.standing(self._listing_of(catalog, row).placement) is None]
        if missing:
            first = missing[0]
            raise AlreadyRecordedError(
                f"{listing.document} was already imported for the {body.name}, but {len(missing)} of "
                f"its rows as read now are not on record (such as {first.certification!r} under "
                f"{first.sector} / {first.pathway}, line {first.line}): it was read differently "
                "then. Record the differences as decisions (moves, removals, approvals) instead."
            )

    def _listing_of(self, catalog: YearCatalog, row: ListedRow) -> Listing:
        cert = self.resolve(catalog, row.certification)
        return Listing(Placement.of(row.sector, row.pathway, cert), row.certification, row.line, row.note)

    # -- saving -----------------------------------------------------------------------------

    def _save(self, year: SchoolYear, catalogs: list[YearCatalog], *, dry_run: bool) -> Recorded:
        """Save every pending event of the catalogs in one transaction (or, dry, none)."""
        events: list[Any] = [e for c in catalogs for e in c.pending_events]
        if len(events) > MAX_EVENTS_PER_DECISION:
            raise DecisionTooLargeError(
                f"This decision would record {len(events)} events; one decision records at most "
                f"{MAX_EVENTS_PER_DECISION}. Split the list into several decisions."
            )
        decided = next(c for c in catalogs if c.school_year == year)
        if dry_run or not events:
            # Nothing recorded: report the version the year is still at.
            version = decided.version - len(decided.pending_events)
            return Recorded(year, events, [], version=version, dry_run=dry_run)
        try:
            recordings = self.save(*catalogs)
        except IntegrityError:
            raise ConcurrentChangeError(
                f"School year {year} was changed by another decision while this one was "
                "being recorded; nothing was recorded. Reload and try again."
            ) from None
        if self.repository.cache is not None:
            # Cache the saved state, so the next command does not replay what it just
            # wrote; fast-forwarding still brings in anything saved elsewhere since.
            for catalog in catalogs:
                self.repository.cache.put(catalog.id, catalog)
        positions = [r.notification.id for r in recordings]
        commits = self.recorder.select_commits(positions[-1], 1) if positions else []
        return Recorded(year, events, positions, version=decided.version,
                        recorded_at=commits[0][1] if commits else None)


def _check_version(year: SchoolYear, version: int, expected: int | None) -> None:
    if expected is not None and version != expected:
        raise ConcurrentChangeError(
            f"School year {year} is at version {version}, not {expected}: another decision "
            "was recorded since it was read; nothing was recorded. Reload and try again."
        )


def _decisions_of(listing: CertificationList) -> list[tuple[Body, Decision]]:
    common = {"document": listing.document, "document_sha256": listing.sha256}
    found: list[tuple[Body, Decision]] = []
    if listing.swib_voted_on is not None:
        found.append((Body.SWIB, Decision(
            Body.SWIB, listing.swib_voted_on,
            reference=f"SWIB vote of {listing.swib_voted_on.isoformat()}", **common,
        )))
    if listing.sbe_approved_on is not None:
        found.append((Body.SBE, Decision(
            Body.SBE, listing.sbe_approved_on, reference=listing.sbe_reference,
            business_rule=listing.business_rule, **common,
        )))
    return found


def event_kind(event: DomainEventProtocol[Any]) -> str:
    """The event's kind as the API names it: PlacementApproved -> PLACEMENT_APPROVED."""
    return _kind(type(event).__name__)


@lru_cache(maxsize=64)
def _kind(name: str) -> str:
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name)).upper()
