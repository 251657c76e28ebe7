"""Issue 21, case 6 for officials: an official's suppression does not depend on which
report shows them, in the officials' table and in the officials' quarters.

Commune A has officials X (2 responses), Y (6) and Z (20), and responses naming nobody;
commune B has U (3) and V (20). Decided within A's report, X is hidden with Y as its
complement; decided within the province's, X and U cover each other and Y is shown, so
A's total less Z, Y and the responses naming nobody would give X away. Decided once for
the period at the finest level (each official's part in each agency, beside each agency's
responses naming no official), every report shows the same decision, and the audit of
everything the three reports publish together finds no small figure pinned down.
"""

from datetime import date, datetime

import numpy as np
import pytest

from analysis import hidden_cell_intervals
from survey.collect.store import store_responses
from survey.db import db, write_session
from survey.org.models import Agency
from survey.results.counts import fold_all
from survey.results.disclosure import hidden_groups
from survey.results.filters import Period, ReportFilter
from survey.results.overview import satisfaction_overview
from survey.results.report import ReportRequest, build_report
from survey.results.tables import DERIVED_FOOTNOTE, Hidden
from tests.factories import make_agency, make_desk, make_official
from tests.results.dataset import headline_province, headline_row

MIN = 5
#: Responses per official and quarter of 2026 (None: naming no official).
STAFF = {
    "A": {"X": (2, 0, 0, 0), "Y": (2, 2, 1, 1), "Z": (5, 5, 5, 5), None: (1, 1, 1, 1)},
    "B": {"U": (0, 3, 0, 0), "V": (5, 5, 5, 5)},
}


@pytest.fixture
def world(app_context):
    with write_session() as session:
        version_id, definition, headline, top, province_id = headline_province(session)
        communes, officials, rows, answers = {}, {}, [], {}
        for commune_name, staff in STAFF.items():
            commune = make_agency(session, parent_id=province_id)
            desk = make_desk(session, agency=commune)
            communes[commune_name] = commune
            for name, by_quarter in staff.items():
                official = None if name is None else make_official(session, desk, name=name)
                if official is not None:
                    officials[name] = official.id
                for quarter, count in enumerate(by_quarter):
                    for _ in range(count):
                        day = datetime(2026, 3 * quarter + 2, 10, 3, 0)
                        row, given = headline_row(
                            version_id,
                            commune.id,
                            desk.id,
                            None if official is None else official.id,
                            day,
                            headline,
                            top,
                        )
                        rows.append(row)
                        answers[row["uuid"]] = given
        store_responses(session, rows, answers)
        agencies = {name: commune.id for name, commune in communes.items()}
    fold_all(write_session)
    return definition, agencies, officials


def _officials(definition, agency_ids, period="2026"):
    result = satisfaction_overview(
        db.session,
        ReportFilter(Period.parse(period), agency_ids=agency_ids),
        definition,
        min_group_size=MIN,
        min_ratings_for_ranking=1,
    )
    return result, {unit.key: unit.is_suppressed for unit in result.officials}


def test_case_6_an_officials_complement_in_an_agencys_report_is_hidden_everywhere(world):
    definition, agencies, ids = world
    year = {name: sum(by_quarter) for staff in STAFF.values() for name, by_quarter in staff.items()}
    # Decided apart, A's report and the province's disagree on Y: the case the issue found.
    in_a = [year[name] for name in ("X", "Y", "Z")]
    everyone = [year[name] for name in ("X", "Y", "Z", "U", "V")]
    alone = hidden_groups(in_a, in_a, MIN, lower_bound=1)
    apart = hidden_groups(everyone, everyone, MIN, lower_bound=1)
    assert alone[1] and not apart[1]

    reports = {
        "province": _officials(definition, None),
        "A": _officials(definition, frozenset({agencies["A"]})),
        "B": _officials(definition, frozenset({agencies["B"]})),
    }
    province = reports["province"][1]
    for name in ("A", "B"):
        for official, hidden in reports[name][1].items():
            assert province[official] == hidden
    # X is covered by the responses naming nobody; U, beside B's total, by V or that total.
    assert province[ids["X"]] and province[ids["U"]] and not province[ids["Y"]]
    assert province[ids["V"]] or reports["B"][0].total_hidden

    # Everything the three reports publish together: the officials shown, each report's
    # total of responses (naming an official or not); the responses naming no official
    # are not shown anywhere (at least 0), a listed official has at least one response.
    names = ["X", "Y", "Z", "U", "V"]
    values = np.array([year[name] for name in names] + [year[None], 0])
    hidden = np.array([province[ids[name]] for name in names] + [True, True])
    in_commune = {"A": [0, 1, 2, 5], "B": [3, 4, 6]}
    relations = [({i: 1 for i in range(len(values))}, reports["province"][0].responses)]
    for name, cells in in_commune.items():
        relations.append(({i: 1 for i in cells}, reports[name][0].responses))
    small = np.array([0 < year[name] < MIN for name in names] + [False, False])
    lower = np.where(small, 1, [1] * len(names) + [0, 0])
    low, high = hidden_cell_intervals(
        values, hidden, relations, lower, np.where(small, MIN - 1, np.inf)
    )
    assert small.any() and np.all((high - low)[small] >= 1)


def _scores(app, agency):
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(
            period=Period.parse("2026"), questionnaire_key="onestop-quick", agency=agency
        )
        report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
    return report


def test_case_6_an_officials_quarter_is_hidden_in_every_report_that_shows_it(app, world):
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    _definition, agencies, ids = world

    province = _scores(app, None)
    by_commune = {name: _scores(app, db.session.get(Agency, agencies[name])) for name in STAFF}
    quarters = province.score_periods
    assert len(quarters) == 5  # four quarters, then the year
    decided = {
        (official, period): scores.is_suppressed
        for official, by_period in province.official_scores.items()
        for period, scores in by_period.items()
    }
    for report in by_commune.values():
        for official, by_period in report.official_scores.items():
            for period, scores in by_period.items():
                assert decided[official, period] == scores.is_suppressed
    # X's and U's only quarters are small; Y's small quarters are hidden too.
    assert decided[ids["X"], quarters[0]] and decided[ids["U"], quarters[1]]
    assert all(decided[ids["Y"], period] for period in quarters[:4])
    _audit_quarters(province, by_commune, ids)


def _audit_quarters(province, by_commune, ids):
    """Every report's officials × quarters with every report's quarter and year totals,
    played together: no small quarter of an official is pinned down. Each commune's
    responses naming no official are in its totals and shown nowhere (at least 0)."""
    staff = {c: {**STAFF[c], None: STAFF[c].get(None, (0, 0, 0, 0))} for c in STAFF}
    keys = [(c, name, q) for c in staff for name in staff[c] for q in range(4)]
    position = {key: i for i, key in enumerate(keys)}
    values = np.array([staff[c][name][q] for c, name, q in keys], dtype=float)
    hidden = np.array([name is None for _c, name, _q in keys])
    relations = []
    periods = province.score_periods
    for c, name in [(commune, name) for commune in staff for name in staff[commune] if name]:
        by_period = province.official_scores[ids[name]]
        for q, period in enumerate(periods[:4]):
            if period in by_period:
                hidden[position[c, name, q]] = by_period[period].is_suppressed
        if not by_period[periods[-1]].is_suppressed:
            year = float(by_period[periods[-1]].dossiers)
            relations.append(({position[c, name, q]: 1 for q in range(4)}, year))
    for commune in ("province", *by_commune):
        for q in range(4):
            members = [
                position[key] for key in keys if key[2] == q and commune in ("province", key[0])
            ]
            relations.append(({i: 1 for i in members}, float(sum(values[members]))))
    small = (values > 0) & (values < MIN) & ~np.array([name is None for _c, name, _q in keys])
    low, high = hidden_cell_intervals(
        values, hidden, relations, np.where(small, 1, 0), np.where(small, MIN - 1, np.inf)
    )
    assert small.any() and np.all(hidden[small])
    assert np.all((high - low)[small] >= 1)


def test_an_official_hidden_to_protect_another_reads_so(app, world):
    # V's 20 responses are hidden so that U's 3 are not B's total less V's: the note says
    # V's figures would give a hidden one away, not that V had too few responses.
    _definition, _agencies, ids = world
    names = {official: name for name, official in ids.items()}
    report = _scores(app, None)
    hidden = {
        names[unit.key]: unit.is_complement
        for unit in report.overview.officials
        if unit.is_suppressed
    }
    assert hidden == {"X": False, "U": False, "V": True}
    with app.test_request_context("/?lang=vi"):
        table = report.tables.officials_apart
        notes = {row[0].value: row[-1].value for row in table.rows}
        assert notes["V"] == Hidden.DERIVED.label == "Ẩn: có thể làm lộ số liệu bị ẩn"
        assert notes["X"] == notes["U"] == Hidden.SMALL_GROUP.label
        assert str(DERIVED_FOOTNOTE) in table.footnotes
