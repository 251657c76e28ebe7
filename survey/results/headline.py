"""This quarter's headline for an officer's scope, as the start page shows it.

It is the results overview of the current quarter with the overview page's default filters
(SIPAS, every agency the officer may see), built by :func:`build_report` itself: the start
page and ``/officer/results/`` show the same numbers because they are the same report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from survey.results.filters import Period
from survey.results.forms import current_quarter
from survey.results.overview import SatisfactionOverview
from survey.results.queries import response_count
from survey.results.report import Report, ReportRequest, build_report, period_words


@dataclass(frozen=True)
class QuarterHeadline:
    """The quarter's overview within the officer's scope, and what the page says about it."""

    period: Period
    #: "Quarter 4/2026" and "Quarter 3/2026" in the reader's language.
    period_words: str
    previous_period_words: str
    #: The last day counted: the quarter of today is still in progress.
    counted_to: date
    #: The report the overview page shows for the same quarter and scope; every number
    #: already suppressed (see :mod:`survey.results.report`).
    report: Report
    #: No response at all in the scope this quarter (not merely too few to show).
    has_no_responses: bool

    @property
    def overview(self) -> SatisfactionOverview:
        return self.report.overview


def quarter_headline(session: Session, visible: set[int] | None, today: date) -> QuarterHeadline:
    """The headline of the quarter of ``today`` over the agencies ``visible`` (None: all)."""
    # The overview page's default period, so that its link opens on these very numbers.
    period = Period.parse(current_quarter(today))
    report = build_report(
        session, ReportRequest(period=period), visible, today, with_comments=False
    )
    # A suppressed overview hides its count; that it is zero reveals nobody.
    has_no_responses = (
        report.overview.is_suppressed and response_count(session, report.report_filter) == 0
    )
    return QuarterHeadline(
        period=period,
        period_words=period_words(period),
        previous_period_words=period_words(period.previous()),
        counted_to=today,
        report=report,
        has_no_responses=has_no_responses,
    )
