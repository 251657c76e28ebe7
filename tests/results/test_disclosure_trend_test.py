"""Issue 21: the trend test gives no hidden month away.

The Cochran–Armitage statistic is a non-linear function of every period's counts. Over
the hidden months it adds an equation to what the report's total and the shown months
already give (the hidden months' sum), which can pin two hidden months down. So when a
period of the trend is hidden, the test is computed over the shown periods only, each at
its place in time, and the report says so wherever the test is shown.
"""

import csv
import io
from datetime import date

import pytest
from flask_babel import gettext as _
from openpyxl import load_workbook

from analysis import trend_test
from survey.db import db, write_session
from survey.i18n import format_number
from survey.results import downloads
from survey.results.counts import fold_all
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from tests.factories import make_agency, make_desk
from tests.results.dataset import headline_province, store_months

MIN = 5
#: (responses, satisfied) per month of 2026, in one commune: February is small, and
#: another month is hidden with it (else the report's total less the shown months would
#: give February away).
MONTHS = (
    *((30, 12), (3, 0), (20, 10), (25, 15), (25, 17), (25, 20)),
    *((25, 12), (30, 20), (20, 9), (25, 14), (30, 21), (25, 16)),
)
PERIOD = Period.parse("2026")


@pytest.fixture
def commune_months(app_context):
    with write_session() as session:
        version_id, _definition, headline, top, province_id = headline_province(session)
        commune = make_agency(session, parent_id=province_id)
        desk = make_desk(session, agency=commune)
        months = [[top] * satisfied + [1] * (count - satisfied) for count, satisfied in MONTHS]
        store_months(session, version_id, commune.id, desk.id, headline, months)
    fold_all(write_session)


def test_the_published_trend_test_is_over_the_shown_months_only(app, commune_months):
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(period=PERIOD, questionnaire_key="onestop-quick")
        report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
        trend = report.overview.trend
        shown = [k for k, point in enumerate(trend.points) if not point.is_suppressed]
        assert trend.points[1].is_suppressed and 2 <= len(shown) < len(MONTHS)
        # The shown months at their places in time (January is 1, December 12).
        expected = trend_test(
            [MONTHS[k][1] for k in shown], [MONTHS[k][0] for k in shown], [k + 1 for k in shown]
        )
        every_month = trend_test([s for _n, s in MONTHS], [n for n, _s in MONTHS])
        closed_up = trend_test([MONTHS[k][1] for k in shown], [MONTHS[k][0] for k in shown])
        assert trend.test.statistic == pytest.approx(expected.statistic, rel=1e-12)
        assert trend.test.pvalue == pytest.approx(expected.pvalue, rel=1e-12)
        # What the old code printed (every month), and the gap closed up, differ.
        assert format_number(every_month.pvalue, 3) != format_number(expected.pvalue, 3)
        assert closed_up.statistic != pytest.approx(expected.statistic, rel=1e-3)

        note = _(
            "The trend test is computed on the %(count)d periods shown: the hidden periods "
            "are left out of it.",
            count=len(shown),
        )
        assert str(len(shown)) in note and "kỳ" in note
        assert note in report.tables.trend.footnotes  # the page
        label = _("p-value of the trend")
        rows = list(csv.reader(io.StringIO(downloads.report_csv(report).decode("utf-8-sig"))))
        assert [label, format_number(expected.pvalue, 3)] in rows
        assert [note] in rows
        sheets = load_workbook(io.BytesIO(downloads.report_xlsx(report))).worksheets
        cells = {row[0]: row[1:] for sheet in sheets for row in sheet.iter_rows(values_only=True)}
        assert cells[label][0] == pytest.approx(expected.pvalue, abs=5e-4)
        assert note in cells
