"""Issue 21, case 6 for the trend: a month hidden in one report is hidden in every report
that shows it, and the province's month less its agencies' months gives none away.

Commune A has 3 responses in February, commune B 20; each has 20 in January and March.
Decided report by report, A's report hides its February, the province's shows 23 and B's
20, so A's February is 23 − 20 = 3. Decided once for the period over every scope's
months and quarters, the audit of everything the three reports publish together (every
month, every quarter of the quarterly trend, every total) finds no small month pinned down.
"""

from datetime import date, datetime

import numpy as np
import pytest

from analysis import hidden_cell_intervals
from survey.collect.store import store_responses
from survey.db import db, write_session
from survey.questionnaires.definition import load_definition, scoring_for_analysis
from survey.results.counts import fold_all
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.overview import satisfaction_overview
from tests.factories import make_agency, make_desk, make_published_version
from tests.results.test_disclosure_officials import response_row

MIN = 5
#: Responses per commune and month of 2026's first half.
MONTHS = {"A": (20, 3, 20, 20, 20, 20), "B": (20, 20, 20, 20, 20, 20)}
#: The first half of 2026: six months, two quarters.
PERIOD = Period(date(2026, 1, 1), date(2026, 7, 1))


@pytest.fixture
def world(app_context):
    with write_session() as session:
        version = make_published_version(session, "onestop-quick")
        definition = load_definition(version.definition)
        headline = scoring_for_analysis(definition)["headline_item"]
        top = max(definition.item(headline).scale.values)
        province = make_agency(session, name="Tỉnh", kind="UBND tỉnh")
        communes, rows, answers = {}, [], {}
        for name, by_month in MONTHS.items():
            commune = make_agency(session, parent_id=province.id)
            desk = make_desk(session, agency=commune)
            communes[name] = commune.id
            for month, count in enumerate(by_month, start=1):
                for _ in range(count):
                    day = datetime(2026, month, 10, 3, 0)
                    row, given = response_row(
                        version.id, commune.id, desk.id, None, day, headline, top
                    )
                    rows.append(row)
                    answers[row["uuid"]] = given
        store_responses(session, rows, answers)
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
    keys = [(name, month) for name in MONTHS for month in range(6)]
    position = {key: i for i, key in enumerate(keys)}
    values = [MONTHS[name][month] for name, month in keys]
    lower, upper, hidden, relations = [0] * len(keys), [np.inf] * len(keys), [True] * len(keys), []
    for scope, agency_ids in scopes.items():
        for trend_by, width in ((Dimension.MONTH, 1), (Dimension.QUARTER, 3)):
            overview = _trend(definition, agency_ids, trend_by)
            relations.append(
                ({position[n, m]: 1 for n in members[scope] for m in range(6)}, overview.responses)
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
    # A's February is hidden in A's report, and so is the province's or B's February.
    february = {
        scope: _trend(definition, agency_ids, Dimension.MONTH).trend.points[1].is_suppressed
        for scope, agency_ids in scopes.items()
    }
    assert february["A"] and (february["province"] or february["B"])
    small = np.array(upper) < np.inf
    low, high = hidden_cell_intervals(values, hidden, relations, lower, upper)
    assert small.any() and np.all((high - low)[small] >= 1)
