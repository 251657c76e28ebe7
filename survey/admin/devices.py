"""Kiosk tablets: register one for a desk from the web (a one-time pairing link, shown as
text and as a QR code for the tablet to scan), see each kiosk's last contact and unsent
ratings, revoke it. Administrators only. The pairing itself is :mod:`survey.collect.devices`.
"""

from __future__ import annotations

import base64

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.common import administrator_required
from survey.admin.forms import RegisterKioskForm, TokenForm
from survey.admin.lookup import agency_matches
from survey.admin.pages import requested_agency, requested_token
from survey.choices import options
from survey.collect.devices import (
    PAIRING_LIFETIME,
    Registration,
    RegistrationError,
    register_kiosk,
    revoke_kiosk,
)
from survey.collect.models import KioskDevice
from survey.collect.posters import qr_png
from survey.db import db, utcnow, write_session
from survey.org.models import Agency, PublicCode, ServicePoint

PAGE_SIZE = 100


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
@administrator_required
def kiosks():
    statement = (
        select(KioskDevice, ServicePoint, Agency)
        .join(ServicePoint, KioskDevice.service_point_id == ServicePoint.id)
        .join(Agency, ServicePoint.agency_id == Agency.id)
        .order_by(Agency.name, ServicePoint.name, KioskDevice.id)
        .limit(PAGE_SIZE)
    )
    agency = requested_agency()
    if agency is not None:
        statement = statement.where(Agency.id == agency.id)
    return render_template(
        "admin/devices/list.html",
        rows=db.session.execute(statement).all(),
        agency=agency,
        state=kiosk_state,
        state_labels=STATE_LABELS,
        form=TokenForm(),
    )


@blueprint.route("/kiosks/new", methods=["GET", "POST"])
@administrator_required
def register_kiosk_page():
    words, matches = agency_matches()
    agency = requested_agency()
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
    code = desk.active_code if desk is not None else None
    if desk is None or code is None:
        form.service_point.errors.append(_("Choose one of this agency's desks."))
        return page(400)
    try:
        registration = _register(desk, code, form.name.data or None)
    except RegistrationError:
        form.service_point.errors.append(_("This desk no longer takes ratings."))
        return page(400)
    device = registration.device
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


def _register(desk: ServicePoint, code: PublicCode, name: str | None) -> Registration:
    with write_session() as session:
        registration = register_kiosk(session, code.code, name)
        device = registration.device
        audit.record(
            "kiosk.registered",
            target=f"kiosk:{device.id}",
            details={"after": {"service_point": desk.id, "name": device.name}, "via": "web"},
            session=session,
        )
    return registration


@blueprint.post("/kiosks/<int:device_id>/revoke")
@administrator_required
def revoke_kiosk_page(device_id: int):
    device = db.get_or_404(KioskDevice, device_id)
    requested_token()
    if device.revoked_dt is None:
        _revoke(device)
    flash(_("The kiosk %(name)s can no longer send ratings.", name=device.name), "info")
    return redirect(url_for("admin.kiosks"))


def _revoke(device: KioskDevice) -> None:
    before = kiosk_state(device)
    with write_session() as session:
        revoke_kiosk(session, device.id)
        audit.record(
            "kiosk.revoked",
            target=f"kiosk:{device.id}",
            details={"before": {"state": before}, "after": {"state": "revoked"}},
            session=session,
        )
