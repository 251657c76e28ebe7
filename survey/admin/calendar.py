"""The days the administrator adds to Vietnam's calendar: an extra day off, or a Saturday
worked in exchange for a bridging day off, announced by the government each year.

The public holidays themselves (Tết and the others) come from the maintained ``holidays``
package (:mod:`survey.vietnam_calendar`); this list is for what it does not know yet.
Deadlines of feedback cases opened afterwards count with these days.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.admin import blueprint
from survey.admin.changes import Audited
from survey.admin.common import administrator_required
from survey.admin.forms import CalendarDayForm
from survey.admin.pages import RecordForm, list_page
from survey.db import db
from survey.vietnam_calendar import CalendarDay


def calendar_day_values(day: CalendarDay) -> dict:
    return {
        "day": day.day.isoformat(),
        "is_working_day": day.is_working_day,
        "note": day.note,
    }


CALENDAR_DAYS = Audited(CalendarDay, "calendar_day", calendar_day_values, key="day")


@blueprint.get("/calendar/")
@administrator_required
def calendar_days():
    statement = select(CalendarDay).order_by(CalendarDay.day.desc())
    return list_page("admin/calendar/index.html", statement)


def _calendar_day_change(form: CalendarDayForm, session: Session, day: CalendarDay | None):
    day = day or CalendarDay()
    day.day = form.day.data
    day.is_working_day = form.is_working_day.data == "1"
    day.note = form.note.data
    return day


CALENDAR_DAY_FORM = RecordForm(
    CALENDAR_DAYS,
    "admin/calendar/form.html",
    "calendar_day",
    lambda day: CalendarDayForm(record=day),
    _calendar_day_change,
    created=_l("The day %(day)s was added to the calendar."),
    saved=_l("The day %(day)s was saved."),
    address=lambda day: url_for("admin.calendar_days"),
)


@blueprint.route("/calendar/new", methods=["GET", "POST"], endpoint="create_calendar_day")
@blueprint.route("/calendar/<int:day_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_calendar_day(day_id: int | None = None):
    return CALENDAR_DAY_FORM.page(db.get_or_404(CalendarDay, day_id) if day_id else None)
