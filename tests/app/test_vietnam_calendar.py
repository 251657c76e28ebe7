"""Vietnam's calendar: today's local date and deadlines in working days."""

from datetime import UTC, date, datetime, timedelta

import pytest

from survey.vietnam_calendar import (
    VIETNAM_UTC_OFFSET,
    add_working_days,
    is_working_day,
    local_today,
)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_today_is_the_date_in_vietnam(app):
    with app.app_context():
        today = local_today()
    now = datetime.now(UTC) + VIETNAM_UTC_OFFSET
    assert today in {now.date(), (now - timedelta(minutes=1)).date()}


def test_an_ordinary_week_works_monday_to_friday():
    week = days(date(2026, 3, 9), date(2026, 3, 15))
    assert [is_working_day(day) for day in week] == [True] * 5 + [False] * 2


def test_tet_2026_as_published_is_nine_days_off():
    # The government's decision: from Saturday 14/2/2026 (27 tháng Chạp) to Sunday 22/2/2026
    # (mùng 6 Tết), nine days in a row.
    assert not any(is_working_day(day) for day in days(date(2026, 2, 14), date(2026, 2, 22)))
    assert is_working_day(date(2026, 2, 13)) and is_working_day(date(2026, 2, 23))


def test_a_deadline_crossing_tet_2026_skips_the_whole_holiday():
    assert add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_a_deadline_crossing_tet_2027():
    # Tết Đinh Mùi: from 29 tháng Chạp (Thursday 4/2/2027) to mùng 5 (Wednesday 10/2/2027).
    assert not any(is_working_day(day) for day in days(date(2027, 2, 4), date(2027, 2, 10)))
    assert add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 11)


def test_a_deadline_crossing_30_april_and_1_may():
    # 2026: Thursday 30/4 and Friday 1/5 off; Hùng Kings' day (Sunday 26/4) moved to Monday 27/4.
    assert add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)
    assert add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 28)
    # 2027: 1/5 falls on a Saturday and is given back on Monday 3/5.
    assert add_working_days(date(2027, 4, 29), 1) == date(2027, 5, 4)


def test_a_deadline_crossing_national_day_2026_counts_the_saturday_worked_in_exchange():
    # Monday 31/8 off in exchange for Saturday 22/8 worked; 1/9 and 2/9 are the holiday.
    assert is_working_day(date(2026, 8, 22))
    assert add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)
    assert add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)


def test_a_deadline_crossing_new_year():
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_the_callers_extra_days_off_are_skipped_too():
    extra = {date(2026, 9, 3)}
    assert not is_working_day(date(2026, 9, 3), extra)
    assert add_working_days(date(2026, 8, 28), 1, extra_holidays=extra) == date(2026, 9, 4)


def test_zero_working_days_is_the_start_and_negative_counts_are_refused():
    assert add_working_days(date(2026, 2, 14), 0) == date(2026, 2, 14)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 2, 14), -1)
