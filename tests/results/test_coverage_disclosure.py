"""Issue 21 for the share of dossiers rated (tỷ lệ hồ sơ được đánh giá): its rating counts go
through the disclosure-control step like every published count.

Commune A has desk A1, where official X took the only 2 ratings, and desk A2, where Y took
6 and 3 named nobody; commune B has desks B1 (U 7, V 6) and B2 (W 9). Hiding only X's and
A1's 2 ratings, as the table did, A's total less A2's gave them away. Decided once for the
period over every agency, desk and official and every scope's total, the province's
report and each commune's show the same decision, and an audit by linear programming of
every rating count the three reports' coverage tables publish finds no hidden count
pinned down (a small one known to lie between 1 and the minimum less one).
"""

import csv
import io
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import insert

from analysis import hidden_cell_intervals
from survey.collect.store import store_responses
from survey.db import db, write_session
from survey.dossiers.models import Dossier
from survey.org.models import Agency
from survey.results.counts import fold_all
from survey.results.downloads import report_csv
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from survey.results.report_tables import coverage_table, low_coverage_table
from survey.results.tables import Hidden
from tests.factories import make_agency, make_desk, make_official
from tests.results.dataset import headline_province, headline_row
from tests.results.test_coverage import rows_of

MIN = 5
#: Ratings in 2026 per commune, desk and official (None: naming no official).
STAFF = {
    "A": {"A1": {"X": 2}, "A2": {"Y": 6, None: 3}},
    "B": {"B1": {"U": 7, "V": 6}, "B2": {"W": 9}},
}
#: Dossiers returned per desk and official (or naming none) in 2026.
DOSSIERS = 20


def dossier_rows(cell):
    agency_id, desk_id, official_id = cell
    returned = datetime(2026, 5, 10, 3, 0)
    return [
        {
            "code_hash": f"{agency_id}-{desk_id}-{official_id}-{number}",
            "agency_id": agency_id,
            "service_point_id": desk_id,
            "official_id": official_id,
            "received_dt": returned - timedelta(days=3),
            "due_dt": returned,
            "returned_dt": returned,
        }
        for number in range(DOSSIERS)
    ]


@pytest.fixture
def world(app_context):
    """The communes' ids and every (agency, desk, official) cell with its ratings."""
    with write_session() as session:
        version_id, _definition, headline, top, province_id = headline_province(session)
        communes, cells, rows, answers, dossiers = {}, {}, [], {}, []
        for commune_name, desks in STAFF.items():
            commune = make_agency(session, parent_id=province_id)
            communes[commune_name] = commune.id
            for desk_name, staff in desks.items():
                desk = make_desk(session, agency=commune, name=desk_name)
                for name, count in staff.items():
                    official = None if name is None else make_official(session, desk, name=name)
                    cell = (commune.id, desk.id, None if official is None else official.id)
                    cells[cell] = count
                    dossiers += dossier_rows(cell)
                    for number in range(count):
                        day = datetime(2026, 1 + number, 10, 3, 0)
                        row, given = headline_row(version_id, *cell, day, headline, top)
                        rows.append(row)
                        answers[row["uuid"]] = given
        store_responses(session, rows, answers)
        session.execute(insert(Dossier), dossiers)
    fold_all(write_session)
    return communes, cells


def _report(app, agency_id):
    with app.test_request_context("/?lang=vi"):
        agency = None if agency_id is None else db.session.get(Agency, agency_id)
        request = ReportRequest(
            period=Period.parse("2026"), questionnaire_key="onestop-quick", agency=agency
        )
        report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
        return report, coverage_table(report)


def _figures(report, table, cells):
    """Each row of the coverage table: its cells (indices into ``cells``), the ratings
    shown (None when hidden) and why hidden."""
    keys = list(cells)
    within = report.report_filter.agency_ids
    own = [i for i, key in enumerate(keys) if within is None or key[0] in within]
    coverage = report.coverage
    units = [(None, coverage.scope)] + [
        (level, unit)
        for level, units in enumerate((coverage.agencies, coverage.service_points))
        for unit in units
    ]
    units += [(2, unit) for unit in coverage.officials]
    assert len(units) == len(table.rows)
    figures = []
    for (level, unit), row in zip(units, table.rows, strict=True):
        parts = [i for i in own if level is None or keys[i][level] == unit.key]
        ratings = row[3]
        assert ratings.hidden == row[4].hidden  # the share rated goes with its ratings
        assert (ratings.value is None) == (ratings.hidden is not None)
        if ratings.hidden is None:
            assert ratings.value == sum(cells[keys[i]] for i in parts)
        figures.append((tuple(parts), ratings.value, ratings.hidden))
    return figures


def _recount(cells, figures):
    """The smallest and largest value of each hidden figure given every published one:
    the cells are unknown (at least 0), each published figure their sum; a hidden figure
    is at least 1 and at most ``MIN - 1`` when hidden as small."""
    values = list(cells.values())
    hidden = [True] * len(values)
    lower, upper = [0.0] * len(values), [np.inf] * len(values)
    relations, asked = [], []
    for parts, shown, reason in set(figures):
        if reason is None:
            relations.append(({i: 1.0 for i in parts}, float(shown)))
            continue
        asked.append((len(values), reason))
        relations.append(({len(values): 1.0, **{i: -1.0 for i in parts}}, 0.0))
        values.append(sum(values[i] for i in parts))
        hidden.append(True)
        small = reason is Hidden.SMALL_GROUP
        lower.append(1.0 if small else 0.0)
        upper.append(MIN - 1.0 if small else np.inf)
    low, high = hidden_cell_intervals(
        np.array(values, dtype=float), np.array(hidden), relations, np.array(lower), np.array(upper)
    )
    return [(high[k] - low[k], reason) for k, reason in asked]


def test_no_hidden_rating_count_can_be_worked_out(app, world):
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    communes, cells = world
    reports = [_report(app, None)] + [_report(app, communes[name]) for name in STAFF]
    figures = [f for report, table in reports for f in _figures(report, table, cells)]
    # X's 2 ratings are hidden as small, as X and as desk A1, in every report showing them.
    small = {parts for parts, _shown, reason in figures if reason is Hidden.SMALL_GROUP}
    x_cells = tuple(i for i, key in enumerate(cells) if cells[key] == 2)
    assert small == {x_cells}
    # One decision: a figure over the same ratings is hidden in every report or in none.
    decided: dict[tuple, bool] = {}
    for parts, _shown, reason in figures:
        assert decided.setdefault(parts, reason is None) == (reason is None)
    widths = _recount(cells, figures)
    assert any(reason is Hidden.SMALL_GROUP for _width, reason in widths)
    assert all(width >= 1 for width, reason in widths if reason is Hidden.SMALL_GROUP)
    # Nothing below the threshold is said of a hidden desk (it would bound its ratings);
    # a report that withholds its totals withholds its scope's ratings too.
    for report, table in reports:
        assert not report.overview.total_hidden or table.rows[0][3].hidden is not None
        for row in table.rows:
            assert row[3].hidden is None or row[5].value == ""


def test_the_csv_of_a_communes_report_hides_what_its_table_hides(app, world):
    app.config["MIN_GROUP_SIZE"] = MIN
    communes, _cells = world
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(
            period=Period.parse("2026"),
            questionnaire_key="onestop-quick",
            agency=db.session.get(Agency, communes["A"]),
        )
        report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
        table = coverage_table(report)
        text = report_csv(report).decode("utf-8-sig")
    rows = rows_of(table.title, list(csv.reader(io.StringIO(text))))[: len(table.rows)]
    assert [row[1] for row in rows] == [row[1].value for row in table.rows]
    for written, row in zip(rows, table.rows, strict=True):
        assert (row[3].hidden is None) == written[3].isdigit()
    # Desk A1's 2 ratings are hidden as small, and another count beside them so that A's
    # total less the others does not give them away.
    assert any(row[3].hidden is Hidden.DERIVED for row in table.rows)
    assert "2" not in [written[3] for written in rows]


def test_the_low_coverage_list_says_it_leaves_hidden_desks_out(app, world):
    """Desk A1's 2 ratings are hidden: "no desk is below the threshold" would claim more
    than the list knows, so the list says which desks it leaves out."""
    app.config["MIN_GROUP_SIZE"] = MIN
    communes, _cells = world
    report, _table = _report(app, communes["A"])
    with app.test_request_context("/?lang=vi"):
        table = low_coverage_table(report)
    assert any(unit.hidden for unit in report.coverage.service_points)
    assert table.rows == ()
    assert table.footnotes == (
        "Không có quầy nào trong số được hiển thị dưới ngưỡng.",
        "Các quầy có số lượt đánh giá bị ẩn không được liệt kê ở đây.",
    )
