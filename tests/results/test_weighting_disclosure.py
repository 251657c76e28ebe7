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

Within an agency the same holds of its officials: the province's official X (3 answers,
1 satisfied, field "Hộ tịch") is hidden, covered by the answers naming nobody (5, field
"Đất đai"); the raw rates leave X's satisfied answers anywhere from 0 to 2. The agency's
weighted rate counts the two fields with their own weights; with the dossiers of each
field (printed by the reports on one field) and the fields of the shown officials, the
one X that gives it is (3, 1). So the agency's weighted rate is withheld, and the
scope's too: the province is the only agency whose split between the fields its own
figures leave open.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import insert

from survey.collect.store import canonical_body_hash, store_responses
from survey.db import db, write_session
from survey.dossiers.models import Dossier
from survey.org.models import Agency, Procedure
from survey.results import downloads
from survey.results.counts import fold_all
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from survey.results.report_tables import file_tables
from survey.results.tables import DERIVED_FOOTNOTE, Hidden
from survey.results.weighting import AGENCY_PROCEDURE_FIELD, WeightedUnits
from tests.factories import make_agency, make_desk, make_official
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


#: When every response was given and every dossier returned.
DAY = datetime(2026, 2, 10, 3, 0)


def _ratings(setup, agency_id, desk_id, official_id, counts, procedure_id=None):
    """``counts`` (answers, satisfied) kiosk responses to the headline of ``setup`` (a
    :func:`headline_province`): the satisfied ones at its top value, the others at 1."""
    rows = []
    for number in range(counts[0]):
        value = setup.top if number < counts[1] else 1
        row, given = headline_row(
            setup.version_id, agency_id, desk_id, official_id, DAY, setup.headline, value
        )
        if procedure_id is not None:
            row["procedure_id"] = procedure_id
            del row["body_hash"]
            row["body_hash"] = canonical_body_hash({"answers": given, **row})
        rows.append((row, given))
    return rows


def _returned(agency_id, procedure_id, count):
    """``count`` dossiers of an agency and procedure returned on ``DAY``."""
    return [
        {
            "code_hash": f"{agency_id}-{procedure_id}-{number}",
            "agency_id": agency_id,
            "procedure_id": procedure_id,
            "received_dt": datetime(2026, 2, 5),
            "due_dt": DAY,
            "returned_dt": DAY,
        }
        for number in range(count)
    ]


def _store(session, ratings, dossiers):
    store_responses(
        session, [row for row, _given in ratings], {row["uuid"]: given for row, given in ratings}
    )
    session.execute(insert(Dossier), dossiers)


@pytest.fixture
def settings(app):
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1


@pytest.fixture
def world(app, settings):
    with app.app_context(), write_session() as session:
        setup = headline_province(session)
        agencies = {"P": session.get_one(Agency, setup.province_id)}
        for name in UNITS:
            if name != "P":
                agencies[name] = make_agency(session, parent_id=setup.province_id)
        ratings, dossiers = [], []
        for name, (count, satisfied, returned) in UNITS.items():
            agency_id = agencies[name].id
            desk = make_desk(session, agency=agencies[name])
            ratings += _ratings(setup, agency_id, desk.id, None, (count, satisfied))
            dossiers += _returned(agency_id, None, returned)
        _store(session, ratings, dossiers)
    with app.app_context():
        fold_all(write_session)
    return {name: agency.id for name, agency in agencies.items()}


def _report(app, agency_id=None, procedure_field=None):
    with app.test_request_context("/?lang=en"):
        request = ReportRequest(
            period=Period.parse(PERIOD),
            questionnaire_key="onestop-quick",
            agency=None if agency_id is None else db.session.get(Agency, agency_id),
            procedure_field=procedure_field,
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


#: The province's answers by official (None: naming none): (procedure field, answers,
#: satisfied). X is small and hidden, the answers naming nobody covering it; Y and Z shown.
OFFICIALS = {
    "X": ("Hộ tịch", 3, 1),
    "Y": ("Đất đai", 8, 3),
    "Z": ("Hộ tịch", 20, 14),
    None: ("Đất đai", 5, 1),
}
#: The province's dossiers returned per procedure field.
FIELD_DOSSIERS = {"Hộ tịch": 100, "Đất đai": 20}
#: A commune beside it, so that the agencies are compared: (answers, satisfied, dossiers),
#: all in the first field and naming nobody.
COMMUNE = (20, 10, 50)


@pytest.fixture
def officials_world(app, settings):
    """One agency whose officials answered in two procedure fields (``OFFICIALS``), and
    a commune."""
    with app.app_context(), write_session() as session:
        setup = headline_province(session)
        province_id = setup.province_id
        desk = make_desk(session, agency=session.get_one(Agency, province_id))
        procedures = {
            field: Procedure(code=field, name=field, field=field) for field in FIELD_DOSSIERS
        }
        session.add_all(procedures.values())
        session.flush()
        commune = make_agency(session, parent_id=province_id)
        ids = {"province": province_id, "commune": commune.id}
        ratings = _ratings(
            setup,
            commune.id,
            make_desk(session, agency=commune).id,
            None,
            COMMUNE[:2],
            procedures["Hộ tịch"].id,
        )
        for name, (field, *counts) in OFFICIALS.items():
            if name is not None:
                ids[name] = make_official(session, desk, name=f"Cán bộ {name}").id
            ratings += _ratings(
                setup, province_id, desk.id, ids.get(name), counts, procedures[field].id
            )
        dossiers = _returned(commune.id, procedures["Hộ tịch"].id, COMMUNE[2])
        for field, count in FIELD_DOSSIERS.items():
            dossiers += _returned(province_id, procedures[field].id, count)
        _store(session, ratings, dossiers)
    with app.app_context():
        fold_all(write_session)
    return ids


def _row_figures(table, words, name):
    """A unit's (answers, satisfied) from its row's answers and rate, and the row."""
    row = next(row for row in table.rows if row[0].text() == name)
    answers = row[table.columns.index(words["Answers"])].shown_value()
    rate = row[table.columns.index(words["Satisfied"])].shown_value()
    return (answers, round(rate / 100 * answers)), row


def _field_figures(strata, others=()) -> tuple[float, ...]:
    """The weighted rate, design effect and interval (rounded as printed) of an agency's
    fields' (answers, satisfied, dossiers), merged into one when one has fewer than the
    minimum, beside the strata of ``others``."""
    if min(n for n, _x, _d in strata) < MIN:
        strata = [tuple(map(sum, zip(*strata, strict=True)))]
    strata = [*strata, *others]
    rate, effect = _weighted(strata)
    population = sum(d for _n, _x, d in strata)
    variance = sum((d / population) ** 2 * (x / n) * (1 - x / n) / (n - 1) for n, x, d in strata)
    margin = 1.959963984540054 * variance**0.5 * 100
    return (
        _rounded(rate, 1),
        _rounded(effect, 2),
        _rounded(max(0.0, rate - margin), 1),
        _rounded(min(100.0, rate + margin), 1),
    )


def test_an_agencys_weighted_rate_gives_no_hidden_official_away(app, officials_world):
    # X (3 answers) is hidden, covered by the answers naming nobody (5): the raw rates
    # leave X's satisfied answers anywhere from 0 to 2. With the dossiers of each field
    # (the reports on one field print them) and the fields of the shown officials (their
    # answers there), the weighted rate pins X down unless withheld.
    ids = officials_world
    report, tables, _workbook, words = _report(app)
    hidden = {unit.key for unit in report.overview.officials if unit.is_suppressed}
    assert hidden == {ids["X"]}
    province_name = report.agency_name(ids["province"])
    province, row = _row_figures(tables["agencies"], words, province_name)
    commune = _row_figures(tables["agencies"], words, report.agency_name(ids["commune"]))[0]
    assert commune == COMMUNE[:2]
    # The commune answered in one field: its stratum in the scope's weighted rate.
    commune_stratum = [(*commune, COMMUNE[2])]
    shown = {
        name: _row_figures(tables["officials"], words, report.official_name(ids[name]))[0]
        for name in ("Y", "Z")
    }
    left = tuple(province[i] - shown["Y"][i] - shown["Z"][i] for i in (0, 1))
    assert left == (8, 2)
    dossiers, fields = {}, {}
    for field in FIELD_DOSSIERS:
        _field_report, field_tables, _workbook, _words = _report(app, procedure_field=field)
        coverage = field_tables["coverage"].rows
        dossiers[field] = next(r[2] for r in coverage if r[1].text() == province_name).shown_value()
        for name in ("Y", "Z"):
            official = report.official_name(ids[name])
            if any(r[0].text() == official for r in field_tables["officials"].rows):
                fields[name] = field
    assert dossiers == FIELD_DOSSIERS and fields == {"Y": "Đất đai", "Z": "Hộ tịch"}
    # Every weighted figure printed over the province's answers: its row's, the scope's.
    columns = tables["agencies"].columns
    scope = {r[0].text(): r[1] for r in tables["weighted"].rows}
    published = [
        (row[columns.index(words["Weighted to dossiers"])], 0, ()),
        (row[columns.index(words["Design effect"])], 1, ()),
        (scope[words["Satisfied, weighted to the dossiers returned"]], 0, commune_stratum),
        (scope[words["Design effect"]], 1, commune_stratum),
    ]
    found = set()
    for x_answers in range(1, MIN):
        for x_satisfied in range(min(x_answers, left[1]) + 1):
            rest = (left[0] - x_answers, left[1] - x_satisfied)
            if rest[1] > rest[0]:
                continue
            # X's field and that of the answers naming nobody are not printed: any.
            for x_field in FIELD_DOSSIERS:
                for rest_field in FIELD_DOSSIERS:
                    cells = {field: [0, 0] for field in FIELD_DOSSIERS}
                    for field, (n, x) in (
                        *((fields[name], shown[name]) for name in shown),
                        (x_field, (x_answers, x_satisfied)),
                        (rest_field, rest),
                    ):
                        cells[field][0] += n
                        cells[field][1] += x
                    strata = [(*cells[field], dossiers[field]) for field in FIELD_DOSSIERS]
                    if all(
                        cell.is_hidden
                        or _field_figures(strata, others)[which] == cell.shown_value()
                        for cell, which, others in published
                    ):
                        found.add((x_answers, x_satisfied))
    assert (OFFICIALS["X"][1], OFFICIALS["X"][2]) in found
    assert len({satisfied for _answers, satisfied in found}) > 1, found
    assert published[0][0].hidden is Hidden.DERIVED
    assert str(DERIVED_FOOTNOTE) in tables["agencies"].footnotes


def test_the_parts_a_report_does_not_publish():
    # Agency 1: official 7 (shown, only there) in field a, official 8 (hidden) in a, the
    # answers naming nobody in b. Official 9 answers in agency 1 (3, field b) and 2 (20).
    parts = {
        (1, 7): {"a": 20},
        (1, 8): {"a": 3},
        (1, None): {"b": 6},
        (1, 9): {"b": 3},
        (2, 9): {"a": 12, "b": 8},
        (2, None): {"a": 4},
    }
    units = WeightedUnits(AGENCY_PROCEDURE_FIELD, None, {}, {}, parts)
    # The period's decision hides official 8, official 9's small part in agency 1, and
    # (as every decision does) the answers naming nobody.
    hidden = {(1, 8), (1, 9), (1, None), (2, None)}
    # Official 8 hidden, official 9's part in agency 1 hidden: with the nameless answers.
    assert units.unpublished_cells("agencies", 1, {7, 9}, hidden) == {(1, "a"), (1, "b")}
    # Agency 2: only its answers naming nobody are no table's (the raw rates give them).
    assert units.unpublished_cells("agencies", 2, {7, 9}, hidden) == set()
    # Official 9: a part hidden in agency 1, so each part is unpublished; 7: none hidden.
    assert units.unpublished_cells("officials", 9, {7, 9}, hidden) == {(9, "a"), (9, "b")}
    assert units.unpublished_cells("officials", 7, {7, 9}, hidden) == set()
    # A part of 20 hidden as a complement is unpublished as much as a small one.
    assert units.unpublished_cells("officials", 9, {7, 9}, {(2, 9)}) == {(9, "a"), (9, "b")}
