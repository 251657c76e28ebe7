# ruff: noqa: F811 (the fixtures weighted_world and today come from test_weighting, test_start_page)
"""Each agency's and each official's satisfaction weighted to the dossiers it handled, against
a recomputation in plain Python from the raw responses, on the pages and in every file.

The reference counts the answers to the overall question of each unit per procedure field,
gives each answer the weight N_h / n_h (the unit's dossiers returned in the field over its
answers there), merges all of a unit's fields into one stratum when a field with dossiers
has fewer than 5 answers (the documented rule, the unit being the top of its own scope),
and computes the weighted share and its interval with loops.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import datetime

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import delete, insert, select

from survey import documents
from survey.db import db, write_session
from survey.dossiers.models import Dossier
from survey.i18n import format_number, format_percent
from survey.org.models import Agency, Official, Procedure
from survey.results.filters import Period, ReportFilter
from survey.results.tables import DERIVED_FOOTNOTE, round_half_up
from survey.results.weighting import weighted_satisfactions
from tests.results.test_coverage import rows_of
from tests.results.test_report_pdf import recorded_layouts, wrapped_lines
from tests.results.test_routes import PERIOD, vietnamese
from tests.results.test_start_page import figures as headline_figures
from tests.results.test_start_page import today, words  # noqa: F401
from tests.results.test_weighting import (  # noqa: F401
    EMPTY_FIELD,
    FIELDS,
    ITEM,
    SATISFIED,
    rated_cells,
    weighted_world,
)

QUESTIONNAIRE = "onestop-quick"
QUERY = f"period={PERIOD}&questionnaire={QUESTIONNAIRE}"
MINIMUM = 5
Z_95 = 1.959963984540054
#: Dossiers returned in the period that name an official, per official (rows: the first
#: three) and field (columns, as ``FIELDS``). The last official returned none.
OFFICIAL_DOSSIERS = ((30, 5, 8), (12, 40, 3), (9, 9, 20))
#: Dossiers of a field nobody rated, for the second official: his fields merge into one.
OFFICIAL_EMPTY = 15


@pytest.fixture
def unit_dossiers(app, results_world, weighted_world):
    """The agencies' dossiers of ``test_weighting`` plus dossiers naming officials (each in
    the official's agency); returns the dossiers per (agency, field) and (official, field)."""
    organisation = results_world.organisation
    procedure_of = {
        "Hộ tịch": organisation.procedure_ids[0],
        "Đất đai": organisation.procedure_ids[1],
        None: None,
    }
    # The officials of the data set: one per desk (desk i at agency i), then a new one.
    agency_of = {
        organisation.official_ids[i]: organisation.agency_ids[i]
        for i in range(len(OFFICIAL_DOSSIERS))
    }
    by_official: dict[tuple[int, str | None], int] = {}
    for i, counts in enumerate(OFFICIAL_DOSSIERS):
        for field, count in zip(FIELDS, counts, strict=True):
            by_official[(organisation.official_ids[i], field)] = count
    returned = datetime(2026, 2, 12, 3, 0)
    rows = []
    with app.app_context(), write_session() as session:
        procedure_of[EMPTY_FIELD] = session.scalar(
            select(Procedure.id).where(Procedure.field == EMPTY_FIELD)
        )
        by_official[(organisation.official_ids[1], EMPTY_FIELD)] = OFFICIAL_EMPTY
        for (official_id, field), count in by_official.items():
            rows += [
                {
                    "code_hash": f"official-{official_id}-{field}-{number}",
                    "agency_id": agency_of[official_id],
                    "official_id": official_id,
                    "procedure_id": procedure_of[field],
                    "received_dt": datetime(2026, 2, 9),
                    "due_dt": returned,
                    "returned_dt": returned,
                }
                for number in range(count)
            ]
        session.execute(insert(Dossier), rows)
    by_agency = dict(weighted_world)
    for (official_id, field), count in by_official.items():
        key = (agency_of[official_id], field)
        by_agency[key] = by_agency.get(key, 0) + count
    return {"agency": by_agency, "official": by_official}


def reference(results_world, dossiers, unit_column, minimum=MINIMUM):
    """Each unit's weighted figures from the raw rows: {unit: dict or None (too few)}."""
    answers, satisfied = rated_cells(results_world, unit_column)
    units = {unit for unit, _field in dossiers}
    result = {}
    for unit in units:
        cells = {cell for cell in (*dossiers, *answers) if cell[0] == unit}
        short = any(dossiers.get(c, 0) and answers[c] < minimum for c in cells)
        # stratum → [N, n, x]; a short field merges all the unit's cells into one stratum.
        strata: dict = {}
        for cell in cells:
            stratum = "whole" if short else cell
            totals = strata.setdefault(stratum, [0, 0, 0])
            totals[0] += dossiers.get(cell, 0)
            totals[1] += answers[cell]
            totals[2] += satisfied[cell]
        used = [s for s in strata.values() if s[0]]
        if any(n < minimum for _population, n, _x in used):
            result[unit] = None
            continue
        weights, values = [], []
        for population, n, x in used:
            weights += [population / n] * n
            values += [1] * x + [0] * (n - x)
        total = sum(weights)
        rate = sum(w * y for w, y in zip(weights, values, strict=True)) / total
        population = sum(s[0] for s in used)
        variance = sum(
            (big_n / population) ** 2 * (x / n) * (1 - x / n) / (n - 1) for big_n, n, x in used
        )
        design_effect = len(weights) * sum(w * w for w in weights) / total**2
        result[unit] = {
            "rate": rate,
            "low": max(0.0, rate - Z_95 * math.sqrt(variance)),
            "high": min(1.0, rate + Z_95 * math.sqrt(variance)),
            "design_effect": design_effect,
            "effective_n": len(weights) / design_effect,
            "strata": len(used),
            "unweighted": sum(s[1] for s in strata.values() if not s[0]),
        }
    return result


def _compare(found, expected):
    assert set(found) == set(expected)
    for unit, figures in expected.items():
        if figures is None:
            assert found[unit] is None
            continue
        result = found[unit]
        assert result is not None
        assert result.rate == pytest.approx(figures["rate"], rel=1e-12)
        assert result.ci_low == pytest.approx(figures["low"], rel=1e-12, abs=1e-15)
        assert result.ci_high == pytest.approx(figures["high"], rel=1e-12)
        assert result.design_effect == pytest.approx(figures["design_effect"], rel=1e-12)
        assert result.effective_n == pytest.approx(figures["effective_n"], rel=1e-12)
        assert (result.strata, result.unweighted_answers) == (
            figures["strata"],
            figures["unweighted"],
        )


def test_each_unit_is_weighted_as_recomputed_from_the_raw_rows(app, results_world, unit_dossiers):
    organisation = results_world.organisation
    selection = ReportFilter(
        Period.parse(PERIOD),
        questionnaire_version_ids={organisation.version_ids[QUESTIONNAIRE]},
    )
    with app.test_request_context():
        units = weighted_satisfactions(db.session(), selection, ITEM, list(SATISFIED), MINIMUM)
    assert units is not None
    agencies = reference(results_world, unit_dossiers["agency"], "agency")
    officials = reference(results_world, unit_dossiers["official"], "official")
    _compare(units.agencies, agencies)
    _compare(units.officials, officials)
    # The premises: the second official's empty field merged his fields into one stratum,
    # another unit kept several, and the new official, without dossiers, has no figure.
    assert officials[organisation.official_ids[1]]["strata"] == 1
    assert any(figures and figures["strata"] > 1 for figures in officials.values())
    assert organisation.official_ids[3] not in units.officials


def _expected_texts(app, figures) -> tuple[str, str] | str:
    """What a ranked unit's weighted cell reads: (rate, interval), or its one text."""
    if figures is None:
        return vietnamese(app, gettext, "Too few ratings of dossiers returned")

    def percent(proportion):
        return vietnamese(app, format_percent, proportion * 100)

    return percent(figures["rate"]), f"{percent(figures['low'])} – {percent(figures['high'])}"


def _names(app, model, ids) -> dict[int, str]:
    with app.app_context():
        records = db.session.scalars(select(model).where(model.id.in_(sorted(ids))))
        return {record.id: record.name for record in records}


def test_the_pages_and_every_file_show_each_units_weighted_rate(
    app, results_world, officer, unit_dossiers
):
    # Ranked from 10 ratings, so that the officials of the small data set are compared.
    app.config["MIN_RATINGS_FOR_RANKING"] = 10
    organisation = results_world.organisation
    expected = {
        "agencies": reference(results_world, unit_dossiers["agency"], "agency"),
        "officials": reference(results_world, unit_dossiers["official"], "official"),
    }
    names = {
        "agencies": _names(app, Agency, organisation.agency_ids),
        "officials": _names(app, Official, organisation.official_ids),
    }
    no_data = vietnamese(app, gettext, "No dossier data")
    column = vietnamese(app, gettext, "Weighted to dossiers")
    client = officer("administrator")

    # The pages: the weighted rate beside the raw one, its interval under it.
    for kind in ("agencies", "officials"):
        page = client.get(f"/officer/results/{kind}?{QUERY}").get_data(as_text=True)
        assert f">{column}</th>" in page
        for unit, figures in expected[kind].items():
            texts = _expected_texts(app, figures)
            shown = "<br>".join(texts) if isinstance(texts, tuple) else texts
            assert shown in page, (kind, names[kind][unit])
    officials_page = client.get(f"/officer/results/officials?{QUERY}").get_data(as_text=True)
    # The new official rated, but returned no dossier: said, not left blank.
    assert no_data in officials_page

    # The CSV: the weighted rate, its interval, design effect and effective n per unit.
    response = client.get(f"/officer/results/report.csv?{QUERY}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    for kind, title in (("agencies", "Agencies"), ("officials", "Officials")):
        title = vietnamese(app, gettext, title)
        header = rows[rows.index([title]) + 1]
        first = header.index(column)
        by_name = {row[0]: row[first : first + 5] for row in rows_of(title, rows)}
        for unit, figures in expected[kind].items():
            texts = _expected_texts(app, figures)
            cells = by_name[names[kind][unit]]
            if not isinstance(texts, tuple):
                assert cells[0] == texts
                continue
            assert cells == [
                texts[0],
                *texts[1].split(" – "),
                vietnamese(app, format_number, figures["design_effect"], 2),
                vietnamese(app, format_number, figures["effective_n"]),
            ]
        if kind == "officials":
            assert by_name[names[kind][organisation.official_ids[3]]][0] == no_data

    # The workbook stores the rates as numbers, rounded as shown.
    workbook = load_workbook(io.BytesIO(client.get(f"/officer/results/report.xlsx?{QUERY}").data))
    for kind, title in (("agencies", "Agencies"), ("officials", "Officials")):
        sheet = workbook[vietnamese(app, gettext, title)]
        values = [cell.value for row in sheet.iter_rows() for cell in row]
        assert column in values
        for figures in expected[kind].values():
            if figures is not None:
                assert float(round_half_up(figures["rate"] * 100, 1)) in values
                assert float(round_half_up(figures["low"] * 100, 1)) in values

    # The PDF writes the same figures.
    pdf = client.get(f"/officer/results/report.pdf?{QUERY}").data
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    for kind in ("agencies", "officials"):
        for figures in expected[kind].values():
            if figures is not None:
                assert " ".join(_expected_texts(app, figures)[0].split()) in text


def test_the_pdf_sets_the_weighted_columns_without_breaking_a_word(
    app, results_world, officer, unit_dossiers, monkeypatch
):
    app.config["MIN_RATINGS_FOR_RANKING"] = 10
    layouts = recorded_layouts(monkeypatch)
    assert officer().get(f"/officer/results/report.pdf?{QUERY}").status_code == 200
    column = vietnamese(app, gettext, "Weighted to dossiers")
    weighted = [layout for layout in layouts if layout is not None and column in layout.columns]
    # The agencies' and the officials' tables, each laid out.
    assert len(weighted) >= 2 and len(weighted) == len(
        [layout for layout in layouts if layout is None or column in layout.columns]
    )
    pdf = documents.DocumentPdf("")
    pdf.add_page()
    for layout in weighted:
        for row, style in [(layout.columns, "B")] + [(row, "") for row in layout.rows]:
            for text, width in zip(row, layout.widths, strict=True):
                lines = wrapped_lines(pdf, text, width, style, layout.font_size)
                assert " ".join(line.strip() for line in lines) == " ".join(text.split()), text


def _row_value(page: str, label: str) -> str:
    """The figure of a report table's row, as read on the page."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>\s*<td[^>]*>(.*?)</td>', page, re.S)
    assert found, label
    return words(found.group(1))


def test_the_start_page_shows_the_weighted_rate_beside_the_raw_one(
    app, results_world, officer, unit_dossiers, today
):
    client = officer("administrator")
    shown = headline_figures(client.get("/officer/").get_data(as_text=True))
    # The overview of the same quarter and questionnaire (the start page's default).
    overview = client.get(f"/officer/results/?period={PERIOD}").get_data(as_text=True)

    def row(label):
        return _row_value(overview, vietnamese(app, gettext, label))

    weighted = shown[
        vietnamese(app, gettext, "Satisfied overall, weighted to the dossiers handled")
    ]
    low = row("Weighted confidence interval, lower bound")
    high = row("Weighted confidence interval, upper bound")
    interval = f"{low} – {high}"
    assert weighted.startswith(f"{row('Satisfied, weighted to the dossiers returned')} ")
    assert interval in weighted
    # The label says what it is: the same answers, counted by the dossiers returned.
    assert (
        vietnamese(
            app,
            gettext,
            "The same answers, each agency and procedure field counted by its dossiers returned "
            "in the period rather than by its ratings.",
        )
        in weighted
    )
    # Beside the raw rate of the same quarter and scope.
    raw = shown[vietnamese(app, gettext, "Satisfied or very satisfied overall")]
    assert raw.startswith(f"{row('Satisfied (overall question), unweighted')} ")


def test_the_start_page_says_nothing_weighted_without_dossiers(app, results_world, officer, today):
    shown = headline_figures(officer("administrator").get("/officer/").get_data(as_text=True))
    assert (
        vietnamese(app, gettext, "Satisfied overall, weighted to the dossiers handled") not in shown
    )


def _giving_away(results_world, by_official):
    """An official's field whose dossiers, taken away, leave a few of the official's answers
    without weight, and the minimum group size that makes them few: (cell, minimum, figures)."""
    for minimum in range(MINIMUM, 16):
        for official_id, field in sorted(by_official, key=str):
            trial = {key: n for key, n in by_official.items() if key != (official_id, field)}
            figures = reference(results_world, trial, "official", minimum).get(official_id)
            if figures is not None and 0 < figures["unweighted"] < minimum:
                return (official_id, field), minimum, figures
    raise AssertionError("the data set has no such field")


def test_a_weighted_rate_that_would_give_away_a_few_answers_is_hidden(
    app, results_world, officer, unit_dossiers
):
    # An official's field without dossiers gets weight 0: its few answers would then follow
    # from the raw rate and the weighted one, so the weighted figures are withheld.
    chosen, minimum, expected = _giving_away(results_world, unit_dossiers["official"])
    app.config["MIN_GROUP_SIZE"] = minimum
    app.config["MIN_RATINGS_FOR_RANKING"] = minimum
    field = chosen[1]
    with app.app_context(), write_session() as session:
        of_field = (
            Dossier.procedure_id.in_(select(Procedure.id).where(Procedure.field == field))
            if field is not None
            else Dossier.procedure_id.is_(None)
        )
        session.execute(delete(Dossier).where(Dossier.official_id == chosen[0], of_field))
    client = officer("administrator")
    response = client.get(f"/officer/results/report.csv?{QUERY}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    title = vietnamese(app, gettext, "Officials")
    header = rows[rows.index([title]) + 1]
    first = header.index(vietnamese(app, gettext, "Weighted to dossiers"))
    name = _names(app, Official, [chosen[0]])[chosen[0]]
    row = next(row for row in rows_of(title, rows) if row[0] == name)
    # Shown and ranked, but its weighted figures hidden.
    assert row[first - 7] != vietnamese(app, gettext, "hidden")
    assert row[first - 5].endswith("%")  # its raw rate: ranked
    assert row[first : first + 5] == [vietnamese(app, gettext, "hidden")] * 5
    assert vietnamese(app, format_percent, expected["rate"] * 100) not in row
    page = client.get(f"/officer/results/officials?{QUERY}").get_data(as_text=True)
    assert vietnamese(app, lambda: str(DERIVED_FOOTNOTE)) in page
