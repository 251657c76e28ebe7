"""Issue 21: the satisfaction weighted to the dossiers returned gives no hidden agency away.

The province answers 30 times itself (20 satisfied) and has four communes: A (2 answers,
1 satisfied), B (6, 2), C (20, 15) and D (20, 12). The agencies' table hides A, and B as
its complement: the raw rates leave A's satisfied answers anywhere from 0 to 2 (A and B
together have 3 of 8). Weighted to the dossiers returned (always shown: the province 200,
A 40, B 10, C 100, D 60), A is short of answers and merged into the province's stratum
while B keeps its own: the province's weighted rate, 66,3 %, counts A's satisfied
answers with one weight and B's with another, and the one (answers, satisfied) of A that
gives 66,3 % is (2, 1). So the weighted rate, its interval, design effect, effective
number and the answers' split are withheld as derived, and the outsider's search below,
run on what the report's files publish, finds A's count open again.

A commune's weighted rate is still shown where nothing is hidden with it (C's, D's).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import insert

from survey.collect.store import store_responses
from survey.db import db, write_session
from survey.dossiers.models import Dossier
from survey.org.models import Agency
from survey.results import downloads
from survey.results.counts import fold_all
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from survey.results.report_tables import file_tables
from survey.results.tables import DERIVED_FOOTNOTE, Hidden
from tests.factories import make_agency, make_desk
from tests.results.dataset import headline_province, headline_row

MIN = 5
PERIOD = "2026-Q1"
#: Per agency: (answers, satisfied, dossiers returned). The province answers itself.
UNITS = {
    "P": (30, 20, 200),
    "A": (2, 1, 40),
    "B": (6, 2, 10),
    "C": (20, 15, 100),
    "D": (20, 12, 60),
}


@pytest.fixture
def world(app):
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    day = datetime(2026, 2, 10, 3, 0)
    with app.app_context(), write_session() as session:
        version_id, _definition, headline, top, province_id = headline_province(session)
        agencies = {"P": session.get_one(Agency, province_id)}
        for name in UNITS:
            if name != "P":
                agencies[name] = make_agency(session, parent_id=province_id)
        ids = {name: agency.id for name, agency in agencies.items()}
        rows, answers, dossiers = [], {}, []
        for name, (count, satisfied, returned) in UNITS.items():
            desk = make_desk(session, agency=agencies[name])
            for number in range(count):
                value = top if number < satisfied else 1
                row, given = headline_row(
                    version_id, ids[name], desk.id, None, day, headline, value
                )
                rows.append(row)
                answers[row["uuid"]] = given
            dossiers += [
                {
                    "code_hash": f"{name}-{number}",
                    "agency_id": ids[name],
                    "procedure_id": None,
                    "received_dt": datetime(2026, 2, 5),
                    "due_dt": day,
                    "returned_dt": day,
                }
                for number in range(returned)
            ]
        store_responses(session, rows, answers)
        session.execute(insert(Dossier), dossiers)
    with app.app_context():
        fold_all(write_session)
    return ids


def _report(app, agency_id=None):
    with app.test_request_context("/?lang=en"):
        request = ReportRequest(
            period=Period.parse(PERIOD),
            questionnaire_key="onestop-quick",
            agency=None if agency_id is None else db.session.get(Agency, agency_id),
        )
        report = build_report(db.session, request, None, date(2026, 7, 1), with_comments=False)
        tables = {table.key: table for table in file_tables(report)}
        workbook = load_workbook(io.BytesIO(downloads.report_xlsx(report)))
        words = {
            word: gettext(word)
            for word in (
                "Answers",
                "Satisfied",
                "Weighted to dossiers",
                "Satisfied, weighted to the dossiers returned",
                "Design effect",
                "Answers weighted",
                "hidden",
            )
        }
    return report, tables, workbook, words


def _rounded(value: float, digits: int) -> float:
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP))


def _weighted(strata) -> tuple[float, float]:
    """The weighted rate (percent) and design effect of strata (answers, satisfied, dossiers)."""
    population = sum(dossiers for _n, _x, dossiers in strata)
    answers = sum(n for n, _x, _dossiers in strata)
    rate = sum(dossiers / population * x / n for n, x, dossiers in strata)
    design_effect = answers * sum(d * d / n for n, _x, d in strata) / population**2
    return rate * 100, design_effect


def _published(report, tables, words):
    """What the report's files say of the agencies: each shown agency's (answers,
    satisfied) from its answers and rate, every agency's dossiers returned, and the
    answers and satisfied answers the shown agencies leave to the hidden ones (the
    headline's less theirs)."""
    by_name = {row[0].text(): row for row in tables["agencies"].rows}
    columns = tables["agencies"].columns
    answers_at, rate_at = columns.index(words["Answers"]), columns.index(words["Satisfied"])
    shown = {}
    for name, row in by_name.items():
        if not row[answers_at].is_hidden:
            n = row[answers_at].shown_value()
            shown[name] = (n, round(row[rate_at].shown_value() / 100 * n))
    dossiers = {row[1].text(): row[2].shown_value() for row in tables["coverage"].rows}
    headline = report.overview.headline
    left_answers = headline.n - sum(n for n, _x in shown.values())
    left_satisfied = round(headline.rate * headline.n) - sum(x for _n, x in shown.values())
    return shown, dossiers, left_answers, left_satisfied


def test_the_weighted_rate_gives_no_hidden_commune_away(app, world):
    ids = world
    report, tables, workbook, words = _report(app)
    name = {key: report.agency_name(value) for key, value in ids.items()}
    hidden = {unit.key for unit in report.overview.agencies if unit.is_suppressed}
    assert hidden == {ids["A"], ids["B"]}
    shown, dossiers, left_answers, left_satisfied = _published(report, tables, words)
    assert (left_answers, left_satisfied) == (8, 3)
    # Every (answers, satisfied) of A that fits the published figures, with B the rest;
    # an agency short of answers merged into the province's stratum (the published rule).
    weighted_rows = {row[0].text(): row[1] for row in tables["weighted"].rows}
    published_rate = weighted_rows[words["Satisfied, weighted to the dossiers returned"]]
    published_effect = weighted_rows[words["Design effect"]]
    found = set()
    for a_answers in range(1, MIN):
        for a_satisfied in range(a_answers + 1):
            b = (left_answers - a_answers, left_satisfied - a_satisfied)
            if not 0 <= b[1] <= b[0]:
                continue
            parts = {**shown, name["A"]: (a_answers, a_satisfied), name["B"]: b}
            merged = [name["P"], *(n for n, (count, _x) in parts.items() if count < MIN)]
            strata = [
                (
                    sum(parts[n][0] for n in merged),
                    sum(parts[n][1] for n in merged),
                    sum(dossiers[n] for n in merged),
                )
            ]
            strata += [(*parts[n], dossiers[n]) for n in parts if n not in merged]
            rate, effect = _weighted(strata)
            if not published_rate.is_hidden and _rounded(rate, 1) != published_rate.shown_value():
                continue
            if (
                not published_effect.is_hidden
                and _rounded(effect, 2) != published_effect.shown_value()
            ):
                continue
            found.add((a_answers, a_satisfied))
    # The truth is among them, and A's satisfied answers are not pinned down.
    assert (UNITS["A"][0], UNITS["A"][1]) in found
    assert len({satisfied for _answers, satisfied in found}) > 1, found
    assert published_rate.hidden is Hidden.DERIVED
    assert str(DERIVED_FOOTNOTE) in " ".join(tables["weighted"].footnotes)
    # The workbook holds no weighted figure either.
    cells = [
        [cell for cell in row if cell is not None]
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    for label in (
        "Satisfied, weighted to the dossiers returned",
        "Design effect",
        "Answers weighted",
    ):
        assert [words[label], words["hidden"]] in cells


def test_a_communes_weighted_rate_is_still_shown(app, world):
    ids = world
    report, tables, _workbook, words = _report(app)
    columns = tables["agencies"].columns
    weighted_at = columns.index(words["Weighted to dossiers"])
    rows = {row[0].text(): row for row in tables["agencies"].rows}
    for commune in ("C", "D"):
        answers, satisfied, _dossiers = UNITS[commune]
        cell = rows[report.agency_name(ids[commune])][weighted_at]
        assert cell.shown_value() == _rounded(satisfied / answers * 100, 1)
    # C's own report hides nothing: its weighted rate is printed.
    report, tables, _workbook, words = _report(app, ids["C"])
    weighted_rows = {row[0].text(): row[1] for row in tables["weighted"].rows}
    rate = weighted_rows[words["Satisfied, weighted to the dossiers returned"]]
    assert rate.shown_value() == 75.0
