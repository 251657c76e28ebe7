"""Periods are Vietnam-local days; the helpers build months, quarters, years and custom spans."""

from datetime import date, datetime

import pytest

from survey.collect.models import Channel
from survey.results.filters import Period, ReportFilter, vietnam_local_date


def test_a_quarter_string_gives_its_three_months():
    period = Period.parse("2026-Q3")
    assert (period.start, period.end) == (date(2026, 7, 1), date(2026, 10, 1))
    assert period.label == "2026-Q3" and period.months == 3


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
    ],
)
def test_months_quarters_and_years_parse_and_print_back(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)
    assert period.label == text


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Quý 3/2026", "2026-Q3"),
        ("quý III/2026", "2026-Q3"),
        ("QUÝ IV/2026", "2026-Q4"),
        ("Q3/2026", "2026-Q3"),
        ("q1-2026", "2026-Q1"),
        ("2026-q3", "2026-Q3"),
        ("quý 2 năm 2026", "2026-Q2"),
        ("Quy\u0301 3/2026", "2026-Q3"),  # typed with a combining accent (NFD)
        ("tháng 7/2026", "2026-07"),
        ("Tháng 12 năm 2026", "2026-12"),
        ("07/2026", "2026-07"),
        ("7/2026", "2026-07"),
        ("  2026-07 ", "2026-07"),
        ("năm 2026", "2026"),
        ("Năm  2026", "2026"),
    ],
)
def test_periods_as_vietnamese_officers_write_them(text, label):
    assert Period.parse(text).label == label


@pytest.mark.parametrize(
    "text",
    [
        "2026-Q5",
        "2026-13",
        "26-Q1",
        "Q3",
        "",
        "2026-7",
        "quý 5/2026",
        "quý V/2026",
        "tháng 13/2026",
        "13/2026",
        "0/2026",
        "3 năm 2026",
        "2026/07",
        "năm",
    ],
)
def test_malformed_periods_are_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_the_previous_period_has_the_same_length():
    assert Period.parse("2026-Q1").previous() == Period.parse("2025-Q4")
    assert Period.parse("2026-03").previous() == Period.parse("2026-02")
    assert Period.parse("2026").previous() == Period.parse("2025")
    week = Period.custom(date(2026, 3, 2), date(2026, 3, 8))
    assert week.previous() == Period.custom(date(2026, 2, 23), date(2026, 3, 1))
    assert not week.is_whole_months and week.label == "2026-03-02..2026-03-08"


def test_a_custom_period_includes_its_last_day_and_must_not_be_empty():
    assert Period.custom(date(2026, 1, 1), date(2026, 1, 1)).end == date(2026, 1, 2)
    with pytest.raises(ValueError):
        Period(date(2026, 1, 2), date(2026, 1, 1))


def test_half_past_eleven_utc_is_the_next_day_in_vietnam():
    assert vietnam_local_date(datetime(2026, 7, 31, 23, 30)) == date(2026, 8, 1)
    assert vietnam_local_date(datetime(2026, 7, 31, 16, 59)) == date(2026, 7, 31)
    assert vietnam_local_date(datetime(2026, 7, 31, 17, 0)) == date(2026, 8, 1)


def test_a_period_covers_utc_moments_from_five_pm_the_day_before():
    low, high = Period.parse("2026-08").utc_bounds()
    assert (low, high) == (datetime(2026, 7, 31, 17, 0), datetime(2026, 8, 31, 17, 0))


def test_filters_take_plain_values_and_keep_them_immutable():
    report_filter = ReportFilter(Period.parse("2026"), agency_ids={3, 4}, channel="kiosk")
    assert report_filter.agency_ids == frozenset({3, 4})
    assert report_filter.channel is Channel.KIOSK
    previous = report_filter.with_period(Period.parse("2025"))
    assert previous.agency_ids == report_filter.agency_ids and previous.period.label == "2025"


def test_the_whole_months_inside_a_period():
    assert Period.custom(date(2026, 1, 31), date(2026, 4, 12)).whole_months_inside() == Period(
        date(2026, 2, 1), date(2026, 4, 1)
    )
    assert Period(date(2026, 2, 1), date(2026, 3, 10)).whole_months_inside() == Period.month(
        2026, 2
    )
    assert Period.parse("2026-Q1").whole_months_inside() == Period.parse("2026-Q1")
    assert Period.custom(date(2026, 1, 15), date(2026, 2, 20)).whole_months_inside() is None
