"""Kiosk tablets: register one for a desk from the web (a one-time pairing link, shown as
text and as a QR code for the tablet to scan), see each kiosk's last contact and unsent
ratings, revoke it. Administrators only. The pairing itself is :mod:`survey.collect.devices`.
"""

from __future__ import annotations

import base64

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from survey.accounts import audit
from survey.accounts.access import roles_required
from survey.accounts.models import Role
from survey.admin import blueprint
from survey.admin.lookup import agency_matches
from survey.choices import options
from survey.collect.devices import PAIRING_LIFETIME, RegistrationError, register_kiosk, revoke_kiosk
from survey.collect.models import KioskDevice
from survey.collect.posters import qr_png
from survey.db import db, utcnow
from survey.org.models import Agency, ServicePoint

PAGE_SIZE = 100


class RegisterKioskForm(FlaskForm):
    service_point = SelectField(
        _l("Desk"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose the desk the kiosk stands at."))],
    )
    name = StringField(
        _l("Name of the tablet"),
        description=_l('To recognise it later, e.g. "Tablet beside desk 2".'),
        validators=[
            Optional(),
            Length(max=100, message=_l("At most %(count)s characters.", count=100)),
        ],
    )


class RevokeKioskForm(FlaskForm):
    """Revoking needs nothing but the security token."""


def _desks_of(agency: Agency) -> list[ServicePoint]:
    return list(
        db.session.scalars(
            select(ServicePoint)
            .where(ServicePoint.agency_id == agency.id, ServicePoint.is_active.is_(True))
            .order_by(ServicePoint.name)
        )
    )


def kiosk_state(device: KioskDevice) -> str:
    """ "revoked", "paired", "waiting" (link not used yet) or "expired" (link too old)."""
    if device.revoked_dt is not None:
        return "revoked"
    if device.paired_dt is not None:
        return "paired"
    if device.created_dt > utcnow() - PAIRING_LIFETIME:
        return "waiting"
    return "expired"


STATE_LABELS = {
    "revoked": _l("Revoked"),
    "paired": _l("In service"),
    "waiting": _l("Waiting to be paired"),
    "expired": _l("Pairing link expired: register it again"),
}


@blueprint.get("/kiosks/")
@roles_required(Role.ADMINISTRATOR)
def kiosks():
    statement = (
        select(KioskDevice, ServicePoint, Agency)
        .join(ServicePoint, KioskDevice.service_point_id == ServicePoint.id)
        .join(Agency, ServicePoint.agency_id == Agency.id)
        .order_by(Agency.name, ServicePoint.name, KioskDevice.id)
        .limit(PAGE_SIZE)
    )
    agency = None
    if "agency" in request.args:
        agency = db.get_or_404(Agency, request.args.get("agency", type=int))
        statement = statement.where(Agency.id == agency.id)
    return render_template(
        "admin/devices/list.html",
        rows=db.session.execute(statement).all(),
        agency=agency,
        state=kiosk_state,
        state_labels=STATE_LABELS,
        form=RevokeKioskForm(),
    )


@blueprint.route("/kiosks/new", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def register_kiosk_page():
    words, matches = agency_matches()
    agency = None
    if "agency" in request.args:
        agency = db.get_or_404(Agency, request.args.get("agency", type=int))
    form = RegisterKioskForm()
    desks = _desks_of(agency) if agency is not None else []
    form.service_point.choices = options((desk.id, desk.name) for desk in desks)

    def page(status=200):
        return render_template(
            "admin/devices/new.html",
            form=form,
            agency=agency,
            agency_search=words,
            agency_matches=matches,
            agency_pick="id",
        ), status

    if not form.validate_on_submit():
        return page(400 if form.is_submitted() else 200)
    desk = next((desk for desk in desks if desk.id == form.service_point.data), None)
    if desk is None or desk.active_code is None:
        form.service_point.errors.append(_("Choose one of this agency's desks."))
        return page(400)
    try:
        registration = register_kiosk(db.session, desk.active_code.code, form.name.data or None)
    except RegistrationError:
        form.service_point.errors.append(_("This desk no longer takes ratings."))
        return page(400)
    device = registration.device
    audit.record(
        "kiosk.registered",
        target=f"kiosk:{device.id}",
        details={"after": {"service_point": desk.id, "name": device.name}, "via": "web"},
    )
    db.session.commit()
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "kiosk.pair", token=registration.pairing_token
    )
    response = current_app.make_response(
        render_template(
            "admin/devices/pairing.html",
            device=device,
            desk=desk,
            link=link,
            qr_data=base64.b64encode(qr_png(link)).decode("ascii"),
            hours=int(PAIRING_LIFETIME.total_seconds() // 3600),
        )
    )
    # The pairing link is shown once: never kept by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/kiosks/<int:device_id>/revoke")
@roles_required(Role.ADMINISTRATOR)
def revoke_kiosk_page(device_id: int):
    device = db.get_or_404(KioskDevice, device_id)
    if not RevokeKioskForm().validate():
        abort(400)
    if device.revoked_dt is None:
        before = kiosk_state(device)
        revoke_kiosk(db.session, device.id)
        audit.record(
            "kiosk.revoked",
            target=f"kiosk:{device.id}",
            details={"before": {"state": before}, "after": {"state": "revoked"}},
        )
        db.session.commit()
    flash(_("The kiosk %(name)s can no longer send ratings.", name=device.name), "info")
    return redirect(url_for("admin.kiosks"))
