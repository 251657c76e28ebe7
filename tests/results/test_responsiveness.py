"""Responsiveness to feedback as a reform measure: cases opened, the shares acknowledged and
answered in time, the median working days to an answer and the cases overdue now, per agency
and for the scope, on the results page and in each file; small groups withheld.

The cases are opened on Monday 2 March 2026 (no holiday in that month): to acknowledge by
Wednesday 4 March (2 working days), to answer by Monday 16 March (10 working days). The
expected figures are counted by hand below, day by day on the calendar."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from survey.db import write_session
from survey.feedback.cases import Opening, open_case
from survey.feedback.models import CaseSource, CaseState
from survey.i18n import format_number, format_percent
from survey.results.disclosure import hidden_units
from tests.results.test_coverage import rows_of
from tests.results.test_routes import PERIOD, vietnamese

QUERY = f"period={PERIOD}&questionnaire=onestop-quick"
TITLE = "Mức độ đáp ứng phản ánh, kiến nghị của người dân"
OPENED = datetime(2026, 3, 2, 3, 0)  # 10:00 in Vietnam

#: (acknowledged, closed, state) on days of March 2026, and the working days to the answer.
AGENCY_A = [
    (3, 6, CaseState.ANSWERED),  # 4 working days; both in time
    (4, 13, CaseState.ANSWERED),  # 9
    (5, 20, CaseState.ANSWERED),  # 14; acknowledged late, answered late
    (3, 10, CaseState.UNFOUNDED),  # 6; in time
    (3, None, CaseState.IN_PROGRESS),  # open: overdue now
    (None, None, CaseState.NEW),  # never acknowledged: late, overdue now
    (3, 16, CaseState.ANSWERED),  # 10; answered on its last day: in time
    (4, 18, CaseState.ANSWERED),  # 12; late
]
AGENCY_C = [(3, 6, CaseState.ANSWERED)] * 6  # 4 working days each, all in time


def add_cases(app, agency_id: int, cases) -> None:
    with app.app_context(), write_session() as session:
        for acknowledged, closed, state in cases:
            opening = Opening(source=CaseSource.DIRECT, agency_id=agency_id, language="vi")
            case = open_case(session, opening, OPENED)
            assert (case.acknowledge_due, case.answer_due) == (date(2026, 3, 4), date(2026, 3, 16))
            case.state = state
            if acknowledged is not None:
                case.acknowledged_dt = datetime(2026, 3, acknowledged, 4, 0)
            if closed is not None:
                case.closed_dt = datetime(2026, 3, closed, 9, 0)


@pytest.fixture
def cases(app, results_world):
    agencies = results_world.organisation.agency_ids
    add_cases(app, agencies[0], AGENCY_A)
    add_cases(app, agencies[2], AGENCY_C)
    return agencies


def expected_row(app, opened, acknowledged, answered, median, overdue):
    return [
        vietnamese(app, format_number, opened),
        vietnamese(app, format_percent, acknowledged * 100),
        vietnamese(app, format_percent, answered * 100),
        vietnamese(app, format_number, median, 1),
        vietnamese(app, format_number, overdue),
    ]


def agency_name(app, agency_id):
    from survey.db import db
    from survey.org.models import Agency

    with app.app_context():
        return db.session.get_one(Agency, agency_id).name


def test_the_figures_in_the_csv(app, officer, cases):
    response = officer("reform_office").get(f"/officer/results/report.csv?{QUERY}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    table = {row[0]: row[1:] for row in rows_of(TITLE, rows) if len(row) > 1}  # no footnote
    # A: 8 opened; acknowledged in time 6 of 8; answered in time 4 of 8 (1, 2, 4, 7);
    # median of 4, 6, 9, 10, 12, 14 working days = 9.5; overdue now: 2.
    assert table[agency_name(app, cases[0])] == expected_row(app, 8, 6 / 8, 4 / 8, 9.5, 2)
    assert table[agency_name(app, cases[2])] == expected_row(app, 6, 1, 1, 4, 0)
    # The scope: 14 opened, 12 and 10 in time, median of seven 4s and 6, 9, 10, 12, 14 = 4.
    assert table["Toàn phạm vi"] == expected_row(app, 14, 12 / 14, 10 / 14, 4, 2)


def test_the_page_the_workbook_and_the_pdf(app, officer, cases):
    client = officer("reform_office")
    page = client.get(f"/officer/results/?{QUERY}").get_data(as_text=True)
    assert TITLE in page and vietnamese(app, format_number, 9.5, 1) in page
    workbook = load_workbook(io.BytesIO(client.get(f"/officer/results/report.xlsx?{QUERY}").data))
    values = [cell.value for row in workbook["Đáp ứng phản ánh"].iter_rows() for cell in row]
    assert 9.5 in values and 14 in values and 75.0 in values
    pdf = client.get(f"/officer/results/report.pdf?{QUERY}").data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert TITLE in text and "Tỉnh thử nghiệm 8 75,0 % 50,0 % 9,5 2" in text.replace("\xa0", " ")


def test_an_agency_scope_sees_its_own_cases_only(app, officer, cases):
    # The agency manager's scope is the first ward (agency_ids[1]): no case there.
    page = officer("agency_manager").get(f"/officer/results/?{QUERY}").get_data(as_text=True)
    assert TITLE not in page


def test_a_small_group_is_withheld_with_its_complement(app, officer, cases):
    add_cases(app, cases[1], AGENCY_C[:2])  # two cases: too few to show
    response = officer("reform_office").get(f"/officer/results/report.csv?{QUERY}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    table = {row[0]: row[1:] for row in rows_of(TITLE, rows) if len(row) > 1}  # no footnote
    hidden = {name for name, row in table.items() if "ẩn" in row[0]}
    assert agency_name(app, cases[1]) in hidden
    assert len(hidden) == 2  # and one more: else 16 minus the others gives the two away
    assert table["Toàn phạm vi"][0] == vietnamese(app, format_number, 16)


def test_hidden_units_follow_the_audit():
    assert hidden_units([], 0, 5).tolist() == []
    assert hidden_units([12, 9], 21, 5).tolist() == [False, False]
    hidden = hidden_units([12, 3, 9], 24, 5)
    assert hidden[1] and hidden.sum() == 2
    assert np.array_equal(hidden_units([3], 3, 5), [True])
