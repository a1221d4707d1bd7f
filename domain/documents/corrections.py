"""Reviewed corrections to the reading of a document, each with its reason.

Text extracted from a PDF can misplace a label. Rather than special-casing such
rows in code, a correction is written down beside the document
(``<document>.corrections.toml``), reviewed like code, and applied by the reader;
every row it changes carries the reason into the record. A correction that
matches nothing in the document is refused, so a stale one cannot pass silently.

    document_sha256 = "..."          # optional: the exact text the corrections were reviewed against

    [[pathway_label_shift]]
    sector = "Transportation & Logistics"
    pathway = "Collision Repair Technician - Paint"
    rows = 1                         # the label belongs this many rows further down
    reason = "..."
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from domain.certification import clean_name
from domain.decision import require_reason
from domain.errors import CertLedgerError, DocumentError, is_storable


@dataclass(frozen=True, slots=True)
class PathwayLabelShift:
    """A pathway label printed ``rows`` rows before the first row it belongs to."""

    sector: str
    pathway: str
    rows: int
    reason: str

    def describe(self) -> str:
        direction = "down" if self.rows > 0 else "up"
        return f"pathway label {self.pathway!r} moved {abs(self.rows)} row(s) {direction}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Corrections:
    """The corrections reviewed for one document."""

    pathway_label_shifts: tuple[PathwayLabelShift, ...] = ()
    document_sha256: str = ""

    @classmethod
    def parse(cls, text: str, source: str) -> Corrections:
        """Read a corrections file; refuse unknown keys and missing reasons."""
        if not is_storable(text):
            raise DocumentError(f"{source}: not valid text")
        try:
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError) as e:
            raise DocumentError(f"{source}: not valid TOML ({str(e)[:200] or 'nested too deeply'})") from None
        unknown = set(data) - {"document_sha256", "pathway_label_shift"}
        if unknown:
            raise DocumentError(f"{source}: unknown keys {sorted(unknown)}")
        entries = data.get("pathway_label_shift", [])
        if not isinstance(entries, list):
            raise DocumentError(f"{source}: pathway_label_shift must be a list of [[pathway_label_shift]] tables")
        shifts = []
        for i, entry in enumerate(entries, start=1):
            shifts.append(_shift(entry, f"{source}: pathway_label_shift #{i}"))
        sha = data.get("document_sha256", "")
        if not isinstance(sha, str):
            raise DocumentError(f"{source}: document_sha256 must be text")
        return cls(tuple(shifts), sha)

    def check_document(self, sha256: str, document: str) -> None:
        if self.document_sha256 and self.document_sha256 != sha256:
            raise DocumentError(
                f"{document}: its corrections were reviewed against a different text "
                f"(sha256 {self.document_sha256[:12]}..., this one is {sha256[:12]}...); "
                "review them again before importing"
            )


def _shift(entry: object, where: str) -> PathwayLabelShift:
    if not isinstance(entry, dict) or set(entry) != {"sector", "pathway", "rows", "reason"}:
        raise DocumentError(f"{where}: expected exactly sector, pathway, rows and reason")
    rows, reason = entry["rows"], entry["reason"]
    if not isinstance(rows, int) or isinstance(rows, bool) or rows == 0 or abs(rows) > 10:
        raise DocumentError(f"{where}: rows must be a non-zero whole number up to 10")
    if not all(isinstance(entry[k], str) for k in ("sector", "pathway", "reason")):
        raise DocumentError(f"{where}: sector, pathway and reason must be text")
    # Checked as the text they become (TOML escapes such as \u0000 are decoded by now):
    # the reason goes into the record of every row the correction changes.
    try:
        sector = clean_name(entry["sector"], "industry sector")
        pathway = clean_name(entry["pathway"], "program pathway")
        reason = require_reason(reason)
    except CertLedgerError as e:
        raise DocumentError(f"{where}: {e}") from None
    return PathwayLabelShift(sector, pathway, rows, reason)
