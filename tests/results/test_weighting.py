"""Satisfaction weighted to the dossiers handled, against a recomputation in plain Python.

The reference reads the raw responses (tests/results/dataset.py), counts the answers to the
overall question per agency × procedure field, gives each answer the weight N_h / n_h (the
dossiers returned in its stratum over its answers) and computes the weighted share, the
stratified variance (Cochran 1977, 5A.9), Kish's design effect and the effective number of
respondents with loops. One stratum has dossiers and no rating: it must be merged with its
agency, and the share of dossiers that moved said.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import delete, insert, select

from survey.db import db, write_session
from survey.dossiers.models import Dossier
from survey.i18n import format_number, format_percent
from survey.org.models import Procedure
from survey.results.filters import Period, ReportFilter
from survey.results.report import ReportRequest, build_report
from survey.results.report_tables import weighted_table
from survey.results.tables import Hidden, round_half_up
from survey.results.weighting import CellCounts, collapse_strata, weighted_satisfactions
from tests.results.dataset import selected
from tests.results.test_coverage import rows_of
from tests.results.test_routes import PERIOD, vietnamese

QUESTIONNAIRE = "onestop-quick"
QUERY = f"period={PERIOD}&questionnaire={QUESTIONNAIRE}"
ITEM, SATISFIED = "overall_satisfaction", (2, 3)
FIELDS = ("Hộ tịch", "Đất đai", None)
#: Dossiers returned in the period per agency (rows) and field (columns): unequal on purpose.
DOSSIERS = ((40, 7, 13), (120, 9, 30), (6, 200, 11))
#: Dossiers of a field nobody rated, at the third agency: that stratum must be collapsed.
EMPTY_FIELD, EMPTY_DOSSIERS = "Xây dựng", 25
Z_95 = 1.959963984540054
#: The first sentence of the method note on the weighting, as every report writes it.
METHOD_NOTE = (
    "Where dossiers from the one-stop system are loaded, the satisfied share is also "
    "weighted to the dossiers returned: each stratum (by default an agency and "
    "procedure field) counts in proportion to its dossiers, its ratings standing for "
    "all of them."
)


@pytest.fixture
def weighted_world(app, results_world):
    organisation = results_world.organisation
    procedure_of = {
        "Hộ tịch": organisation.procedure_ids[0],
        "Đất đai": organisation.procedure_ids[1],
        None: None,
    }
    returned = datetime(2026, 2, 10, 3, 0)
    rows = []
    with app.app_context(), write_session() as session:
        empty = Procedure(code="TEST-EMPTY", name="Cấp phép xây dựng", field=EMPTY_FIELD)
        session.add(empty)
        session.flush()
        procedure_of[EMPTY_FIELD] = empty.id
        counts = {
            (organisation.agency_ids[a], field): DOSSIERS[a][f]
            for a in range(3)
            for f, field in enumerate(FIELDS)
        }
        counts[(organisation.agency_ids[2], EMPTY_FIELD)] = EMPTY_DOSSIERS
        for (agency_id, field), count in counts.items():
            # Two more per cell returned after the quarter: they must not count.
            for number in range(count + 2):
                rows.append(
                    {
                        "code_hash": f"{agency_id}-{field}-{number}",
                        "agency_id": agency_id,
                        "procedure_id": procedure_of[field],
                        "received_dt": returned - timedelta(days=3),
                        "due_dt": returned,
                        "returned_dt": returned if number < count else datetime(2026, 4, 2),
                    }
                )
        session.execute(insert(Dossier), rows)
    return counts


def rated_cells(results_world, unit_column: str) -> tuple[Counter, Counter]:
    """The answers to ``ITEM`` in the period, and the satisfied ones, per (unit, procedure
    field), from the raw rows; a response naming no unit in ``unit_column`` is left out."""
    selection = ReportFilter(
        Period.parse(PERIOD),
        questionnaire_version_ids={results_world.organisation.version_ids[QUESTIONNAIRE]},
    )
    answers: Counter = Counter()
    satisfied: Counter = Counter()
    for response in results_world.responses:
        answer = response["answers"].get(ITEM)
        if not selected(response, selection) or answer is None or answer.value is None:
            continue
        if response[unit_column] is None:
            continue
        cell = (response[unit_column], response["procedure_field"])
        answers[cell] += 1
        satisfied[cell] += answer.value in SATISFIED
    return answers, satisfied


def reference(results_world, dossiers, minimum=5):
    """The weighted figures of the data set, recomputed from the raw rows."""
    organisation = results_world.organisation
    answers, satisfied = rated_cells(results_world, "agency")
    collapsed_agency = organisation.agency_ids[2]
    # The premise of the test: only the empty field's stratum is short of answers.
    assert answers[(collapsed_agency, EMPTY_FIELD)] == 0
    assert all(answers[cell] >= minimum for cell in dossiers if cell[1] != EMPTY_FIELD)
    strata = {}  # stratum → (N, n, x)
    for cell, count in dossiers.items():
        stratum = ("agency", collapsed_agency) if cell[0] == collapsed_agency else cell
        n, x = answers[cell], satisfied[cell]
        before = strata.get(stratum, (0, 0, 0))
        strata[stratum] = (before[0] + count, before[1] + n, before[2] + x)
    weights, values = [], []
    for population, n, x in strata.values():
        weights += [population / n] * n
        values += [1] * x + [0] * (n - x)
    total_weight = sum(weights)
    rate = sum(w * y for w, y in zip(weights, values, strict=True)) / total_weight
    total_dossiers = sum(population for population, _n, _x in strata.values())
    variance = sum(
        (population / total_dossiers) ** 2 * (x / n) * (1 - x / n) / (n - 1)
        for population, n, x in strata.values()
    )
    design_effect = len(weights) * sum(w * w for w in weights) / total_weight**2
    return {
        "rate": rate,
        "low": rate - Z_95 * math.sqrt(variance),
        "high": rate + Z_95 * math.sqrt(variance),
        "design_effect": design_effect,
        "effective_n": len(weights) / design_effect,
        "answers": len(weights),
        "dossiers": total_dossiers,
        "strata": len(strata),
        "moved_share": EMPTY_DOSSIERS / total_dossiers,
    }


def test_the_weighted_rate_is_recomputed_from_the_raw_rows(app, results_world, weighted_world):
    expected = reference(results_world, weighted_world)
    organisation = results_world.organisation
    selection = ReportFilter(
        Period.parse(PERIOD),
        questionnaire_version_ids={organisation.version_ids[QUESTIONNAIRE]},
    )
    with app.test_request_context():
        units = weighted_satisfactions(db.session(), selection, ITEM, list(SATISFIED), 5)
    assert units is not None
    result = units.scope
    assert result is not None
    assert result.rate == pytest.approx(expected["rate"], rel=1e-12)
    assert result.ci_low == pytest.approx(expected["low"], rel=1e-12)
    assert result.ci_high == pytest.approx(expected["high"], rel=1e-12)
    assert result.design_effect == pytest.approx(expected["design_effect"], rel=1e-12)
    assert result.effective_n == pytest.approx(expected["effective_n"], rel=1e-12)
    assert (result.answers, result.dossiers, result.strata) == (
        expected["answers"],
        expected["dossiers"],
        expected["strata"],
    )
    # Ten cells had dossiers; the empty one was merged with its agency, its dossiers kept.
    assert (result.cells, result.collapsed_cells, result.unweighted_answers) == (10, 1, 0)
    assert result.moved_share == pytest.approx(expected["moved_share"])


def test_every_file_and_the_page_show_the_weighted_figures(
    app, results_world, officer, weighted_world
):
    expected = reference(results_world, weighted_world)
    client = officer("administrator")
    title = vietnamese(app, gettext, "Satisfaction weighted to the dossiers handled")
    response = client.get(f"/officer/results/report.csv?{QUERY}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    values = [row[1] for row in rows_of(title, rows) if len(row) > 1]

    def percent(proportion):
        return vietnamese(app, format_percent, proportion * 100)

    assert values[1:6] == [
        percent(expected["rate"]),
        percent(expected["low"]),
        percent(expected["high"]),
        vietnamese(app, format_number, expected["design_effect"], 2),
        vietnamese(app, format_number, expected["effective_n"]),
    ]
    assert values[7:12] == [
        vietnamese(app, format_number, expected["dossiers"]),
        "10",
        "1",
        vietnamese(app, format_number, expected["strata"]),
        percent(expected["moved_share"]),
    ]
    method = vietnamese(app, gettext, METHOD_NOTE)
    assert [method] in rows

    page = client.get(f"/officer/results/?{QUERY}").get_data(as_text=True)
    assert f"<caption>{title}</caption>" in page
    assert percent(expected["rate"]) in page

    workbook = load_workbook(io.BytesIO(client.get(f"/officer/results/report.xlsx?{QUERY}").data))
    sheet = workbook[vietnamese(app, gettext, "Weighted")]
    cells = [cell.value for row in sheet.iter_rows() for cell in row]
    assert float(round_half_up(expected["rate"] * 100, 1)) in cells
    notes = workbook[vietnamese(app, gettext, "Method")]
    assert method in [cell.value for row in notes.iter_rows() for cell in row]

    pdf = client.get(f"/officer/results/report.pdf?{QUERY}").data
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert title in " ".join(text.split())


def test_a_few_answers_with_weight_0_are_hidden_with_the_sizes_they_give_away(
    app, results_world, weighted_world
):
    """The answers of a stratum left without dossiers get weight 0; when they are few,
    their count is a small group, and so is what gives it away: the answers weighted (all
    the answers less them), and the design effect and effective number (their ratio)."""
    answers, _satisfied = rated_cells(results_world, "agency")
    # The first ward's answers naming no procedure (9): its other fields keep 12 and more.
    agency, field = results_world.organisation.agency_ids[1], None
    app.config["MIN_GROUP_SIZE"] = answers[agency, field] + 1
    with app.app_context(), write_session() as session:
        procedures = select(Procedure.id).where(Procedure.field == field)
        of_field = Dossier.procedure_id.in_(procedures) if field else Dossier.procedure_id.is_(None)
        session.execute(delete(Dossier).where(Dossier.agency_id == agency, of_field))
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(period=Period.parse(PERIOD), questionnaire_key=QUESTIONNAIRE)
        report = build_report(db.session, request, None, date(2026, 7, 1), with_comments=False)
        table = weighted_table(report)
    assert report.weighted.unweighted_answers == answers[agency, field]
    reasons = {row[0].text(): row[1].hidden for row in table.rows}
    assert reasons["Câu trả lời thuộc tầng không có hồ sơ (trọng số 0)"] is Hidden.SMALL_GROUP
    for words in (
        "Số câu trả lời được gia quyền",
        "Hệ số ảnh hưởng thiết kế",
        "Số người trả lời hiệu dụng",
    ):
        assert reasons[words] is Hidden.DERIVED, words


def test_agency_strata_are_a_setting(app, results_world, weighted_world):
    organisation = results_world.organisation
    app.config["WEIGHTING_STRATA"] = "agency"
    selection = ReportFilter(
        Period.parse(PERIOD),
        questionnaire_version_ids={organisation.version_ids[QUESTIONNAIRE]},
    )
    per_agency = {}
    for (agency, _field), count in weighted_world.items():
        per_agency[(agency, None)] = per_agency.get((agency, None), 0) + count
    with app.test_request_context():
        units = weighted_satisfactions(db.session(), selection, ITEM, list(SATISFIED), 5)
    assert units is not None
    result = units.scope
    assert result is not None
    assert (result.strata, result.collapsed_cells, result.moved_dossiers) == (3, 0, 0)
    assert result.dossiers == sum(per_agency.values())


def test_without_dossiers_there_is_no_weighted_rate(app, results_world, officer):
    page = officer("administrator").get(f"/officer/results/?{QUERY}").get_data(as_text=True)
    title = vietnamese(app, gettext, "Satisfaction weighted to the dossiers handled")
    assert title not in page


def test_a_stratum_short_of_ratings_moves_up_the_agency_tree():
    # Province 1 > ward 2 > commune 3. The commune's only field has one rating: its
    # agency stratum is still short, so it joins the ward's (whose fields it pools).
    cells = {
        (1, "a"): CellCounts(100, 20, 15),
        (2, "a"): CellCounts(50, 10, 8),
        (2, "b"): CellCounts(30, 6, 3),
        (3, "a"): CellCounts(40, 1, 1),
    }
    collapsed = collapse_strata(cells, {1: None, 2: 1, 3: 2}, minimum=5)
    assert sorted(collapsed.strata, key=lambda s: s.dossiers) == [
        CellCounts(100, 20, 15),
        CellCounts(120, 17, 12),
    ]
    assert (collapsed.cells, collapsed.collapsed_cells, collapsed.moved_dossiers) == (4, 1, 40)
    # With the ward short too, everything below the province joins the province.
    cells[(2, "a")] = CellCounts(50, 1, 1)
    cells[(2, "b")] = CellCounts(30, 0, 0)
    collapsed = collapse_strata(cells, {1: None, 2: 1, 3: 2}, minimum=5)
    assert collapsed.strata == (CellCounts(220, 22, 17),)
    assert (collapsed.collapsed_cells, collapsed.moved_dossiers) == (3, 120)


def test_a_short_top_agency_joins_the_whole_scope():
    cells = {(1, None): CellCounts(10, 2, 1), (4, None): CellCounts(90, 30, 20)}
    collapsed = collapse_strata(cells, {1: None, 4: None}, minimum=5)
    assert collapsed.strata == (CellCounts(100, 32, 21),)
