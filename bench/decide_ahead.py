"""What deciding the current year ahead of the reports saves (issue 21): the report of one
month of ``--period``'s year with every kept decision forgotten (as the first report after
a fold that changed the counts was), the decision ahead alone
(:func:`survey.results.fold.decide_ahead`, which the background fold runs after such a
fold; ``--today``: the day it decides for, by default the period's start), and the month's
report after it; CPU seconds of the process (medians of
``--runs``), each as a ratio of the first. Prints figures, asserts nothing.

On the demo data (README: ``flask --app survey db upgrade && flask --app survey seed-demo``
on the database of ``SURVEY_DATABASE_URL``).

Run: ``SURVEY_DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python -m bench.decide_ahead``
"""

from __future__ import annotations

import argparse
from datetime import date

from bench._timing import cpu
from bench.units_decision import forget
from survey import create_app
from survey.db import db
from survey.results.filters import Period
from survey.results.fold import decide_ahead
from survey.results.report import ReportRequest, build_report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--period", default="2026-11")
    parser.add_argument("--today", help="the day decided ahead for (default: the period's start)")
    arguments = parser.parse_args()
    period = Period.parse(arguments.period)
    today = date.fromisoformat(arguments.today) if arguments.today else period.start
    app = create_app()
    with app.app_context(), app.test_request_context("/?lang=vi"):

        def ahead() -> None:
            decide_ahead(today=today)

        print(f"the province's report of {arguments.period}, CPU s")
        print(f"{'questionnaire':<15} {'afresh':>7} {'ahead':>7} {'after':>7} {'after/afresh':>13}")
        for key in ("sipas", "onestop-quick"):
            request = ReportRequest(period=period, questionnaire_key=key)

            def report(request=request) -> None:
                build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)

            report()  # imports, the organisation chart
            afresh = cpu(report, arguments.runs, forget)
            alone = cpu(ahead, arguments.runs, forget)

            def forget_then_ahead() -> None:
                forget()
                ahead()

            after = cpu(report, arguments.runs, forget_then_ahead)
            print(f"{key:<15} {afresh:>7.2f} {alone:>7.2f} {after:>7.2f} {after / afresh:>13.2f}")


if __name__ == "__main__":
    main()
