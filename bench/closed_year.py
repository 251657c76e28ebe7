"""What deciding a year that has ended at once costs (issue 21,
:func:`survey.results.period_units.decided_year`), against deciding its periods one by one
with the year's decisions laid over them (as the current year still is), in the same run.
Prints figures, asserts nothing.

On the demo data (README: ``flask --app survey db upgrade && flask --app survey seed-demo``
on the database of ``SURVEY_DATABASE_URL``), the calendar year ``--year``: the units'
decisions of its months, quarters and the year (``decided_in_year``, as every report
reads them), CPU seconds of the process (medians of ``--runs``) with nothing kept
anywhere ("afresh") and with the decisions kept by another process ("kept": only this
process's are forgotten); and how many of the figures they publish are shown.

Run: ``SURVEY_DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python -m bench.closed_year``
"""

from __future__ import annotations

import argparse
from datetime import date

from bench._timing import cpu
from bench.units_decision import forget, forget_in_process
from survey import create_app
from survey.db import db
from survey.results.filters import Period, ReportFilter
from survey.results.overview import decided_in_year
from survey.results.period_units import year_periods


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--year", type=int, default=2025)
    arguments = parser.parse_args()
    year = Period.year(arguments.year)
    app = create_app()
    # the year ends with its last day: the day before, its periods are decided one by one
    ways = {
        "one by one (year not ended)": date(arguments.year, 12, 31),
        "at once (year ended)": date(arguments.year + 1, 1, 1),
    }
    with app.app_context():
        print(f"the units' decisions of {arguments.year}'s 17 periods, CPU s")
        print(f"{'decided':<28} {'afresh':>7} {'kept':>7} {'shown':>13} {'afresh/first':>13}")
        first = None
        for name, today in ways.items():
            app.config["REPORTS_TODAY"] = today

            def periods() -> tuple[int, int]:
                shown = total = 0
                for period in year_periods(year):
                    with app.app_context():  # as a report's request: nothing kept in it
                        units = decided_in_year(db.session, ReportFilter(period), 5).units
                    shown, total = shown + int((~units.hidden).sum()), total + len(units.hidden)
                return shown, total

            afresh = cpu(periods, arguments.runs, forget)
            kept = cpu(periods, arguments.runs, forget_in_process)
            shown, total = periods()
            first = first or afresh
            figures = f"{shown:,} of {total:,}"
            print(f"{name:<28} {afresh:>7.2f} {kept:>7.2f} {figures:>13} {afresh / first:>13.2f}")


if __name__ == "__main__":
    main()
