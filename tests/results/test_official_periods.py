"""The columns officials' figures are decided on for a calendar year, and how a report's
period reads them (survey.results.official_periods)."""

from datetime import date

import numpy as np

from survey.results.disclosure import OfficialRows
from survey.results.filters import Period
from survey.results.official_periods import PeriodColumns, YearOfficials

YEAR = Period.year(2026)


def test_a_year_has_its_months_quarters_and_itself_each_quarter_the_sum_of_its_months():
    columns = PeriodColumns.of_year(YEAR, months_add_up=True)
    assert [p.label for p in columns.periods[:3]] == ["2026-01", "2026-02", "2026-03"]
    assert [p.label for p in columns.periods[12:]] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
        "2026",
    ]
    assert (13, (3, 4, 5)) in columns.exact and (16, (12, 13, 14, 15)) in columns.exact
    assert columns.near == ()
    # dossiers: a rating and its dossier in two months count once in their quarter
    dossiers = PeriodColumns.of_year(YEAR, months_add_up=False)
    assert dossiers.exact == ((16, (12, 13, 14, 15)),) and (13, (3, 4, 5)) in dossiers.near


def test_a_report_reads_its_own_column_or_the_columns_its_span_is_made_of():
    columns = PeriodColumns.of_year(YEAR, months_add_up=True)
    assert columns.parts(Period.parse("2026-05")) == (4,)
    assert columns.parts(Period.parse("2026-Q2")) == (13,)
    assert columns.parts(YEAR) == (16,)
    assert columns.parts(Period(date(2026, 2, 1), date(2026, 5, 1))) == (1, 2, 3)
    assert columns.parts(Period(date(2026, 1, 1), date(2026, 7, 1))) == (12, 13)


def test_a_period_within_no_calendar_year_is_decided_on_its_own_columns():
    across = Period(date(2025, 10, 1), date(2026, 4, 1))
    quarters = (Period.parse("2025-Q4"), Period.parse("2026-Q1"), across)
    columns = PeriodColumns.of(across, quarters)
    assert columns.periods == quarters and columns.exact == ((2, (0, 1)),)
    assert columns.parts(across) == (2,)
    assert PeriodColumns.of(Period.parse("2026-Q3"), ()).periods[16] == YEAR


def test_an_officials_figure_is_hidden_as_decided_or_when_any_part_is():
    # official 7 in agencies 1 and 2 (their sum a row of its own), official 8 in agency 1
    rows = OfficialRows(
        pairs=((1, 7), (1, 8), (1, None), (2, 7), (2, None)),
        combined=((0, 3),),
        totals=((0, 1, 2), (0, 1, 2, 3, 4), (3, 4)),
    )
    hidden = np.zeros((len(rows.pairs) + len(rows.derived), 17), dtype=bool)
    hidden[1, 13] = True  # official 8's second quarter
    hidden[5, 16] = True  # official 7's year over both agencies
    hidden[3, 4] = True  # official 7's May in agency 2
    decided = YearOfficials(rows, PeriodColumns.of_year(YEAR, months_add_up=True), hidden)
    assert decided.pairs_hidden([(1, 8)], Period.parse("2026-Q2"))
    assert not decided.pairs_hidden([(1, 8)], Period.parse("2026-Q1"))
    assert decided.pairs_hidden([(1, 7), (2, 7)], YEAR)
    assert not decided.pairs_hidden([(1, 7)], YEAR)  # agency 1's part alone is shown
    # a span of months: hidden when one of its months is
    spring = Period(date(2026, 4, 1), date(2026, 6, 1))
    assert decided.pairs_hidden([(2, 7)], spring)
    assert not decided.pairs_hidden([(2, 7)], Period.parse("2026-04"))
    # the sum over both agencies is a figure of its own, decided with its parts
    assert not decided.pairs_hidden([(1, 7), (2, 7)], spring)
    assert decided.pairs_hidden([(3, 9)], Period.parse("2026-Q1"))  # unknown to it
