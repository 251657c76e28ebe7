"""Issue 21: a report's own totals are figures of the decision like any unit's.

The province has four communes without units below them: A (2 responses), B (6), C (20)
and D (20). The province's agencies table hides A, and B as its complement. Each
commune's report prints its own totals, so if B's report printed its 6 responses, A would
be the province's 48 less the other communes' reports: 48 − 6 − 20 − 20 = 2. Decided
with each scope's total as a figure the decision may hide, B's report withholds its
totals (in the page, the CSV, the XLSX and the PDF) and the audit of everything the
reports publish together finds A protected.

A report on a selection that is no agency's subtree (an officer who sees A and C) does
not change the decision: C stays shown in every report, and the selection's totals are
withheld because they would give A away (A + C less C's report); a selection whose total
the decision already gives away (C and D) prints it.
"""

import csv
import io
from datetime import date, datetime

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from analysis import hidden_cell_intervals
from survey.collect.store import store_responses
from survey.db import db, write_session
from survey.org.models import Agency
from survey.results import downloads
from survey.results.counts import fold_all
from survey.results.disclosure import KnownSums, OfficialRows, hidden_in_scopes
from survey.results.filters import Period, ReportFilter
from survey.results.overview import satisfaction_overview
from survey.results.report import ReportRequest, build_report
from tests.accounts.conftest import sign_in
from tests.factories import make_agency, make_desk, make_user
from tests.results.dataset import headline_province, headline_row

MIN = 5
COMMUNES = {"A": 2, "B": 6, "C": 20, "D": 20}
PERIOD = "2026-Q1"
WITHHELD = "chúng sẽ cho phép suy ra số liệu của một đơn vị nhỏ hơn"


@pytest.fixture
def world(app):
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    with app.app_context(), write_session() as session:
        version_id, definition, headline, top, province_id = headline_province(session)
        ids, rows, answers = {}, [], {}
        for name, count in COMMUNES.items():
            commune = make_agency(session, parent_id=province_id)
            desk = make_desk(session, agency=commune)
            ids[name] = commune.id
            for _ in range(count):
                row, given = headline_row(
                    version_id,
                    commune.id,
                    desk.id,
                    None,
                    datetime(2026, 2, 10, 3, 0),
                    headline,
                    top,
                )
                rows.append(row)
                answers[row["uuid"]] = given
        store_responses(session, rows, answers)
        email = make_user(session, "administrator").email
    with app.app_context():
        fold_all(write_session)
    return definition, ids, email


def _overview(definition, agency_ids):
    return satisfaction_overview(
        db.session,
        ReportFilter(Period.parse(PERIOD), agency_ids=agency_ids),
        definition,
        min_group_size=MIN,
        min_ratings_for_ranking=1,
    )


def _audit(reports, ids):
    """The smallest width a hidden small commune keeps against everything ``reports``
    (agency selections → overview) publish together: each report's total of responses,
    each agency shown in its agencies' table; a listed commune has at least 1 response."""
    names = list(COMMUNES)
    values = np.array([COMMUNES[name] for name in names], dtype=float)
    hidden = np.ones(len(names), dtype=bool)
    relations = []
    for selection, overview in reports.items():
        inside = [i for i, name in enumerate(names) if selection is None or ids[name] in selection]
        if overview.responses is not None:
            relations.append(({i: 1.0 for i in inside}, float(overview.responses)))
        for unit in overview.agencies:
            if not unit.is_suppressed:
                relations.append(({names.index(_name(ids, unit.key)): 1.0}, unit.responses))
    small = (values > 0) & (values < MIN)
    low, high = hidden_cell_intervals(
        values, hidden, relations, 1, np.where(small, MIN - 1, np.inf)
    )
    return float((high - low)[small].min())


def _province_and_commune_reports(definition, ids) -> dict:
    """The province's report (key ``None``) and each commune's own (key: its id set)."""
    reports = {None: _overview(definition, None)}
    for name in COMMUNES:
        reports[frozenset({ids[name]})] = _overview(definition, frozenset({ids[name]}))
    return reports


def _name(ids, agency_id):
    return next(name for name, key in ids.items() if key == agency_id)


def test_a_complements_own_report_withholds_its_totals(app, world):
    definition, ids, _email = world
    with app.app_context():
        reports = _province_and_commune_reports(definition, ids)
        assert _audit(reports, ids) >= 1
        hidden = {_name(ids, u.key): u.is_suppressed for u in reports[None].agencies}
        assert hidden == {"A": True, "B": True, "C": False, "D": False}
        # B is hidden in the agencies' table, and so are its own report's totals.
        b = reports[frozenset({ids["B"]})]
        assert b.total_hidden and not b.is_suppressed
        assert b.responses is None and b.headline is None and b.trend is None
        assert reports[frozenset({ids["A"]})].is_suppressed
        for name in ("C", "D"):
            assert reports[frozenset({ids[name]})].responses == COMMUNES[name]
        assert reports[None].responses == sum(COMMUNES.values())


def test_a_selection_that_is_no_subtree_does_not_change_the_decision(app, world):
    definition, ids, _email = world
    with app.app_context():
        reports = _province_and_commune_reports(definition, ids)
        a_and_c = frozenset({ids["A"], ids["C"]})
        c_and_d = frozenset({ids["C"], ids["D"]})
        reports[a_and_c] = _overview(definition, a_and_c)
        reports[c_and_d] = _overview(definition, c_and_d)
        assert _audit(reports, ids) >= 1
        province = {unit.key: unit.is_suppressed for unit in reports[None].agencies}
        for overview in reports.values():
            for unit in overview.agencies:
                assert unit.is_suppressed == province[unit.key]
        # A + C less C's report would be A: withheld; C + D reveals nothing: printed.
        assert reports[a_and_c].total_hidden and reports[a_and_c].responses is None
        assert not reports[c_and_d].total_hidden and reports[c_and_d].responses == 40
        # The same decision whichever report computed it.
        decided = [overview.decision.hidden for overview in reports.values() if overview.decision]
        assert all(np.array_equal(decided[0], other) for other in decided[1:])


def test_every_format_of_the_complements_report_says_its_totals_are_withheld(app, world):
    _definition, ids, email = world
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(
            period=Period.parse(PERIOD),
            questionnaire_key="onestop-quick",
            agency=db.session.get(Agency, ids["B"]),
        )
        report = build_report(db.session, request, None, date(2026, 7, 1), with_comments=False)
        csv_text = downloads.report_csv(report).decode("utf-8-sig")
        workbook = load_workbook(io.BytesIO(downloads.report_xlsx(report)))
        pdf = PdfReader(io.BytesIO(downloads.report_pdf(report)))
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert ["Số phiếu", "ẩn"] in rows
    assert any(WITHHELD in " ".join(row) for row in rows)
    cells = [
        [str(cell) for cell in row if cell is not None]
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    assert ["Số phiếu", "ẩn"] in cells
    assert any(WITHHELD in " ".join(row) for row in cells)
    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert WITHHELD in pdf_text
    assert "Số phiếu: 6" not in pdf_text

    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    page = client.get(
        f"/officer/results/?period={PERIOD}&questionnaire=onestop-quick&agency={ids['B']}&lang=vi"
    ).get_data(as_text=True)
    assert WITHHELD in " ".join(page.split())
    assert "<strong>6</strong>" not in page
    other = client.get(
        f"/officer/results/?period={PERIOD}&questionnaire=onestop-quick&agency={ids['C']}"
    ).get_data(as_text=True)
    assert "<strong>20</strong>" in other and WITHHELD not in " ".join(other.split())


def test_a_sum_is_known_only_when_the_published_relations_give_it():
    # cells: a (hidden), b (hidden), c (shown), t = a + b + c (shown)
    known = KnownSums([(3, [0, 1, 2])], np.array([True, True, False, False]))
    assert known.knows([0, 1]) and known.knows([2]) and known.knows([0, 1, 2])
    assert not known.knows([0]) and not known.knows([0, 2])
    # a hidden cell in no relation: nothing tells it
    assert not KnownSums([], np.array([True])).knows([0])


def test_a_selection_that_is_no_scope_leaves_the_scopes_figures_alone():
    # Communes A (3 answers), B (6) and C (20), each a scope, and the province.
    parts = np.array([[3], [6], [20]])
    scopes = [[0, 1, 2], [0], [1], [2]]
    alone = hidden_in_scopes(parts, scopes, MIN)
    for selection, hidden in (((0, 2), True), ((1, 2), True), ((0, 1), False)):
        decided = hidden_in_scopes(parts, scopes, MIN, selection)
        assert {k: v for k, v in decided.items() if k[0] != selection} == alone
        assert decided[selection, 0] is hidden
    # A and B hidden (A small, B its complement), C shown: A + B is the province less C.
    assert alone[(0,), 0] and alone[(1,), 0] and not alone[(2,), 0]


def test_an_officials_figure_over_a_selection_that_is_no_scope():
    # Official 7 works in agencies 1, 2 and 3; agency 3 also has official 8. Rows: the
    # parts (agency, official) and each agency's responses naming nobody (None), then
    # official 7's whole (the province's report), then each scope's total.
    pairs = ((1, 7), (1, None), (2, 7), (2, None), (3, 7), (3, 8), (3, None))
    rows = OfficialRows(pairs, ((0, 2, 4),), ((0, 1), (2, 3), (4, 5, 6), tuple(range(7))))
    counts = {(1, 7): (10,), (2, 7): (10,), (3, 7): (2,), (3, 8): (20,), (3, None): (1,)}
    table = rows.table(counts, 1)
    shown = {7: (20,)}
    within = ReportFilter(Period.parse(PERIOD), agency_ids=frozenset({1, 2}))
    # Every part shown: official 7 over agencies 1 and 2 is the sum of two shown parts.
    decided = np.zeros(len(table), dtype=bool)
    decided[[1, 3, 6]] = True  # naming nobody: never shown
    assert rows.hidden_in_report(decided, within, table, shown, MIN) == {7: False}
    # The part in agency 2 hidden: the figure over 1 and 2 would give it away.
    decided[2] = decided[4] = True
    assert rows.hidden_in_report(decided, within, table, shown, MIN) == {7: True}
    # A figure of fewer than the minimum is hidden, however it follows.
    decided[:] = False
    decided[[1, 3, 6]] = True
    small = {(1, 7): (1,), (2, 7): (2,), (3, 7): (9,)}
    assert rows.hidden_in_report(decided, within, rows.table(small, 1), {7: (3,)}, MIN) == {7: True}
