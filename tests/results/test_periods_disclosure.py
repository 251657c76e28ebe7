"""Issue 21, periods against each other: a report's totals for a month, a quarter, the
year and a span of months an officer chooses are one decision.

Commune A took 23 responses in 2026: 3 in the first quarter (one a month), then 7, 6 and
7. Decided period by period, the first quarter's report hid its 3 while the year's report
showed 23 and the other quarters' reports 7, 6 and 7: 23 − 7 − 6 − 7 = 3 (the demo's Ủy
ban nhân dân xã Núi Cấm, SIPAS 2026, gave the same). Decided at once, every total the
province's and each commune's reports publish for the year, its quarters, its months and
some spans of months leaves each hidden small total open by at least one (an audit by
linear programming). The same holds for the officials' dossiers in the officials'
scores table of each report (Circular 01/2018).
"""

from datetime import date, datetime

import pytest

from survey.collect.models import Channel
from survey.db import db
from survey.org.models import Agency
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from tests.results.dataset import hidden_count_widths, store_staff

MIN = 5
#: Responses in 2026 per commune and month (1–12).
MONTHS = {
    "A": dict(zip(range(1, 13), (1, 1, 1, 2, 3, 2, 2, 2, 2, 3, 2, 2), strict=True)),
    "B": dict.fromkeys(range(1, 13), 10),
}
PERIODS = [
    *map(Period.parse, ("2026", *(f"2026-Q{q}" for q in range(1, 5)))),
    *(Period.parse(f"2026-{month:02}") for month in range(1, 13)),
    # spans of months an officer chooses
    Period(date(2026, 1, 1), date(2026, 3, 1)),
    Period(date(2026, 2, 1), date(2026, 5, 1)),
    Period(date(2026, 4, 1), date(2027, 1, 1)),
]


@pytest.fixture
def world(app):
    spec = {
        commune: {f"{commune}, cán bộ": _at_kiosk(by_month)} for commune, by_month in MONTHS.items()
    }
    return store_staff(app, MIN, spec)


def _at_kiosk(by_month):
    """Responses at the kiosk in 2026, ``by_month`` (1–12) of them, one a day from the 1st."""
    return {
        Channel.KIOSK: [
            datetime(2026, month, 1 + day, 3, 0)
            for month, count in by_month.items()
            for day in range(count)
        ]
    }


def _report(app, agency_id, period):
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(
            period=period,
            questionnaire_key="onestop-quick",
            agency=None if agency_id is None else db.session.get(Agency, agency_id),
        )
        return build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)


def _overview(app, agency_id, period):
    return _report(app, agency_id, period).overview


@pytest.mark.parametrize("today", ["2026-12-08", "2027-01-15"])  # the year current, ended
def test_no_hidden_total_follows_from_the_other_periods_reports(app, world, today):
    app.config["REPORTS_TODAY"] = today
    cells = [(commune, month) for commune in MONTHS for month in range(1, 13)]
    values = [MONTHS[commune][month] for commune, month in cells]
    figures = []
    for agency in (None, "A", "B"):
        for period in PERIODS:
            text = str(period)
            parts = tuple(
                i
                for i, (commune, month) in enumerate(cells)
                if agency in (None, commune) and period.start <= date(2026, month, 1) < period.end
            )
            agency_id = None if agency is None else world[agency]
            overview = _overview(app, agency_id, period)
            shown = overview.responses
            assert shown in (None, sum(values[i] for i in parts)), (agency, text)
            figures.append((parts, shown))
            # each commune's line, and its official's
            for units, name in ((overview.agencies, "{}"), (overview.officials, "{}, cán bộ")):
                of = {world[name.format(commune)]: commune for commune in MONTHS}
                for unit in units:
                    unit_parts = tuple(i for i in parts if cells[i][0] == of[unit.key])
                    assert unit.responses in (None, sum(values[i] for i in unit_parts)), text
                    figures.append((unit_parts, unit.responses))
            if overview.change is not None:  # its rate would give a hidden total away
                previous = _overview(app, agency_id, overview.change.previous_period)
                assert previous.responses is not None, (agency, text)
    assert _overview(app, world["A"], Period.parse("2026-Q1")).responses is None  # 3
    widths = hidden_count_widths(values, figures, MIN)
    assert widths
    assert min(widths) >= 1


#: Dossiers (ratings) in 2026 per official of commune C and month (1–12): the first's
#: quarters 4, 17, 36 and 56, as an official's on the demo data.
STAFF = {
    "C, cán bộ 1": dict(zip(range(1, 13), (1, 1, 2, 5, 6, 6, 12, 12, 12, 18, 19, 19), strict=True)),
    "C, cán bộ 2": dict.fromkeys(range(1, 13), 10),
}


@pytest.fixture
def staffed(app):
    return store_staff(
        app, MIN, {"C": {name: _at_kiosk(by_month) for name, by_month in STAFF.items()}}
    )


def _official_dossiers(app, agency_id, period):
    """The report of ``period``'s total responses, and its officials' scores table's
    dossiers by official name and period (None when hidden)."""
    report = _report(app, agency_id, period)
    return report.overview.responses, {
        report.official_name(official): {p: s.dossiers for p, s in by_period.items()}
        for official, by_period in report.official_scores.items()
    }


def test_no_hidden_dossiers_of_an_official_follow_from_the_other_periods_reports(app, staffed):
    # Issue 21, case 3, across reports: the officials' scores table of the year's report
    # hid the first official's first quarter (4 dossiers) and a complement, but each
    # quarter's report showed its own: 113 − 17 − 36 − 56 = 4 (16 officials' small
    # quarters on the demo data).
    cells = [(name, month) for name in STAFF for month in range(1, 13)]
    values = [STAFF[name][month] for name, month in cells]
    figures = []
    for agency_id in (None, staffed["C"]):
        for period in PERIODS:
            total, dossiers = _official_dossiers(app, agency_id, period)
            during = [period.start <= date(2026, month, 1) < period.end for _, month in cells]
            figures.append((tuple(i for i, inside in enumerate(during) if inside), total))
            for name, by_period in dossiers.items():
                for shown_period, shown in by_period.items():
                    parts = tuple(
                        i
                        for i, (cell_name, month) in enumerate(cells)
                        if cell_name == name
                        and shown_period.start <= date(2026, month, 1) < shown_period.end
                    )
                    assert shown in (None, sum(values[i] for i in parts)), (name, shown_period)
                    figures.append((parts, shown))
    year, first = Period.parse("2026"), Period.parse("2026-Q1")
    _, by_name = _official_dossiers(app, None, year)
    assert by_name["C, cán bộ 1"][first] is None and by_name["C, cán bộ 1"][year] == 113
    widths = hidden_count_widths(values, figures, MIN)
    assert widths
    assert min(widths) >= 1
