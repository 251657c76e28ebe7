"""What deciding a filtered report's figures with the other values' (issue 21) costs: the
province's report of ``--period`` unfiltered, then filtered by one value of each filter
(a channel, a kind of respondent, a procedure field, a desk, an official), each afresh
(the kept decisions emptied before it) and kept (built again), CPU seconds of the process
(medians of ``--runs``), with each as a ratio of the unfiltered report afresh in the same
run. Prints figures, asserts nothing.

On the demo data (README: ``flask --app survey db upgrade && flask --app survey seed-demo``
on the database of ``SURVEY_DATABASE_URL``).

Run: ``SURVEY_DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python -m bench.filtered_report``
"""

from __future__ import annotations

import argparse
from datetime import date

from bench._timing import cpu
from bench.units_decision import forget
from survey import create_app
from survey.collect.models import Channel, RespondentType
from survey.db import db
from survey.org.models import Official, ServicePoint
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--period", default="2026")
    parser.add_argument("--questionnaire", default="onestop-quick")
    arguments = parser.parse_args()
    period = Period.parse(arguments.period)
    app = create_app()
    with app.app_context(), app.test_request_context("/?lang=vi"):
        choices = {
            "unfiltered": {},
            "channel: QR": {"channel": Channel.QR},
            "respondents: citizens": {"respondent_type": RespondentType.CITIZEN},
            "field: Hộ tịch": {"procedure_field": "Hộ tịch"},
            "one desk": {"service_point": db.session.query(ServicePoint).first()},
            "one official": {"official": db.session.query(Official).first()},
        }

        def report(choice: dict) -> None:
            request = ReportRequest(
                period=period, questionnaire_key=arguments.questionnaire, **choice
            )
            build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)

        report({})  # imports, the organisation chart
        print(f"the province's {arguments.questionnaire} report, {arguments.period}")
        print(f"{'filter':<22} {'afresh s':>9} {'kept s':>8} {'afresh/unfiltered':>18}")
        baseline = None
        for name, choice in choices.items():
            afresh = cpu(lambda choice=choice: report(choice), arguments.runs, forget)
            kept = cpu(lambda choice=choice: report(choice), arguments.runs)
            baseline = baseline or afresh
            print(f"{name:<22} {afresh:>9.2f} {kept:>8.2f} {afresh / baseline:>18.2f}")


if __name__ == "__main__":
    main()
