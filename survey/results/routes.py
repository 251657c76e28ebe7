"""What officers read and download: the dashboards and the report files.

Each route: read the filter form (400 with the form's messages when a value is wrong), load
what it names or 404 (also for anything outside the officer's subtree: the same page, so it
reveals nothing), build the report within the officer's scope, render. Every download is
written to the audit log before it is sent.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from survey.accounts import audit
from survey.accounts.access import (
    RESPONSE_READER_ROLES,
    can_read_responses,
    officer_required,
    roles_required,
    visible_agency_ids,
)
from survey.db import db, reports_engine, reports_session
from survey.i18n import current_language, format_percent
from survey.results import charts
from survey.results.forms import ReportFilterForm
from survey.results.report import build_report
from survey.results.report_tables import period_words
from survey.vietnam_calendar import local_today

blueprint = Blueprint("results", __name__, url_prefix="/officer/results")

#: The dashboard pages, in the order of the navigation.
PAGES = ("results.overview", "results.agencies", "results.officials", "results.criteria")
FORMATS = ("csv", "xlsx", "pdf")


@blueprint.app_template_filter("proportion")
def proportion(value: float | None) -> str:
    """A proportion (0-1) as a percentage in the reader's style; None as a dash."""
    return format_percent(None if value is None else value * 100)


@blueprint.app_template_global("period_in_words")
def period_in_words(period) -> str:
    """A period in words, "(to 07/12/2026)" while it is still in progress (today, in Vietnam:
    read when the page is drawn, so a page kept by its data still tells the day)."""
    return period_words(period, local_today())


@blueprint.errorhandler(404)
def not_found(_error):
    message = _("There is no such agency, desk, official or version among the results you may see.")
    return render_template("results/not_found.html", message=message), 404


def _report_or_form_errors(template: str, *, with_comments: bool = False):
    """``(report, None)`` or ``(None, the form page with its messages, status 400)``."""
    today = local_today()
    visible = visible_agency_ids(current_user)
    form = ReportFilterForm(request.args, today=today)
    form.offer_choices(reports_session(), visible, current_language())
    if not form.validate():
        return None, (render_template(template, form=form, report=None), 400)
    report_request = form.resolve(reports_session(), visible)
    report = build_report(
        reports_session(), report_request, visible, today, with_comments=with_comments
    )
    return (report, form), None


def _page(template: str, *, with_comments: bool = False):
    loaded, failure = _report_or_form_errors(template, with_comments=with_comments)
    if failure is not None:
        return failure
    report, form = loaded
    return render_template(
        template,
        form=form,
        report=report,
        charts=charts,
        reads_responses=can_read_responses(current_user),
    )


@blueprint.get("/")
@officer_required
def overview():
    return _page("results/overview.html")


@blueprint.get("/agencies")
@officer_required
def agencies():
    return _page("results/agencies.html")


@blueprint.get("/officials")
@officer_required
def officials():
    return _page("results/officials.html")


@blueprint.get("/criteria")
@officer_required
def criteria():
    return _page("results/criteria.html", with_comments=can_read_responses(current_user))


@officer_required
def download(file_format: str):
    # The file writers (fpdf2, openpyxl) load with the first download, not with the app.
    from survey.results import downloads

    loaded, failure = _report_or_form_errors("results/overview.html")
    if failure is not None:
        return failure
    report, _form = loaded
    writer = {
        "csv": downloads.report_csv,
        "xlsx": downloads.report_xlsx,
        "pdf": downloads.report_pdf,
    }[file_format]
    content = writer(report)
    audit.record_now(
        "report.downloaded",
        target=_target(report),
        details={"format": file_format, "query": request.query_string.decode()[:1000]},
    )
    return Response(
        content,
        mimetype=downloads.MEDIA_TYPES[file_format],
        headers=_attachment(downloads.download_name(report, file_format)),
    )


# One endpoint per format, so the role crawl requests each of them.
for _format in FORMATS:
    blueprint.add_url_rule(
        f"/report.{_format}",
        f"download_{_format}",
        download,
        methods=["GET"],
        defaults={"file_format": _format},
    )


@roles_required(*RESPONSE_READER_ROLES)
def responses_csv(variant: str):
    """Every response: ``readable`` (question texts, answer labels) or ``codes`` (for analysts)."""
    from survey.results import downloads

    loaded, failure = _report_or_form_errors("results/overview.html")
    if failure is not None:
        return failure
    report, _form = loaded
    file_format = "responses.csv" if variant == "readable" else "responses-codes.csv"
    audit.record_now(
        "report.downloaded",
        target=_target(report),
        details={"format": file_format, "query": request.query_string.decode()[:1000]},
    )
    columns = (
        downloads.readable_columns(report.definition, report.language)
        if variant == "readable"
        else downloads.coded_columns(report.definition)
    )
    report_filter = report.report_filter
    filename = downloads.download_name(report, "csv", file_format.removesuffix(".csv"))
    # The stream keeps the request context for as long as it is read (translations, dates):
    # give the sessions' connections back now; the rows come through a connection of their own.
    reports_session().close()
    db.session.close()

    response = Response(
        stream_with_context(
            downloads.stream_responses_csv(reports_engine().connect, report_filter, columns)
        ),
        mimetype=downloads.MEDIA_TYPES["csv"],
        headers=_attachment(filename),
    )
    # Never turned into a list by anything that asks for its length (an after_request
    # hook measuring the body would otherwise read a million rows into memory).
    response.implicit_sequence_conversion = False
    return response


blueprint.add_url_rule(
    "/responses.csv", "responses_csv", responses_csv, defaults={"variant": "readable"}
)
blueprint.add_url_rule(
    "/responses-codes.csv", "responses_codes_csv", responses_csv, defaults={"variant": "codes"}
)


def _target(report) -> str:
    agency = report.request.agency
    return f"agency:{agency.code}" if agency is not None else "agency:all"


def _attachment(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
