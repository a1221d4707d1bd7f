"""The named changes of a carry-forward, checked against the list carried before any
event is triggered: contradictory instructions are refused rather than one picked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.certification import Listing, Placement, certification_key, clean_name
from domain.decision import require_reason
from domain.errors import (
    AlreadyListedError,
    InvalidInputError,
    NameTakenError,
    UnknownCertificationError,
    UnknownPlacementError,
    shown,
)
from domain.standing import Drop, Move, Standing, require_both

if TYPE_CHECKING:
    from domain.catalog import YearCatalog


def _resolve(source: YearCatalog, carried: list[Standing], name_or_id: str) -> str:
    """A certification on the list being carried forward, by id or name."""
    cert = source.certification_id_for(name_or_id)
    if cert is None or not any(s.certification_id == cert for s in carried):
        raise UnknownCertificationError(
            f"Unknown certification {shown(name_or_id)} in {source.school_year}"
        )
    return cert


@dataclass
class CarryPlan:
    """The named changes of a carry-forward, checked against the list carried."""

    drops: dict[str, list[Drop]]
    moves: dict[str, Move]
    renames: list[tuple[str, str]]
    names: dict[str, str]

    @classmethod
    def make(
        cls,
        source: YearCatalog,
        carried: list[Standing],
        drops: Sequence[Drop],
        moves: Sequence[Move],
        renames: Sequence[tuple[str, str]],
        additions: Sequence[Listing],
    ) -> CarryPlan:
        """Check every named change; refuse contradictory ones rather than pick one."""
        plan = cls({}, {}, [], {})
        plan._check_drops(source, carried, drops)
        plan._check_moves(source, carried, moves)
        plan._check_renames(source, carried, renames)
        plan._check_additions(source, carried, additions)
        return plan

    def _check_drops(self, source: YearCatalog, carried: list[Standing], drops: Sequence[Drop]) -> None:
        keys = {s.placement.key for s in carried}
        for drop in drops:
            require_reason(drop.reason)
            cert = _resolve(source, carried, drop.certification_id)
            if drop.sector or drop.pathway:
                require_both(drop)
                key = Placement.of(drop.sector, drop.pathway, cert).key
                if key not in keys:
                    raise UnknownPlacementError(
                        f"{source.names[cert]!r} is not listed under {drop.sector} / "
                        f"{drop.pathway} in {source.school_year}"
                    )
            resolved = Drop(cert, drop.reason, drop.sector, drop.pathway)
            if any(self._overlaps(resolved, d) for d in self.drops.get(cert, [])):
                raise InvalidInputError(f"{source.names[cert]!r} is removed twice")
            self.drops.setdefault(cert, []).append(resolved)

    def _check_moves(self, source: YearCatalog, carried: list[Standing], moves: Sequence[Move]) -> None:
        keys = {s.placement.key for s in carried}
        targets: set[str] = set()
        for move in moves:
            cert = _resolve(source, carried, move.certification_id)
            name = source.names[cert]
            key = Placement.of(move.sector, move.pathway, cert).key
            target = Placement.of(move.to_sector, move.to_pathway, cert).key
            if key not in keys:
                raise UnknownPlacementError(
                    f"{name!r} is not listed under {move.sector} / {move.pathway} in {source.school_year}"
                )
            if key in self.moves:
                raise InvalidInputError(f"{name!r} under {move.sector} / {move.pathway} is moved twice")
            if self.drop_for_key(key) is not None:
                raise InvalidInputError(
                    f"{name!r} under {move.sector} / {move.pathway} is both removed and moved")
            if target in keys or target in targets:
                raise AlreadyListedError(
                    f"{name!r} is already listed under {move.to_sector} / {move.to_pathway}"
                )
            targets.add(target)
            self.moves[key] = Move(cert, move.sector, move.pathway, move.to_sector, move.to_pathway)

    def _check_renames(
        self, source: YearCatalog, carried: list[Standing], renames: Sequence[tuple[str, str]]
    ) -> None:
        new_keys: dict[str, str] = {}
        for name_or_id, new_name in renames:
            cert = _resolve(source, carried, name_or_id)
            cleaned = clean_name(new_name)
            if cert in self.names:
                raise InvalidInputError(f"{source.names[cert]!r} is renamed twice")
            if cleaned == source.names[cert]:
                raise InvalidInputError(f"{cert!r} is already named {cleaned!r}")
            if all(self.drop_for_key(s.placement.key) for s in carried if s.certification_id == cert):
                raise InvalidInputError(f"{source.names[cert]!r} is both removed and renamed")
            key = certification_key(cleaned)
            other = new_keys.get(key) or source.aliases.get(key)
            if other is not None and other != cert:
                raise NameTakenError(f"The name {cleaned!r} belongs to another certification, {other!r}")
            new_keys[key] = cert
            self.renames.append((cert, cleaned))
            self.names[cert] = cleaned

    def _check_additions(
        self, source: YearCatalog, carried: list[Standing], additions: Sequence[Listing]
    ) -> None:
        keys = {s.placement.key for s in carried}
        moved_to = {Placement.of(m.to_sector, m.to_pathway, m.certification_id).key for m in self.moves.values()}
        added: set[str] = set()
        new_names = {certification_key(name): cert for cert, name in self.names.items()}
        for listing in additions:
            key = listing.placement.key
            label = f"{listing.certification_name!r} under {listing.placement.describe()}"
            if key in keys and self.drop_for_key(key) is not None:
                raise InvalidInputError(f"{label} is both removed and added")
            if key in keys or key in moved_to:
                raise AlreadyListedError(
                    f"{label} is already on the {source.school_year} list being carried forward"
                )
            renamed = new_names.get(certification_key(listing.certification_name))
            if renamed is not None and renamed != listing.certification_id:
                raise NameTakenError(
                    f"The name {listing.certification_name!r} is given to {renamed!r} by a rename in this "
                    "decision; an addition cannot take it too"
                )
            if key in added:
                raise InvalidInputError(f"{label} is listed twice")
            added.add(key)

    def _overlaps(self, a: Drop, b: Drop) -> bool:
        whole = not (a.sector or a.pathway) or not (b.sector or b.pathway)
        return whole or Placement.of(a.sector, a.pathway, a.certification_id).key == Placement.of(
            b.sector, b.pathway, b.certification_id).key

    def drop_for_key(self, key: str) -> Drop | None:
        cert = key.rsplit("|", 1)[-1]
        for drop in self.drops.get(cert, []):
            if not (drop.sector or drop.pathway):
                return drop
            if Placement.of(drop.sector, drop.pathway, cert).key == key:
                return drop
        return None

    def drop_for(self, standing: Standing) -> Drop | None:
        return self.drop_for_key(standing.placement.key)

    def move_for(self, standing: Standing) -> Move | None:
        return self.moves.get(standing.placement.key)
