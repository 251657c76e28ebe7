"""Desks (service points): create, edit, deactivate, and the officials who serve at them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.admin import blueprint
from survey.admin.changes import Audited
from survey.admin.common import administrator_required, viewer_required
from survey.admin.forms import ActiveForm, AssignForm, ServicePointForm
from survey.admin.pages import (
    RecordForm,
    agency_listing,
    agency_record_form,
    in_agency,
    set_active,
)
from survey.db import db
from survey.org.models import Agency, Official, ServicePoint


def desk_values(desk: ServicePoint) -> dict:
    return {
        "agency": desk.agency.code,
        "name": desk.name,
        "name_en": desk.name_en or "",
        "is_active": desk.is_active,
        "officials": sorted(official.id for official in desk.officials),
    }


DESKS = Audited(ServicePoint, "service_point", desk_values)


def _desk_or_404(service_point_id: int) -> ServicePoint:
    return db.get_or_404(ServicePoint, service_point_id)


def _back_to(desk: ServicePoint):
    return redirect(url_for("admin.service_point", service_point_id=desk.id), code=303)


@blueprint.get("/service-points/")
@viewer_required
def service_points():
    return agency_listing(
        "admin/service_points/index.html",
        ServicePoint,
        (Agency.name, ServicePoint.name, ServicePoint.id),
    )


@blueprint.get("/service-points/<int:service_point_id>")
@viewer_required
def service_point(service_point_id: int):
    desk = _desk_or_404(service_point_id)
    assigned = {official.id for official in desk.officials}
    candidates = db.session.scalars(
        select(Official)
        .where(Official.agency_id == desk.agency_id, Official.id.not_in(assigned or {0}))
        .order_by(Official.name)
    ).all()
    return render_template(
        "admin/service_points/detail.html",
        desk=desk,
        candidates=candidates,
        active_form=ActiveForm(active="0" if desk.is_active else "1"),
        assign_form=AssignForm(),
    )


def _desk_change(form: ServicePointForm, session: Session, desk: ServicePoint | None):
    desk = in_agency(ServicePoint, desk, session, form)
    desk.name = form.name.data
    desk.name_en = form.name_en.data or None
    return desk


DESK_FORM = RecordForm(
    DESKS,
    "admin/service_points/form.html",
    "desk",
    agency_record_form(ServicePointForm),
    _desk_change,
    created=_l("The desk %(name)s was created with its QR code."),
    saved=_l("The desk %(name)s was saved."),
    address=lambda desk: url_for("admin.service_point", service_point_id=desk.id),
)


@blueprint.route("/service-points/new", methods=["GET", "POST"], endpoint="create_service_point")
@blueprint.route("/service-points/<int:service_point_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_service_point(service_point_id: int | None = None):
    return DESK_FORM.page(_desk_or_404(service_point_id) if service_point_id else None)


@blueprint.post("/service-points/<int:service_point_id>/active")
@administrator_required
def set_service_point_active(service_point_id: int):
    desk = _desk_or_404(service_point_id)
    active = set_active(DESKS, desk, _activate)
    if active:
        flash(_("The desk takes ratings again."), "info")
    elif active is not None:
        flash(_("The desk is deactivated: its QR code now shows a polite notice."), "info")
    return _back_to(desk)


def _activate(desk: ServicePoint, active: bool) -> ServicePoint:
    desk.is_active = active
    return desk


@blueprint.post("/service-points/<int:service_point_id>/officials")
@administrator_required
def assign_official(service_point_id: int):
    """Assign an official of the desk's unit to the desk, or (``remove``) take them off it."""
    desk = _desk_or_404(service_point_id)
    form = AssignForm()
    official = (
        db.session.get(Official, form.official_id.data) if form.validate_on_submit() else None
    )
    if official is None or official.agency_id != desk.agency_id:
        flash(_("Choose an official of this unit."), "warning")
        return _back_to(desk)

    def assign(session: Session, target: ServicePoint | None) -> ServicePoint:
        assert target is not None, "save() loads the desk given to it"
        return _assign(target, session.get_one(Official, official.id), form)

    DESKS.save(desk, assign, "officials_changed")
    flash(_("The officials of the desk were saved."), "info")
    return _back_to(desk)


def _assign(desk: ServicePoint, person: Official, form: AssignForm) -> ServicePoint:
    if form.remove.data == "1":
        if person in desk.officials:
            desk.officials.remove(person)
    elif person not in desk.officials:
        desk.officials.append(person)
    return desk
