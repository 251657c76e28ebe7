"""How much CPU a year's SIPAS report takes now that its trend's months are decided across
reports, against the same reports with the months decided within each report (the code
before), in the same run. Prints figures, asserts nothing.

On the demo data (README: ``flask --app survey db upgrade && flask --app survey seed-demo``
on the database of ``SURVEY_DATABASE_URL``): the province's report of 2026, then each
agency's under it with a trend, CPU seconds of the process (medians of ``--runs``). "afresh":
the months' decision is computed for every report (its cache emptied first); "kept": the
reports one after another, as a server answers them, deciding once for the period.

Run: ``SURVEY_DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python -m bench.trend_report``
"""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from datetime import date
from unittest import mock

from bench._timing import cpu
from survey import create_app
from survey.db import db
from survey.org.models import Agency
from survey.results import disclosure, overview
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report


def within_report(session, report_filter, rating, dimension, min_group_size):
    """The code before: each report decides its own months, on its own counts."""
    periods = overview._periods(report_filter.period, dimension)
    responses = overview.response_counts_by(session, report_filter, dimension)
    answers = overview.level_counts_by(session, report_filter, dimension, [rating.item_key])
    nothing = overview.LevelCounts()
    sizes = [responses.get(period, 0) for period in periods]
    totals = [answers.get(p, {}).get(rating.item_key, nothing).answered for p in periods]
    return list(disclosure.hidden_groups(sizes, totals, min_group_size, lower_bound=0))


def forget() -> None:
    """Empty the months' decisions kept in this process."""
    disclosure._periods_kept.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--period", default="2026")
    arguments = parser.parse_args()
    app = create_app()
    with app.app_context(), app.test_request_context("/?lang=vi"):

        def report(agency: Agency | None) -> object:
            request = ReportRequest(period=Period.parse(arguments.period), agency=agency)
            return build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)

        report(None)  # imports, the organisation chart, the respondent results kept
        agencies = [
            agency
            for agency in db.session.query(Agency).order_by(Agency.id)
            if agency.parent_id is not None and report(agency).overview.trend is not None
        ]

        def every() -> None:
            report(None)
            for agency in agencies:
                report(agency)

        rows = []
        for label, patch in (("within each report", within_report), ("across reports", None)):
            context = (
                mock.patch.object(overview, "_hidden_periods", patch) if patch else nullcontext()
            )
            with context:
                province = cpu(lambda: report(None), arguments.runs, forget)
                one = cpu(lambda: report(agencies[0]), arguments.runs, forget)
                kept = cpu(every, 1, forget)
            rows.append((label, province, one, kept))
        base = rows[0]
        print(f"{'months decided':<20} {'province s':>10} {'agency s':>9} {'all kept s':>10}")
        for label, province, one, kept in rows:
            print(f"{label:<20} {province:>10.3f} {one:>9.3f} {kept:>10.2f}")
        ratios = [after / before for after, before in zip(rows[1][1:], base[1:], strict=True)]
        print(
            f"ratio across / within: province {ratios[0]:.2f}, agency {ratios[1]:.2f}, "
            f"the {len(agencies) + 1} reports one after another {ratios[2]:.2f}"
        )


if __name__ == "__main__":
    main()
