"""Dossiers returned late, per agency and period, and the letters of apology sent for them.

An Giang's reform report asks that late handling be monitored and published ("giám sát,
công khai … giải quyết chậm, để trễ hạn") and names an apology rule: for a late dossier the
agency writes to the citizen. Officers who read response-level data list the late dossiers of
their scope; those who manage (not viewers) mark one as "đã gửi thư xin lỗi" with the day,
an audited action. Dossier codes are stored only hashed, so a dossier is named by what is
stored: desk, procedure, official and its received, due and returned days.

Registered on the results blueprint (``results.late_dossiers``) before the application
registers it.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from survey.accounts.access import (
    RESPONSE_READER_ROLES,
    require_agency_visible,
    roles_required,
    visible_agency_ids,
)
from survey.accounts.models import Role
from survey.admin.changes import audited_write
from survey.db import db, one_page
from survey.dossiers.models import Dossier
from survey.org.models import Agency, Official, Procedure, ServicePoint
from survey.results.filters import Period, vietnam_local_date
from survey.results.routes import blueprint
from survey.vietnam_calendar import local_today

PAGE_SIZE = 200
#: Who may mark a letter of apology (viewers read only).
MARKING_ROLES = (Role.ADMINISTRATOR, Role.REFORM_OFFICE, Role.AGENCY_MANAGER)


def _period(text: str | None) -> Period:
    today = local_today()
    if not text:
        return Period.quarter(today.year, (today.month + 2) // 3)
    try:
        return Period.parse(text)
    except ValueError:
        abort(400, _("The period is not one the reports know (for example 2026-Q3)."))


def late_dossiers_statement(period: Period, agency_ids):
    """The dossiers returned late in ``period`` (after their due time), of ``agency_ids``
    (None: every agency), with what names them, oldest return first."""
    start, end = period.utc_bounds()
    desk, official, procedure = aliased(ServicePoint), aliased(Official), aliased(Procedure)
    statement = (
        select(Dossier, Agency, desk.name, procedure.name, official.name)
        .join(Agency, Agency.id == Dossier.agency_id)
        .outerjoin(desk, desk.id == Dossier.service_point_id)
        .outerjoin(procedure, procedure.id == Dossier.procedure_id)
        .outerjoin(official, official.id == Dossier.official_id)
        .where(
            Dossier.returned_dt >= start,
            Dossier.returned_dt < end,
            Dossier.returned_dt > Dossier.due_dt,
        )
        .order_by(Agency.id, Dossier.returned_dt, Dossier.id)
    )
    if agency_ids is not None:
        statement = statement.where(Dossier.agency_id.in_(sorted(agency_ids)))
    return statement


@blueprint.route("/late-dossiers")
@roles_required(*RESPONSE_READER_ROLES)
def late_dossiers():
    period = _period(request.args.get("period"))
    agency_ids = visible_agency_ids(current_user)
    agency_id = request.args.get("agency", type=int)
    if agency_id is not None:
        require_agency_visible(current_user, agency_id)
        db.get_or_404(Agency, agency_id)  # the whole province sees every id: an unknown one is 404
        agency_ids = {agency_id}
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_next = one_page(late_dossiers_statement(period, agency_ids), page, PAGE_SIZE)
    return render_template(
        "results/late_dossiers.html",
        period=period,
        agency_id=agency_id,
        rows=rows,
        page=page,
        has_next=has_next,
        may_mark=current_user.role in MARKING_ROLES,
        local_date=vietnam_local_date,
        today=local_today(),
    )


@blueprint.route("/late-dossiers/<int:dossier_id>/apology", methods=["POST"])
@roles_required(*MARKING_ROLES)
def mark_apology(dossier_id: int):
    dossier = db.get_or_404(Dossier, dossier_id)
    require_agency_visible(current_user, dossier.agency_id)
    if dossier.returned_dt is None or dossier.returned_dt <= dossier.due_dt:
        abort(404)  # only a late dossier has a letter of apology
    try:
        sent_on = date.fromisoformat(request.form.get("sent_on", ""))
    except ValueError:
        abort(400, _("Give the day the letter was sent."))
    if not vietnam_local_date(dossier.received_dt) <= sent_on <= local_today():
        abort(400, _("The letter was sent between the dossier's receipt and today."))
    before = dossier.apology_sent_on

    def change(session):
        session.get(Dossier, dossier_id).apology_sent_on = sent_on
        return sent_on

    audited_write(
        "dossier.apology_marked",
        f"dossier:{dossier_id}",
        change,
        lambda done: {
            "before": {"apology_sent_on": before.isoformat() if before else None},
            "after": {"apology_sent_on": done.isoformat()},
        },
    )
    flash(_("The letter of apology is recorded."), "info")
    return redirect(
        url_for(
            "results.late_dossiers",
            period=request.form.get("period") or None,
            agency=request.form.get("agency") or None,
        ),
        code=303,
    )
