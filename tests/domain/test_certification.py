import pytest

from domain.certification import Placement, certification_key, clean_name
from domain.errors import InvalidNameError


def test_key_ignores_punctuation_dashes_case_and_trademark_signs():
    printed = "PCEP™ – Certified Entry-Level Python Programmer"
    assert certification_key(printed) == "pcep-certified-entry-level-python-programmer"
    assert certification_key("PCEP - certified entry level Python programmer") == certification_key(printed)


def test_plus_and_ampersand_are_spelled_out_so_distinct_names_stay_distinct():
    assert certification_key("CompTIA A+") == "comptia-a-plus" != certification_key("CompTIA A")
    assert certification_key("Heating, Ventilation, & Air Conditioning") == certification_key(
        "Heating, Ventilation, and Air Conditioning")


def test_key_is_its_own_key():
    key = certification_key("NIMS: Machining Level 1 - Measurement, Materials, & Safety")
    assert key == "nims-machining-level-1-measurement-materials-and-safety"
    assert certification_key(key) == key


def test_printed_name_is_kept_exactly_with_whitespace_collapsed():
    assert clean_name("  PCEP™ –  Certified\tEntry-Level Python Programmer ") == (
        "PCEP™ – Certified Entry-Level Python Programmer"
    )


@pytest.mark.parametrize("name", ["", "   ", "—", "™"])
def test_names_without_letters_or_digits_are_refused(name):
    with pytest.raises(InvalidNameError, match="no Latin letters or digits"):
        clean_name(name)


def test_placement_key_normalises_sector_and_pathway_punctuation():
    a = Placement.of("Architecture & Construction", "Heating, Ventilation, & Air Conditioning", "x")
    b = Placement.of("architecture and construction", "Heating Ventilation and Air Conditioning", "x")
    assert a.key == b.key
