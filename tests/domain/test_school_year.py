from datetime import date

import pytest

from domain.errors import InvalidSchoolYearError
from domain.school_year import SchoolYear


@pytest.mark.parametrize("label", ["2025-2026", "2025-26", " 2025-2026 ", "2025–2026"])
def test_accepted_labels_print_as_the_full_form(label):
    assert str(SchoolYear.parse(label)) == "2025-2026"


@pytest.mark.parametrize("label", ["2025-2027", "2025", "25-26", "", "2025-25", "2025-2024", "abcd-efgh",
                                   "2025-2026-2027", "1800-1801"])
def test_other_labels_are_refused_naming_the_value(label):
    with pytest.raises(InvalidSchoolYearError) as refused:
        SchoolYear.parse(label)
    assert repr(label) in str(refused.value) or str(int(label[:4])) in str(refused.value)


def test_a_school_year_runs_july_to_june_and_orders_by_start():
    year = SchoolYear.parse("2025-2026")
    assert (year.first_day, year.last_day) == (date(2025, 7, 1), date(2026, 6, 30))
    assert year.next() == SchoolYear(2026) and year.previous() == SchoolYear(2024)
    assert sorted([SchoolYear(2026), SchoolYear(2024)]) == [SchoolYear(2024), SchoolYear(2026)]
