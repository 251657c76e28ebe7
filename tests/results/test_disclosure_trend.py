"""Issue 21, case 6 for the trend: a month hidden in one report is hidden in every report
that shows it, and the province's month less its agencies' months gives none away.

Commune A has 3 responses in February, commune B 20; each has 20 in January and March.
Decided report by report, A's report hides its February, the province's shows 23 and B's
20, so A's February is 23 − 20 = 3. Decided once for the period over every scope's
months and totals (a quarter shown only when its three months are), the audit of
everything the three reports publish together (every month, every quarter of the
quarterly trend, every total) finds no small month pinned down.
"""

import csv
import io
from datetime import date

import numpy as np
import pytest
from openpyxl import load_workbook

from analysis import hidden_cell_intervals
from survey.db import db, write_session
from survey.org.models import Agency
from survey.results import downloads
from survey.results.counts import fold_all
from survey.results.disclosure import hidden_periods, scope_pieces
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.overview import satisfaction_overview
from survey.results.report import ReportRequest, build_report
from survey.results.report_tables import period_words
from tests.factories import make_agency, make_desk
from tests.results.dataset import headline_province, store_months

MIN = 5
#: Responses per commune and month of 2026.
MONTHS = {"A": (20, 3, *[20] * 10), "B": (20,) * 12}
PERIOD = Period.parse("2026")


@pytest.fixture
def world(app_context):
    with write_session() as session:
        version_id, definition, headline, top, province_id = headline_province(session)
        communes = {}
        for name, by_month in MONTHS.items():
            commune = make_agency(session, parent_id=province_id)
            desk = make_desk(session, agency=commune)
            communes[name] = commune.id
            months = [[top] * count for count in by_month]
            store_months(session, version_id, commune.id, desk.id, headline, months)
    fold_all(write_session)
    return definition, communes


def _trend(definition, agency_ids, trend_by):
    return satisfaction_overview(
        db.session,
        ReportFilter(PERIOD, agency_ids=agency_ids),
        definition,
        min_group_size=MIN,
        min_ratings_for_ranking=1,
        trend_by=trend_by,
    )


def test_case_6_a_month_hidden_in_an_agencys_trend_is_hidden_in_the_provinces(world):
    definition, communes = world
    scopes = {"province": None, **{name: frozenset({id_}) for name, id_ in communes.items()}}
    members = {"province": ["A", "B"], "A": ["A"], "B": ["B"]}
    # cells: each commune's month (shown nowhere on its own, at least 0)
    keys = [(name, month) for name in MONTHS for month in range(12)]
    position = {key: i for i, key in enumerate(keys)}
    values = [MONTHS[name][month] for name, month in keys]
    lower, upper, hidden, relations = [0] * len(keys), [np.inf] * len(keys), [True] * len(keys), []
    for scope, agency_ids in scopes.items():
        for trend_by, width in ((Dimension.MONTH, 1), (Dimension.QUARTER, 3)):
            overview = _trend(definition, agency_ids, trend_by)
            relations.append(
                ({position[n, m]: 1 for n in members[scope] for m in range(12)}, overview.responses)
            )
            for k, point in enumerate(overview.trend.points):
                parts = [
                    position[n, m]
                    for n in members[scope]
                    for m in range(k * width, k * width + width)
                ]
                value = sum(values[i] for i in parts)
                small = 0 < value < MIN
                assert not small or point.is_suppressed
                if not point.is_suppressed:
                    assert point.responses == value
                # the figure, a variable tied to its parts
                values.append(value)
                hidden.append(point.is_suppressed)
                lower.append(1 if small else 0)
                upper.append(MIN - 1 if small else np.inf)
                relations.append(({len(values) - 1: 1, **{i: -1 for i in parts}}, 0))
    small = np.array(upper) < np.inf
    low, high = hidden_cell_intervals(values, hidden, relations, lower, upper)
    assert small.any() and np.all((high - low)[small] >= 1)
    # A's February is hidden in A's report, and so is the province's or B's February.
    february = {
        scope: _trend(definition, agency_ids, Dimension.MONTH).trend.points[1].is_suppressed
        for scope, agency_ids in scopes.items()
    }
    assert february["A"] and (february["province"] or february["B"])


def test_a_quarter_is_a_figure_of_its_own_decided_with_its_months():
    # Two agencies over six months: A's February is small. Scopes: both, and each alone.
    parts = np.zeros((2, 6, 2), dtype=np.int64)
    parts[0, :, :] = [[20, 20], [3, 3], [20, 20], [20, 20], [20, 20], [20, 20]]
    parts[1, :, :] = 20
    quarters = [(0, 1, 2), (3, 4, 5)]
    decided = hidden_periods(parts, [[0, 1], [0], [1]], quarters, MIN)
    assert decided[(0,), (1,)] and not decided[(0,), (3, 4, 5)]
    # A's February is not A's first quarter less its January and March, nor the
    # province's less B's, nor A's half-year less A's other months
    assert decided[(0,), (0, 1, 2)] or decided[(0,), (0,)] or decided[(0,), (2,)]
    assert decided[(0, 1), (1,)] or decided[(1,), (1,)]
    assert sum(decided[(0,), (month,)] for month in range(6)) >= 2


def test_a_report_on_several_scopes_shows_what_they_all_show():
    scopes = [(0, 1, 2), (0,), (1,), (2,), (1, 2)]
    assert scope_pieces([0, 1, 2], scopes) == [(0, 1, 2)]
    assert scope_pieces([0, 2], scopes) == [(0,), (2,)]
    assert scope_pieces([0, 1, 2, 3], scopes) is None  # agency 3 is in no scope
    assert scope_pieces([1, 2], [(0, 1, 2), (1, 2, 3), (1,)]) is None


def _recount(counts, scopes, decided, months, groups=()):
    """What every scope's trend and totals publish together, and each agency's own total
    (the agencies' table), audited: each agency's month unknown (at least 0), each scope's
    month (and group of months, a quarter) a cell tied to them, hidden as decided; small
    months and quarters bounded by the rule."""
    agencies = len(counts)
    values = [float(v) for v in counts.reshape(-1)]
    hidden, lower, upper, relations = (
        [True] * len(values),
        [0] * len(values),
        [np.inf] * len(values),
        [],
    )
    for scope in scopes:
        for months_in in [(month,) for month in range(months)] + [tuple(g) for g in groups]:
            parts = [row * months + month for row in scope for month in months_in]
            value = sum(values[i] for i in parts)
            small = 0 < value < MIN
            values.append(value)
            hidden.append(decided[tuple(scope), months_in])
            lower.append(1 if small else 0)
            upper.append(MIN - 1 if small else np.inf)
            relations.append(({len(values) - 1: 1, **{i: -1 for i in parts}}, 0))
        whole = [row * months + m for row in scope for m in range(months)]
        if not 0 < sum(values[i] for i in whole) < MIN:
            relations.append(({i: 1 for i in whole}, sum(values[i] for i in whole)))
    for row in range(agencies):
        own = [row * months + m for m in range(months)]
        if not 0 < sum(values[i] for i in own) < MIN:
            relations.append(({i: 1 for i in own}, sum(values[i] for i in own)))
    small = np.array(upper) < np.inf
    low, high = hidden_cell_intervals(values, hidden, relations, lower, upper)
    # what the totals alone give away, whatever is hidden
    every_low, every_high = hidden_cell_intervals(
        values, [True] * len(values), relations, lower, upper
    )
    given_away = small & (every_high - every_low < 1)
    assert np.all(np.array(hidden)[given_away])
    return small & ~given_away, high - low


@pytest.mark.parametrize("seed", range(30))
def test_no_small_month_is_worked_out_from_every_scopes_trend(seed):
    # A random tree of 3-6 agencies (a parent's own months shown in no report: only its
    # subtree's), a few responses a month: every scope's months, quarters and totals and
    # every agency's own total, played together, pin no small month or quarter down.
    rng = np.random.default_rng(seed)
    agencies = int(rng.integers(3, 7))
    parent = [None] + [int(rng.integers(0, row)) for row in range(1, agencies)]

    def subtree(root):
        return sorted(
            {root} | {r for c in range(agencies) if parent[c] == root for r in subtree(c)}
        )

    scopes = [list(range(agencies))] + [subtree(row) for row in range(agencies)]
    parts = rng.poisson(rng.gamma(2, 3, (agencies, 1)), (agencies, 6))
    answers = rng.binomial(parts, 0.9)
    quarters = [(0, 1, 2), (3, 4, 5)]
    decided = hidden_periods(np.stack([parts, answers], axis=2), scopes, quarters, MIN)
    distinct = {tuple(scope) for scope in scopes}
    for counts in (parts, answers):
        small, width = _recount(counts, distinct, decided, 6, quarters)
        assert np.all(width[small] >= 1)


def test_a_month_hidden_across_reports_is_hidden_in_each_reports_files(app, world):
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    _definition, communes = world
    with app.test_request_context("/?lang=vi"):
        for agency_id in (None, *communes.values()):
            agency = None if agency_id is None else db.session.get(Agency, agency_id)
            request = ReportRequest(period=PERIOD, questionnaire_key="onestop-quick", agency=agency)
            report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
            rows = list(csv.reader(io.StringIO(downloads.report_csv(report).decode("utf-8-sig"))))
            sheet_rows = [
                [str(cell) for cell in row if cell is not None]
                for sheet in load_workbook(io.BytesIO(downloads.report_xlsx(report))).worksheets
                for row in sheet.iter_rows(values_only=True)
            ]
            for point in report.overview.trend.points:
                words = period_words(point.period)
                for found in (rows, sheet_rows):
                    row = next(row for row in found if row and row[0] == words)
                    assert (row[1] == "ẩn") == point.is_suppressed
                    assert point.is_suppressed or row[1] == str(point.responses)
