"""What the period's one decision on units and coverage (``decided_units``) costs a report,
decided afresh for each report or kept for the period, in the same run. Prints figures,
asserts nothing.

On the demo data (README: ``flask --app survey db upgrade && flask --app survey seed-demo``
on the database of ``SURVEY_DATABASE_URL``): for both questionnaires, the province's report
of ``--period`` and each agency's, CPU seconds of the process (medians of ``--runs``):
"afresh" empties the kept decisions before every report; "kept" builds them one after
another, as a server answers them. Also the decision alone, afresh, as a share of a report.

Run: ``SURVEY_DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python -m bench.units_decision``
"""

from __future__ import annotations

import argparse
from datetime import date

from sqlalchemy import delete

from bench._timing import cpu
from survey import create_app
from survey.db import db, write_session
from survey.org.models import Agency
from survey.results import disclosure
from survey.results.filters import Period, ReportFilter
from survey.results.models import KeptDecision
from survey.results.period_units import decided_units
from survey.results.report import ReportRequest, build_report


def forget() -> None:
    """Forget every kept decision: this process's and those kept for every process."""
    forget_in_process()
    with write_session() as session:
        session.execute(delete(KeptDecision))


def forget_in_process() -> None:
    """Forget this process's kept decisions (as a new worker starts)."""
    disclosure._sums_kept.clear()
    disclosure._periods_kept.clear()
    disclosure._periods_table_kept.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--period", default="2026-11")
    arguments = parser.parse_args()
    period = Period.parse(arguments.period)
    app = create_app()
    with app.app_context(), app.test_request_context("/?lang=vi"):
        agencies = [None, *db.session.query(Agency).order_by(Agency.id)]

        def reports(key: str, afresh: bool) -> None:
            for agency in agencies:
                if afresh:
                    forget()
                request = ReportRequest(period=period, questionnaire_key=key, agency=agency)
                build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)

        reports("sipas", afresh=False)  # imports, the organisation chart, kept results
        decision = cpu(
            lambda: decided_units(db.session, ReportFilter(period), 5), arguments.runs, forget
        )
        print(f"{len(agencies)} reports per questionnaire, {arguments.period}")
        print(f"{'questionnaire':<15} {'afresh s':>9} {'kept s':>8} {'kept/afresh':>12}")
        for key in ("sipas", "onestop-quick"):
            afresh = cpu(lambda key=key: reports(key, True), arguments.runs)
            kept = cpu(lambda key=key: reports(key, False), arguments.runs, forget)
            print(f"{key:<15} {afresh:>9.2f} {kept:>8.2f} {kept / afresh:>12.2f}")
        print(f"the decision alone, afresh: {decision:.3f} s")


if __name__ == "__main__":
    main()
