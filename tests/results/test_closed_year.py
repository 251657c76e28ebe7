"""Issue 21 across the periods of a year that has ended: its months', quarters' and the
year's figures by unit are decided at once (:func:`survey.results.period_units.decided_year`),
so no small figure hidden in one period's reports follows from the figures all of them
publish together (a quarter's official less two of the months, the year's agency less the
months' coverage lines), beyond what the listing alone tells (an official listed, hidden,
in four months of a year in which they were rated 4 times: 1 each month; no decision on
counts can hide that).
"""

import pytest

from survey.db import db
from survey.org.tree import AgencyTree
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.overview import satisfaction_overview
from survey.results.period_units import ended_year
from survey.results.versions import newest_definitions
from tests.results.dataset import hidden_count_widths, year_unit_figures

MIN = 5


def _pinned(year: Period) -> tuple[int, int, int]:
    """How many small hidden figures of ``year`` a reader pins down from every published
    figure, how many from the listing alone (every figure hidden), and how many there are."""
    values, figures = year_unit_figures(year, MIN)
    published = hidden_count_widths(values, figures, MIN)
    listing = hidden_count_widths(values, [(parts, None) for parts, _shown in figures], MIN)
    return sum(w < 1 for w in published), sum(w < 1 for w in listing), len(published)


@pytest.mark.parametrize(("today", "year"), [("2026-12-08", 2025), ("2027-01-15", 2026)])
def test_no_small_figure_of_an_ended_year_follows_from_its_periods_together(
    app, results_world, today, year
):
    app.config.update(REPORTS_TODAY=today, MIN_GROUP_SIZE=MIN)
    with app.app_context():
        assert ended_year(Period.year(year)) == Period.year(year)
        pinned, by_listing, small = _pinned(Period.year(year))
    assert small > 10
    assert pinned == by_listing


def test_the_year_trend_shows_a_month_as_the_months_report_does(app, results_world):
    app.config.update(REPORTS_TODAY="2027-01-15")
    with app.app_context():
        tree = AgencyTree.load(db.session)
        scopes = [
            None,
            *(frozenset(tree.subtree(a)) for a in results_world.organisation.agency_ids),
        ]
        compared = hidden = 0
        for definition in newest_definitions(db.session).values():
            for agencies in scopes:
                year = _overview(ReportFilter(Period.year(2026), agency_ids=agencies), definition)
                for point in year.trend.points if year.trend else ():
                    if point.responses == 0:
                        continue
                    month = _overview(ReportFilter(point.period, agency_ids=agencies), definition)
                    withheld = month.total_hidden or month.is_suppressed
                    assert point.is_suppressed == withheld, (agencies, point.period)
                    compared += 1
                    hidden += point.is_suppressed
    assert compared > 20
    assert hidden > 0


def _overview(report_filter, definition):
    return satisfaction_overview(
        db.session,
        report_filter,
        definition,
        min_group_size=MIN,
        min_ratings_for_ranking=30,
        trend_by=Dimension.MONTH,
    )
