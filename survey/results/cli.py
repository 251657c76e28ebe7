"""``flask --app survey rebuild-counts`` (recompute the count tables from the raw responses) and
``flask --app survey report`` (a report file, the command-line twin of the dashboard downloads)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from survey.accounts import audit
from survey.db import db, write_session
from survey.org.models import Agency
from survey.results.counts import fold_all, rebuild_counts, vacuum_counts
from survey.results.filters import Period
from survey.vietnam_calendar import local_today


@click.command("rebuild-counts")
@with_appcontext
def rebuild_counts_command() -> None:
    """Recompute the pre-aggregated counts from the raw responses, in one transaction.

    Needed only if responses were changed or deleted outside the application, or after
    restoring a backup made without the count tables; reports keep reading the old
    counts until the new ones are committed.
    """
    started = time.perf_counter()
    with write_session() as session:
        rows = rebuild_counts(session)
    vacuum_counts()
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{table} {count:,} rows" for table, count in rows.items())
    click.echo(f"Counts rebuilt in {elapsed:.1f} s: {summary}.")


@click.command("report")
@click.option("--agency", "agency_code", help="Agency code (its subtree); default: every agency.")
@click.option(
    "--period",
    required=True,
    help='A quarter ("Quý 3/2026", Q3/2026, 2026-Q3), a month ("tháng 7/2026", 07/2026, '
    "2026-07) or a year (2026).",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["pdf", "xlsx", "csv"]),
    default="pdf",
    show_default=True,
)
@click.option("--questionnaire", default="sipas", show_default=True, help="Its key.")
@click.option("--include-flagged", is_flag=True, help="Count responses flagged for review.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def report_command(agency_code, period, file_format, questionnaire, include_flagged, output):
    """Write the report of an agency and period to a file (for scheduled reports).

    The same report as the dashboard's download, in Vietnamese, with small groups
    suppressed; written to the audit log as a download from the command line.
    """
    # The report, its statistics, PDF and workbook libraries load here, not at every
    # command's start.
    from survey.results.downloads import report_csv, report_pdf, report_xlsx
    from survey.results.forms import PERIOD_ERROR
    from survey.results.report import ReportRequest, build_report
    from survey.results.versions import questionnaire_labels

    try:
        chosen_period = Period.parse(period)
    except ValueError:
        with current_app.test_request_context("/?lang=vi"):  # the form's words, in Vietnamese
            message = str(PERIOD_ERROR)
        raise click.BadParameter(f"{period!r}: {message}", param_hint="--period") from None
    if questionnaire not in questionnaire_labels(db.session, "vi"):
        raise click.BadParameter(
            f"no questionnaire has the key {questionnaire!r}", param_hint="--questionnaire"
        )
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.BadParameter(
                f"no agency has the code {agency_code!r}", param_hint="--agency"
            )
    request = ReportRequest(
        period=chosen_period,
        questionnaire_key=questionnaire,
        agency=agency,
        include_flagged=include_flagged,
    )
    fold_all(write_session)
    with current_app.test_request_context("/?lang=vi"):
        today = local_today()
        report = build_report(db.session, request, None, today, with_comments=False)
        writer = {"pdf": report_pdf, "xlsx": report_xlsx, "csv": report_csv}[file_format]
        content = writer(report)
    Path(output).write_bytes(content)
    audit.record_now(
        "report.downloaded",
        target=f"agency:{agency.code}" if agency else "agency:all",
        details={"format": file_format, "period": chosen_period.label, "via": "command line"},
    )
    click.echo(f"Wrote {output} ({len(content):,} bytes).")
