"""Responsiveness to citizens' feedback as a reform measure (SIPAS factor 5, "tiếp nhận, xử
lý góp ý, phản ánh, kiến nghị", as it happens): for the cases opened in a report's period and
scope, per agency handling them and for the whole scope, how many opened, the shares
acknowledged and answered in time, the median working days to an answer and how many are
overdue now.

A share counts only the cases whose deadline has passed or that were already dealt with: a
case opened yesterday is neither on time nor late yet. "In time" is on or before the
deadline, in Vietnam's dates; a transferred case is counted at the agency handling it now,
against the deadline it has there. What a reader may see of these figures (small groups
withheld) is decided in :mod:`survey.results.disclosure` and the report's table.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from survey.feedback.cases import Calendar, local_date
from survey.feedback.counts import overdue_clause
from survey.feedback.models import CLOSED_STATES, FeedbackCase
from survey.i18n import current_language
from survey.org.models import Agency


@dataclass(frozen=True)
class CaseTimes:
    """What the measure reads of one case."""

    agency_id: int
    opened_dt: datetime
    acknowledge_due: date
    answer_due: date
    acknowledged_dt: datetime | None
    closed_dt: datetime | None
    is_closed: bool
    #: Open and past its next deadline today (:func:`survey.feedback.counts.overdue_clause`).
    is_overdue: bool


@dataclass(frozen=True)
class Responsiveness:
    """The figures of one agency (``agency_id``) or of the whole scope (None)."""

    agency_id: int | None
    name: str
    opened: int
    #: Cases acknowledged, or past their deadline to acknowledge, and of them those on time.
    acknowledge_due: int
    acknowledged_in_time: int
    answer_due: int
    answered_in_time: int
    #: Working days from opening to the answer (closing), median over the closed cases.
    median_working_days: float | None
    overdue_now: int

    @property
    def acknowledged_share(self) -> float | None:
        return self.acknowledged_in_time / self.acknowledge_due if self.acknowledge_due else None

    @property
    def answered_share(self) -> float | None:
        return self.answered_in_time / self.answer_due if self.answer_due else None


def _measure(
    agency_id: int | None,
    name: str,
    cases: Sequence[CaseTimes],
    today: date,
    calendar: Calendar,
) -> Responsiveness:
    def on_time(moment: datetime | None, due: date) -> bool:
        return moment is not None and local_date(moment) <= due

    acknowledge_due = [
        c for c in cases if c.acknowledged_dt is not None or c.acknowledge_due < today
    ]
    answer_due = [c for c in cases if c.is_closed or c.answer_due < today]
    days = [
        calendar.working_days_between(local_date(c.opened_dt), local_date(c.closed_dt))
        for c in cases
        if c.is_closed and c.closed_dt is not None
    ]
    return Responsiveness(
        agency_id=agency_id,
        name=name,
        opened=len(cases),
        acknowledge_due=len(acknowledge_due),
        acknowledged_in_time=sum(
            on_time(c.acknowledged_dt, c.acknowledge_due) for c in acknowledge_due
        ),
        answer_due=len(answer_due),
        answered_in_time=sum(
            c.is_closed and on_time(c.closed_dt, c.answer_due) for c in answer_due
        ),
        median_working_days=statistics.median(days) if days else None,
        overdue_now=sum(c.is_overdue for c in cases),
    )


@dataclass(frozen=True)
class CaseResponsiveness:
    scope: Responsiveness
    #: Each agency with cases opened, by name.
    agencies: tuple[Responsiveness, ...]


def measure_cases(
    cases: Iterable[CaseTimes], names: Mapping[int, str], today: date, calendar: Calendar
) -> CaseResponsiveness:
    """The whole scope's figures and each agency's (``names``: by agency id)."""
    cases = list(cases)
    by_agency: dict[int, list[CaseTimes]] = {}
    for times in cases:
        by_agency.setdefault(times.agency_id, []).append(times)
    agencies = (
        _measure(key, names.get(key, str(key)), group, today, calendar)
        for key, group in by_agency.items()
    )
    return CaseResponsiveness(
        scope=_measure(None, "", cases, today, calendar),
        agencies=tuple(sorted(agencies, key=lambda unit: unit.name)),
    )


def case_responsiveness(
    session: Session,
    today: date,
    bounds: tuple[datetime, datetime],
    agency_ids: frozenset[int] | None,
    service_point_id: int | None = None,
    official_id: int | None = None,
) -> CaseResponsiveness | None:
    """The figures of the cases opened within ``bounds`` (naive UTC) in the scope, as of
    ``today``; None when no case was opened there."""
    cases = case_times(session, today, bounds, agency_ids, service_point_id, official_id)
    if not cases:
        return None
    language = current_language()
    keys = sorted({times.agency_id for times in cases})
    names = {
        agency.id: agency.localized_name(language)
        for agency in session.scalars(select(Agency).where(Agency.id.in_(keys)))
    }
    return measure_cases(cases, names, today, Calendar.load(session))


def case_times(
    session: Session,
    today: date,
    bounds: tuple[datetime, datetime],
    agency_ids: frozenset[int] | None,
    service_point_id: int | None = None,
    official_id: int | None = None,
) -> list[CaseTimes]:
    """The cases opened in ``bounds`` (naive UTC, end excluded) in the scope, as of
    ``today``."""
    start, end = bounds
    statement = select(
        FeedbackCase.agency_id,
        FeedbackCase.opened_dt,
        FeedbackCase.acknowledge_due,
        FeedbackCase.answer_due,
        FeedbackCase.acknowledged_dt,
        FeedbackCase.closed_dt,
        FeedbackCase.state,
        case((overdue_clause(today), True), else_=False),
    ).where(FeedbackCase.opened_dt >= start, FeedbackCase.opened_dt < end)
    if agency_ids is not None:
        statement = statement.where(FeedbackCase.agency_id.in_(sorted(agency_ids)))
    if service_point_id is not None:
        statement = statement.where(FeedbackCase.service_point_id == service_point_id)
    if official_id is not None:
        statement = statement.where(FeedbackCase.official_id == official_id)
    return [
        CaseTimes(
            agency_id=agency,
            opened_dt=opened,
            acknowledge_due=acknowledge_due,
            answer_due=answer_due,
            acknowledged_dt=acknowledged,
            closed_dt=closed,
            is_closed=state in CLOSED_STATES,
            is_overdue=bool(overdue),
        )
        for agency, opened, acknowledge_due, answer_due, acknowledged, closed, state, overdue in (
            session.execute(statement)
        )
    ]
