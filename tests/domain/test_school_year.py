from datetime import date

import pytest

from domain.errors import InvalidSchoolYearError
from domain.school_year import SchoolYear


@pytest.mark.parametrize("label", ["2025-2026", "2025-26"])
def test_the_two_accepted_forms_print_as_the_full_form(label):
    assert str(SchoolYear.parse(label)) == "2025-2026"


def test_a_century_turn_reads_in_the_short_form():
    assert str(SchoolYear.parse("1999-00")) == "1999-2000"


@pytest.mark.parametrize("label", ["2025-2027", "2025", "25-26", "", "2025-25", "2025-2024", "abcd-efgh",
                                   "2025-2026-2027", "1800-1801", "2025/2026", "2025–2026", "2025 - 2026",
                                   " 2025-2026", "2025-2026\n", "２０２５-２０２６", "0000-0001"])
def test_anything_else_is_refused_naming_the_value(label):
    with pytest.raises(InvalidSchoolYearError) as refused:
        SchoolYear.parse(label)
    assert repr(label) in str(refused.value)


def test_a_zero_padded_year_is_refused_for_its_range_not_its_span():
    with pytest.raises(InvalidSchoolYearError, match="start between 1900 and 2999"):
        SchoolYear.parse("0000-0001")


def test_a_school_year_runs_july_to_june_and_orders_by_start():
    year = SchoolYear.parse("2025-2026")
    assert (year.first_day, year.last_day) == (date(2025, 7, 1), date(2026, 6, 30))
    assert year.next() == SchoolYear(2026) and year.previous() == SchoolYear(2024)
    assert sorted([SchoolYear(2026), SchoolYear(2024)]) == [SchoolYear(2024), SchoolYear(2026)]
