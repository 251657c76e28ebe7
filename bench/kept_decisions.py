"""What keeping the disclosure decisions for every server process saves
(:mod:`survey.results.kept`): the work a worker does after the counts changed
(:func:`survey.results.fold.decide_ahead`), and the first report of a month in a worker that
has decided nothing yet (a new or recycled worker, or one that did not claim the work
ahead), each with nothing kept anywhere ("afresh", as every worker paid it before) and with
the decisions another worker kept in the database ("kept by another"); CPU seconds of the
process (medians of ``--runs``) and their ratio. Prints figures, asserts nothing.

On the demo data (README: ``flask --app survey db upgrade && flask --app survey seed-demo``
on the database of ``SURVEY_DATABASE_URL``).

Run: ``SURVEY_DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python -m bench.kept_decisions``
"""

from __future__ import annotations

import argparse
from datetime import date

from bench._timing import cpu
from bench.units_decision import forget, forget_in_process
from survey import create_app
from survey.db import db
from survey.results.filters import Period
from survey.results.fold import decide_ahead
from survey.results.report import ReportRequest, build_report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--period", default="2026-11")
    parser.add_argument("--today", default="2026-12-07", help="the day decided ahead for")
    arguments = parser.parse_args()
    period = Period.parse(arguments.period)
    today = date.fromisoformat(arguments.today)
    app = create_app()
    with app.app_context(), app.test_request_context("/?lang=vi"):

        def ahead() -> None:
            decide_ahead(today=today)

        def then_forget_here(action):
            def before() -> None:
                forget()
                action()  # another worker decides and keeps, untimed
                forget_in_process()

            return before

        rows = [("deciding the years ahead", ahead)]
        for key in ("sipas", "onestop-quick"):
            request = ReportRequest(period=period, questionnaire_key=key)

            def report(request=request) -> None:
                build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)

            rows.append((f"{key} report of {arguments.period}", report))
        rows[1][1]()  # imports, the organisation chart
        print(f"CPU s of one worker, {arguments.runs} runs (median)")
        print(f"{'work':<36} {'afresh':>7} {'kept by another':>16} {'ratio':>6}")
        for name, action in rows:
            afresh = cpu(action, arguments.runs, forget)
            shared = cpu(action, arguments.runs, then_forget_here(action))
            print(f"{name:<36} {afresh:>7.2f} {shared:>16.2f} {shared / afresh:>6.2f}")


if __name__ == "__main__":
    main()
