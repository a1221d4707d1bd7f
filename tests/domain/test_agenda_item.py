"""The SBE consent-agenda reader against the real document of April 17, 2025, item J."""

import hashlib
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from domain.documents.agenda_item import read_agenda_item
from domain.documents.corrections import Corrections
from domain.errors import DocumentError, StatedCountMismatchError
from tests.conftest import SEED, expected_rows

CORRECTIONS = SEED.with_name("sbe-2025-04-17-consent-item-j.corrections.toml")
TEXT = SEED.read_text(encoding="utf-8")
SHA = hashlib.sha256(SEED.read_bytes()).hexdigest()


def read(text=TEXT, corrections=None, sha=SHA):
    fixes = Corrections.parse(CORRECTIONS.read_text(), "c") if corrections is None else corrections
    return read_agenda_item(text, document=SEED.name, sha256=sha, corrections=fixes)


def test_reads_exactly_the_expected_rows_row_for_row():
    listing = read()
    assert [row.as_tuple() for row in listing.rows] == expected_rows()


def test_the_seed_has_52_rows_39_certifications_6_sectors_22_pathways():
    rows = read().rows
    assert len(rows) == 52
    assert len({r.certification for r in rows}) == 39
    assert len({r.sector for r in rows}) == 6
    assert len({(r.sector, r.pathway) for r in rows}) == 22
    assert Counter(r.certification for r in rows)["NCCER Core Curriculum"] == 9


def test_reads_the_decisions_the_document_evidences():
    listing = read()
    assert str(listing.school_year) == "2025-2026"
    assert listing.sbe_approved_on == date(2025, 4, 17)
    assert listing.swib_voted_on == date(2025, 2, 20)
    assert (listing.agenda_item, listing.business_rule, listing.stated_count) == ("J", "9.2", 52)


def test_corrections_are_recorded_on_the_rows_they_change():
    by_line = {r.line: r for r in read().rows}
    assert by_line[68].certification == "ASE Medium/Heavy Truck: Suspension and Steering"
    assert by_line[68].pathway == "Diesel Service Technician"
    assert "one row early" in by_line[68].note
    assert by_line[77].note.startswith("stray 'Certification:' prefix")
    assert sum(1 for r in read().rows if "one row early" in r.note) == 3


def test_without_the_corrections_the_literal_reading_is_wrong_but_complete():
    rows = read(corrections=Corrections()).rows
    assert len(rows) == 52
    pathways = Counter(r.pathway for r in rows)
    assert pathways["Diesel Service Technician"] == 4 and pathways["Transportation Logistics"] == 3


def test_a_document_claiming_53_certifications_is_refused():
    claims_53 = TEXT.replace("these 52 industry", "these 53 industry").replace("The 52 industry", "The 53 industry")
    unpinned = replace(Corrections.parse(CORRECTIONS.read_text(), "c"), document_sha256="")
    with pytest.raises(StatedCountMismatchError,
                       match="states 53 industry certifications but its table reads as 52 rows"):
        read(claims_53, corrections=unpinned, sha=hashlib.sha256(claims_53.encode()).hexdigest())


def test_a_stale_correction_is_refused_not_ignored():
    stale = Corrections.parse(
        '[[pathway_label_shift]]\nsector = "Manufacturing"\npathway = "Robotics"\nrows = 1\nreason = "x"\n', "c")
    with pytest.raises(DocumentError, match="matches no pathway label 'Robotics'"):
        read(corrections=stale)


def test_corrections_reviewed_against_another_text_are_refused():
    with pytest.raises(DocumentError, match="reviewed against a different text"):
        read(TEXT + "\n", sha=hashlib.sha256((TEXT + "\n").encode()).hexdigest())


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda t: t.replace("for the 2025-2026 school year", "for the school year"), "does not name its school year"),
    (lambda t: t.replace("these 52 industry certifications", "these industry certifications"), "was not found"),
    (lambda t: t.replace("SWIB Recognized", "Recognized"), "no table header"),
    (lambda t: t.replace("Autodesk Certified User - AutoCAD\tYes", "Autodesk Certified User - AutoCAD\tMaybe"),
     "cannot read row"),
    (lambda t: t[: t.index("Welding\tNCCER")], "states 52 industry certifications but its table reads as 22 rows"),
    (lambda t: t.replace("Approval of industry certifications", "Approval of something"), "no agenda item"),
    (lambda t: "\x00\x01binary", "not a text document"),
])
def test_malformed_documents_are_refused_with_a_specific_message(mangle, message):
    text = mangle(TEXT)
    with pytest.raises(DocumentError, match=message):
        read(text, corrections=Corrections())


def shifted_rows(pathway: str, rows: int, reason: str):
    """The rows read with one label shift, and the lines whose pathway it changes."""
    shift = Corrections.parse(
        '[[pathway_label_shift]]\nsector = "Transportation & Logistics"\n'
        f'pathway = "{pathway}"\nrows = {rows}\nreason = "{reason}"\n', "c")
    literal = {r.line: r for r in read(corrections=Corrections()).rows}
    shifted = {r.line: r for r in read(corrections=shift).rows}
    return shifted, sorted(line for line in literal if literal[line].pathway != shifted[line].pathway)


def test_a_label_moved_two_rows_notes_every_row_whose_pathway_changes():
    shifted, changed = shifted_rows("Collision Repair Technician - Non-Structural", 2, "checked: two rows early")
    assert len(changed) == 2
    assert all(shifted[line].note == "checked: two rows early" for line in changed)
    assert not any("two rows early" in shifted[line].note for line in shifted if line not in changed)


def test_a_label_moved_up_notes_the_rows_it_now_heads():
    shifted, changed = shifted_rows("Transportation Logistics", -1, "checked: one row late")
    assert len(changed) == 1 and shifted[changed[0]].pathway == "Transportation Logistics"
    assert shifted[changed[0]].note == "checked: one row late"


def test_the_swib_vote_date_may_be_printed_with_the_month_name():
    text = TEXT.replace("2/20/2025", "February 20, 2025")
    listing = read(text, corrections=Corrections(), sha=hashlib.sha256(text.encode()).hexdigest())
    assert listing.swib_voted_on == date(2025, 2, 20)


@pytest.mark.parametrize("printed", ["", "Feb. 20th", "2/30/2025"])
def test_a_table_of_swib_recognitions_without_a_readable_vote_date_is_refused(printed):
    text = TEXT.replace("2/20/2025", printed)
    with pytest.raises(DocumentError, match="SWIB vote date"):
        read(text, corrections=Corrections(), sha=hashlib.sha256(text.encode()).hexdigest())


@pytest.mark.parametrize("filler", ["-\n", " \n", ". \n", "J.\n", "J.\n \n"],
                         ids=["dashes", "blank", "dots", "letters", "letters-and-blanks"])
def test_a_document_of_many_short_punctuation_lines_is_refused_in_linear_time(filler):
    """Patterns anchored at each line must not run on across the lines after it: that
    made the reading time grow with the square of the line count (hours at 400,000)."""
    import subprocess
    import sys

    program = (
        "from domain.documents.agenda_item import read_agenda_item\n"
        "from domain.documents.corrections import Corrections\n"
        "from domain.errors import DocumentError\n"
        f"text = {filler!r} * 400_000\n"
        "try:\n"
        "    read_agenda_item(text, document='d.txt', sha256='0', corrections=Corrections.parse('', 'c'))\n"
        "except DocumentError as e:\n"
        "    print(e)\n"
    )
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                         cwd=SEED.parent.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("d.txt: ")


@pytest.mark.parametrize(("reason", "message"), [
    ('"\\u0000\\u001b[2J shifted"', "is not valid text"),   # TOML escapes, decoded before the check
    ('"\\u3164"', "A reason is required"),                  # a letter that prints as nothing
    (f'"{"x" * 600}"', "longer than 500 characters"),
])
def test_a_correction_whose_reason_could_not_stand_in_the_record_is_refused(reason, message):
    text = ('[[pathway_label_shift]]\nsector = "Transportation & Logistics"\n'
            f'pathway = "Logistics"\nrows = 1\nreason = {reason}\n')
    with pytest.raises(DocumentError, match=f"c.toml: pathway_label_shift #1: .*{message}"):
        Corrections.parse(text, "c.toml")


def test_the_item_title_may_follow_its_letter_on_the_next_line():
    """PDF text often breaks the line after the item letter."""
    broken = TEXT.replace("J. Approval of industry", "J.\nApproval of industry", 1)
    assert broken != TEXT
    assert [r.as_tuple() for r in read(broken).rows] == expected_rows()  # the pinned corrections still apply
