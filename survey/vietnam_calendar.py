"""Vietnam's calendar: today's local date, the UTC offset, and working days.

Vietnam is UTC+7 all year (no daylight saving since 1975). Working days are the days
public bodies are open: Monday to Friday, less the public holidays (Tết, Hùng Kings,
30/4, 1/5, 2/9, …) and the days off moved by the government's yearly decision, plus the
Saturdays worked in exchange. Those come from the maintained ``holidays`` package, which
follows each year's decision; the administrator's own changes (a day off or a Saturday
worked that the package does not know yet) are passed by the caller as ``extra_holidays``
and ``extra_working_days``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Model

if TYPE_CHECKING:
    import holidays


class CalendarDay(Model):
    """A day the administrator adds to the calendar: an extra day off, or a day worked (a
    Saturday worked in exchange for a bridging day off) that ``holidays`` does not know yet.
    Edited on the admin page :mod:`survey.admin.calendar`."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    #: True: a day worked (a Saturday in exchange); False: an extra day off.
    is_working_day: Mapped[bool]
    note: Mapped[str] = mapped_column(String(200))


#: Vietnam's offset from UTC, the same all year.
VIETNAM_UTC_OFFSET = timedelta(hours=7)


def local_today() -> date:
    """Today in the platform's time zone (a reorganisation takes effect at local midnight)."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def reports_today() -> date:
    """The day the reports take as today to tell a calendar year that has ended from the
    current one (:func:`survey.results.period_units.ended_year`): ``REPORTS_TODAY`` when
    set (the tests fix it, so that their data's year ends on no calendar day), else
    :func:`local_today`."""
    fixed = current_app.config.get("REPORTS_TODAY")
    if fixed is None:
        return local_today()
    return fixed if isinstance(fixed, date) else date.fromisoformat(str(fixed))


@cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    # Imported here: the package takes about 0.1 s to import, and most processes (every
    # command, every request but a deadline's) never need it.
    import holidays

    # Built once per year and process: the package computes the lunar dates on creation.
    return holidays.country_holidays("VN", years=year)


def is_working_day(
    day: date, extra_holidays: Collection[date] = (), extra_working_days: Collection[date] = ()
) -> bool:
    """Whether public bodies work on ``day``: not a weekend (unless a Saturday worked in
    exchange for a bridging day off), not a public holiday, not one of ``extra_holidays``;
    always one of ``extra_working_days``."""
    if day in extra_holidays:
        return False
    if day in extra_working_days:
        return True
    return _public_holidays(day.year).is_working_day(day)


def add_working_days(
    start: date,
    n: int,
    extra_holidays: Collection[date] = (),
    extra_working_days: Collection[date] = (),
) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself does not count).

    A deadline of "5 working days" from a request received on ``start`` falls on
    ``add_working_days(start, 5)``; ``n = 0`` gives ``start`` itself.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day, extra_holidays, extra_working_days):
            n -= 1
    return day
