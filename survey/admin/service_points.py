"""Desks (service points): create, edit, deactivate, and the officials who serve at them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.common import (
    AgencyCodeField,
    administrator_required,
    no_formula,
    paginate,
    requested_page,
    stripped,
    viewer_required,
)
from survey.db import db, write_session
from survey.org.models import Agency, Official, PublicCode, ServicePoint


class ServicePointForm(FlaskForm):
    agency_code = AgencyCodeField(
        _l("Code of the unit"),
        validators=[DataRequired(message=_l("Enter the code of the unit the desk belongs to."))],
    )
    name = StringField(
        _l("Name in Vietnamese"),
        description=_l('As on the sign, for example "Quầy số 3 – Hộ tịch".'),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Enter the name of the desk.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            no_formula,
        ],
    )
    name_en = StringField(
        _l("Name in English"),
        filters=[stripped],
        validators=[Length(max=200, message=_l("At most %(max)d characters.")), no_formula],
    )


class ActiveForm(FlaskForm):
    """Deactivate (``active`` = "0") or reactivate ("1") a desk or an official."""

    active = HiddenField(validators=[DataRequired()])

    def validate_active(self, field):
        if field.data not in ("0", "1"):
            raise ValidationError(_("Choose to activate or deactivate."))


class AssignForm(FlaskForm):
    official_id = IntegerField(
        _l("Official"),
        validators=[DataRequired(message=_l("Choose an official."))],
    )
    remove = HiddenField()


def desk_values(desk: ServicePoint) -> dict:
    return {
        "agency": desk.agency.code,
        "name": desk.name,
        "name_en": desk.name_en or "",
        "is_active": desk.is_active,
        "officials": sorted(official.id for official in desk.officials),
    }


def _desk_or_404(service_point_id: int) -> ServicePoint:
    return db.get_or_404(ServicePoint, service_point_id)


@blueprint.get("/service-points/")
@viewer_required
def service_points():
    agency_id = request.args.get("agency", type=int)
    agency = db.get_or_404(Agency, agency_id) if agency_id is not None else None
    text = request.args.get("q", "").strip()[:100]
    statement = select(ServicePoint).join(Agency)
    if agency is not None:
        statement = statement.where(ServicePoint.agency_id == agency.id)
    if text:
        statement = statement.where(func.lower(ServicePoint.name).like(f"%{text.lower()}%"))
    statement = statement.order_by(Agency.name, ServicePoint.name, ServicePoint.id)
    return render_template(
        "admin/service_points/index.html",
        page=paginate(db.session, statement, requested_page()),
        agency=agency,
        text=text,
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


@blueprint.route("/service-points/new", methods=["GET", "POST"])
@administrator_required
def create_service_point():
    form = ServicePointForm()
    if request.method == "GET":
        agency = db.session.get(Agency, request.args.get("agency", 0, type=int))
        form.agency_code.data = agency.code if agency else ""
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/service_points/form.html", form=form, desk=None), status
    with write_session() as session:
        desk = ServicePoint(
            agency=session.get(Agency, form.agency_code.agency.id),
            name=form.name.data,
            name_en=form.name_en.data or None,
        )
        desk.public_codes.append(PublicCode())
        session.add(desk)
        session.flush()
        audit.record(
            "service_point.created",
            target=f"service_point:{desk.id}",
            details={"before": None, "after": desk_values(desk)},
            session=session,
        )
    flash(_("The desk %(name)s was created with its QR code.", name=desk.name), "info")
    return redirect(url_for("admin.service_point", service_point_id=desk.id), code=303)


@blueprint.route("/service-points/<int:service_point_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_service_point(service_point_id: int):
    desk = _desk_or_404(service_point_id)
    form = ServicePointForm(obj=desk)
    if request.method == "GET":
        form.agency_code.data = desk.agency.code
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/service_points/form.html", form=form, desk=desk), status
    with write_session() as session:
        target = session.get(ServicePoint, desk.id)
        before = desk_values(target)
        target.agency = session.get(Agency, form.agency_code.agency.id)
        target.name = form.name.data
        target.name_en = form.name_en.data or None
        session.flush()
        audit.record(
            "service_point.updated",
            target=f"service_point:{target.id}",
            details={"before": before, "after": desk_values(target)},
            session=session,
        )
    flash(_("The desk %(name)s was saved.", name=form.name.data), "info")
    return redirect(url_for("admin.service_point", service_point_id=desk.id), code=303)


@blueprint.post("/service-points/<int:service_point_id>/active")
@administrator_required
def set_service_point_active(service_point_id: int):
    desk = _desk_or_404(service_point_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        flash(_("Nothing was changed: the form was not valid. Please try again."), "warning")
        return redirect(url_for("admin.service_point", service_point_id=desk.id), code=303)
    with write_session() as session:
        target = session.get(ServicePoint, desk.id)
        before = desk_values(target)
        target.is_active = form.active.data == "1"
        audit.record(
            "service_point.activated" if target.is_active else "service_point.deactivated",
            target=f"service_point:{target.id}",
            details={"before": before, "after": desk_values(target)},
            session=session,
        )
    if form.active.data == "1":
        flash(_("The desk takes ratings again."), "info")
    else:
        flash(_("The desk is deactivated: its QR code now shows a polite notice."), "info")
    return redirect(url_for("admin.service_point", service_point_id=desk.id), code=303)


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
        return redirect(url_for("admin.service_point", service_point_id=desk.id), code=303)
    with write_session() as session:
        target = session.get(ServicePoint, desk.id)
        before = desk_values(target)
        person = session.get(Official, official.id)
        if form.remove.data == "1":
            if person in target.officials:
                target.officials.remove(person)
        elif person not in target.officials:
            target.officials.append(person)
        session.flush()
        audit.record(
            "service_point.officials_changed",
            target=f"service_point:{target.id}",
            details={"before": before, "after": desk_values(target)},
            session=session,
        )
    flash(_("The officials of the desk were saved."), "info")
    return redirect(url_for("admin.service_point", service_point_id=desk.id), code=303)
