"""Issue 21, periods against each other: a report's totals for a month, a quarter, the
year and a span of months an officer chooses are one decision.

Commune A took 23 responses in 2026: 3 in the first quarter (one a month), then 7, 6 and
7. Decided period by period, the first quarter's report hid its 3 while the year's report
showed 23 and the other quarters' reports 7, 6 and 7: 23 − 7 − 6 − 7 = 3 (the demo's Ủy
ban nhân dân xã Núi Cấm, SIPAS 2026, gave the same). Decided at once, every total the
province's and each commune's reports publish for the year, its quarters, its months and
some spans of months leaves each hidden small total open by at least one (an audit by
linear programming).
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
        commune: {
            f"{commune}, cán bộ": {
                Channel.KIOSK: [
                    datetime(2026, month, 1 + day, 3, 0)
                    for month, count in by_month.items()
                    for day in range(count)
                ]
            }
        }
        for commune, by_month in MONTHS.items()
    }
    return store_staff(app, MIN, spec)


def _overview(app, agency_id, period):
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(
            period=period,
            questionnaire_key="onestop-quick",
            agency=None if agency_id is None else db.session.get(Agency, agency_id),
        )
        report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
        return report.overview


def test_no_hidden_total_follows_from_the_other_periods_reports(app, world):
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
            if overview.change is not None:  # its rate would give a hidden total away
                previous = _overview(app, agency_id, overview.change.previous_period)
                assert previous.responses is not None, (agency, text)
    assert _overview(app, world["A"], Period.parse("2026-Q1")).responses is None  # 3
    widths = hidden_count_widths(values, figures, MIN)
    assert widths
    assert min(widths) >= 1
