"""The importer against malformed, truncated, huge and binary documents: each is refused
with a clear message (a DocumentError or another deliberate refusal) and writes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import CertLedgerError, DocumentError
from events.importing import MAX_DOCUMENT_BYTES, read_document
from events.store import Store, StoreLocation
from tests.conftest import SEED, TODAY

TEXT = SEED.read_bytes()
# The seed's corrections, unpinned from its exact text so they apply to mangled copies.
CORRECTIONS = "\n".join(line for line in SEED.with_name("sbe-2025-04-17-consent-item-j.corrections.toml")
                         .read_text().splitlines() if not line.startswith("document_sha256"))


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """The seed, cut, spliced, duplicated or sprinkled with bytes."""
    data = bytearray(TEXT)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["cut", "insert", "delete", "duplicate"]))
        if how == "cut":
            del data[where:]
        elif how == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=40))
        elif how == "delete":
            del data[where:where + draw(st.integers(1, 400))]
        else:
            data[where:where] = data[max(0, where - 300):where]
    return bytes(data)


def attempt(content: bytes, corrections: str | None) -> None:
    store = Store(StoreLocation.parse("memory"), today=lambda: TODAY)
    try:
        try:
            listing = read_document(content, name="fuzzed.txt", corrections_text=corrections)
            store.ledger.import_list(listing, recorded_by="fuzz")
        except CertLedgerError as refused:
            assert str(refused).strip(), "a refusal must say why"
            assert (store.ledger.recorder.max_notification_id() or 0) == 0, "a refused import wrote"
    finally:
        store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled(), st.booleans())
def test_a_mangled_agenda_text_is_imported_whole_or_refused_cleanly(content, with_corrections):
    attempt(content, CORRECTIONS if with_corrections else None)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_are_refused_cleanly(content):
    attempt(content, None)


def test_huge_and_binary_documents_are_refused_with_a_message():
    for content, message in [
        (b"x" * (MAX_DOCUMENT_BYTES + 1), "larger than 5 MiB"),
        (b"%PDF-1.7\n\x00\x01\x02", "not a text document"),
        (bytes(range(256)) * 10, "not UTF-8 text"),
        (b"", "empty"),
    ]:
        try:
            read_document(content, name="odd.bin")
        except DocumentError as e:
            assert message in str(e), (message, str(e))
        else:
            raise AssertionError(f"{message!r} document was accepted")
