"""Issue 21 across tables: the officials', agencies' and totals' counts of each
questionnaire and the coverage table's ratings of every questionnaire are one decision.

Official X of commune A took 2 SIPAS responses and 10 quick-form ones. Decided apart, the
SIPAS reports hid X's 2 as small, while the coverage table showed X's 12 ratings and the
quick form's reports X's 10: 12 − 10 = 2. Decided at once over cells of one agency, desk,
official and questionnaire, every count the reports of both questionnaires publish (the
province's and each commune's, with their coverage tables) leaves each hidden small count
open by at least one, as an audit by linear programming shows, and a count over the same
cells is hidden in every table or in none.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import insert

from survey.collect.store import store_responses
from survey.db import db, write_session
from survey.dossiers.models import Dossier
from survey.org.models import Agency
from survey.results.counts import fold_all
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from tests.factories import make_agency, make_desk, make_official, make_published_version
from tests.results.dataset import (
    headline_province,
    headline_row,
    hidden_count_widths,
    units_figures,
)
from tests.results.test_coverage_disclosure import dossier_rows

MIN = 5
SIPAS, QUICK = "sipas", "onestop-quick"
#: Responses in 2026 per commune, official and questionnaire.
STAFF = {
    "A": {"X": {SIPAS: 2, QUICK: 10}, "Y": {SIPAS: 6}, "Z": {SIPAS: 7}},
    "B": {"U": {SIPAS: 6, QUICK: 9}},
    "C": {"V": {SIPAS: 20, QUICK: 12}, "W": {QUICK: 3}},
}


@pytest.fixture
def world(app):
    """The communes' ids and every (agency, official, questionnaire) cell's responses."""
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    with app.app_context():
        cells = _store(app)
        fold_all(write_session)
    return cells


def _store(app):
    with write_session() as session:
        quick_id, _definition, headline, top, province_id = headline_province(session)
        versions = {QUICK: quick_id, SIPAS: make_published_version(session, SIPAS).id}
        communes, cells, rows, answers, dossiers = {}, {}, [], {}, []
        for commune_name, staff in STAFF.items():
            commune = make_agency(session, parent_id=province_id)
            communes[commune_name] = commune.id
            desk = make_desk(session, agency=commune)
            for name, by_questionnaire in staff.items():
                official = make_official(session, desk, name=name)
                dossiers += dossier_rows((commune.id, desk.id, official.id))
                for key, count in by_questionnaire.items():
                    cells[commune.id, official.id, key] = count
                    for number in range(count):
                        day = datetime(2026, 1 + number % 12, 10, 3, 0)
                        row, given = headline_row(
                            versions[key], commune.id, desk.id, official.id, day, headline, top
                        )
                        rows.append(row)
                        answers[row["uuid"]] = given
        store_responses(session, rows, answers)
        session.execute(insert(Dossier), dossiers)
    return communes, cells


def _published(app, key, agency_id, cells):
    """Every response count one report publishes: (its cells, the count or None when
    hidden), from the totals, the agencies' and officials' tables and the coverage table."""
    with app.test_request_context("/?lang=vi"):
        agency = None if agency_id is None else db.session.get(Agency, agency_id)
        request = ReportRequest(period=Period.parse("2026"), questionnaire_key=key, agency=agency)
        report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
    within = report.report_filter.agency_ids
    own = [i for i, (a, _o, _k) in enumerate(cells) if within is None or a in within]
    mine = [i for i in own if cells[i][2] == key]
    overview, coverage = report.overview, report.coverage
    figures = units_figures(overview, mine, cells)
    figures.append((tuple(own), None if coverage.scope.hidden else coverage.scope.ratings))
    figures += [
        (
            tuple(i for i in own if cells[i][level] == unit.key),
            None if unit.hidden else unit.ratings,
        )
        for level, units in ((0, coverage.agencies), (1, coverage.officials))
        for unit in units
    ]
    return figures


def test_no_hidden_count_follows_from_the_other_questionnaires_tables(app, world):
    communes, counted = world
    cells = list(counted)
    figures = [
        figure
        for key in (SIPAS, QUICK)
        for agency_id in (None, *communes.values())
        for figure in _published(app, key, agency_id, cells)
    ]
    values = [counted[cell] for cell in cells]
    for parts, shown in figures:
        assert shown is None or shown == sum(values[i] for i in parts)
    # One decision: a count over the same cells is hidden in every table or in none.
    decided: dict[tuple, bool] = {}
    for parts, shown in figures:
        assert decided.setdefault(parts, shown is None) == (shown is None), parts
    # X's 2 SIPAS responses and W's 3 quick-form ones are hidden, and stay open.
    x_sipas = tuple(i for i, cell in enumerate(cells) if counted[cell] == 2)
    assert decided[x_sipas]
    widths = hidden_count_widths(values, figures, MIN)
    assert len(widths) >= 2
    assert all(width >= 1 for width in widths), widths
