"""Officials: create, edit, deactivate, photo upload, and CSV import and export."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.changes import Audited
from survey.admin.common import administrator_required, allows_upload, viewer_required
from survey.admin.forms import ActiveForm, OfficialForm, PhotoForm
from survey.admin.imports import Change, Importer, date_text, parse_date, records_by
from survey.admin.pages import (
    RecordForm,
    agency_listing,
    agency_record_form,
    csv_pages,
    form_page,
    in_agency,
    set_active,
)
from survey.admin.photos import (
    MAXIMUM_PHOTO_BYTES,
    PhotoRefused,
    is_active_on,
    official_photo_url,
    remove_photo,
    store_photo,
)
from survey.db import db, write_session
from survey.org.models import Agency, Official, PublicCode
from survey.vietnam_calendar import local_today

OFFICIAL_COLUMNS = ("id", "agency_code", "name", "title", "active_from", "active_to")


def official_values(official: Official) -> dict:
    return {
        "id": str(official.id) if official.id else "",
        "agency_code": official.agency.code,
        "name": official.name,
        "title": official.title or "",
        "active_from": date_text(official.active_from),
        "active_to": date_text(official.active_to),
    }


OFFICIALS = Audited(Official, "official", official_values)


def _official_or_404(official_id: int) -> Official:
    return db.get_or_404(Official, official_id)


def _back_to(person: Official):
    return redirect(url_for("admin.official", official_id=person.id), code=303)


@blueprint.get("/officials/")
@viewer_required
def officials():
    return agency_listing(
        "admin/officials/index.html", Official, (Official.name, Official.id), today=local_today()
    )


@blueprint.get("/officials/<int:official_id>")
@viewer_required
def official(official_id: int):
    person = _official_or_404(official_id)
    serving = is_active_on(person, local_today())
    return render_template(
        "admin/officials/detail.html",
        official=person,
        photo_url=official_photo_url(person),
        serving=serving,
        active_form=ActiveForm(active="0" if serving else "1"),
    )


def _official_change(form: OfficialForm, session: Session, person: Official | None):
    person = in_agency(Official, person, session, form)
    person.name = form.name.data
    person.title = form.title.data or None
    person.active_from = form.active_from.data
    person.active_to = form.active_to.data
    return person


OFFICIAL_FORM = RecordForm(
    OFFICIALS,
    "admin/officials/form.html",
    "official",
    agency_record_form(OfficialForm),
    _official_change,
    created=_l("%(name)s was added with a personal QR code."),
    saved=_l("%(name)s was saved."),
    address=lambda person: url_for("admin.official", official_id=person.id),
)


@blueprint.route("/officials/new", methods=["GET", "POST"], endpoint="create_official")
@blueprint.route("/officials/<int:official_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_official(official_id: int | None = None):
    return OFFICIAL_FORM.page(_official_or_404(official_id) if official_id else None)


@blueprint.post("/officials/<int:official_id>/active")
@administrator_required
def set_official_active(official_id: int):
    """Deactivate (serves until today) or reactivate (no end date) an official."""
    person = _official_or_404(official_id)
    set_active(OFFICIALS, person, lambda target, active: _serve(target, active, local_today()))
    return _back_to(person)


def _serve(person: Official, active: bool, today: date) -> Official:
    """Serving from today at the latest, with no end; or no longer from today."""
    if active:
        person.active_to = None
        if person.active_from is not None and person.active_from > today:
            person.active_from = today
    else:
        person.active_to = today
        if person.active_from is not None and person.active_from >= today:
            person.active_from = today - timedelta(days=1)
    return person


@blueprint.route("/officials/<int:official_id>/photo", methods=["GET", "POST"])
@allows_upload(MAXIMUM_PHOTO_BYTES + 64 * 1024)
@administrator_required
def official_photo_upload(official_id: int):
    person = _official_or_404(official_id)
    form = PhotoForm()
    template = "admin/officials/photo.html"
    if not form.validate_on_submit():
        return form_page(template, form, official=person)
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        form.photo.errors = [_("Choose a photo.")]
        return form_page(template, form, official=person)
    try:
        name = store_photo(upload.read(MAXIMUM_PHOTO_BYTES + 1))
    except PhotoRefused as refusal:
        form.photo.errors = [str(refusal.message)]
        return form_page(template, form, official=person)
    _change_photo(person.id, name)
    flash(_("The photo was saved."), "info")
    return _back_to(person)


def _change_photo(official_id: int, name: str) -> None:
    """Give the official the stored photo ``name``; the one it replaces is removed."""
    with write_session() as session:
        target = session.get_one(Official, official_id)
        previous = target.photo_filename
        target.photo_filename = name
        audit.record(
            "official.photo_changed",
            target=f"official:{target.id}",
            details={"before": {"photo": previous}, "after": {"photo": name}},
            session=session,
        )
    remove_photo(previous)


class OfficialImporter(Importer):
    """Officials by id: an empty id creates a new official (with a personal QR code)."""

    columns = OFFICIAL_COLUMNS
    required = ("agency_code", "name")
    audit_prefix = "official"
    key = "id"
    lengths = (("name", 200), ("title", 200))
    period = ("active_from", "active_to", _l("active_to must be after active_from."))

    def context(self, session, rows):
        ids = [int(row.values["id"]) for row in rows if row.values["id"].isdigit()]
        current = records_by(session, Official.id, ids)
        return set(session.scalars(select(Agency.code))), current

    def row_problems(self, values, context):
        agency_codes, current = context
        problems = []
        if values["id"] and (not values["id"].isdigit() or int(values["id"]) not in current):
            problems.append(_l("no official has the id %(id)s.", id=values["id"]))
        if values["agency_code"] not in agency_codes:
            problems.append(_l("no unit has the code %(code)s.", code=values["agency_code"]))
        return problems

    def before(self, values, context):
        _agency_codes, current = context
        return official_values(current[int(values["id"])]) if values["id"] else None

    def write(self, session: Session, changes: list[Change]) -> None:
        agencies = {agency.code: agency for agency in session.scalars(select(Agency))}
        for change in changes:
            after = change.after
            if change.action == "create":
                person = Official(public_codes=[PublicCode()])
                session.add(person)
            else:
                person = session.get_one(Official, int(after["id"]))
            person.agency = agencies[after["agency_code"]]
            person.name = after["name"]
            person.title = after["title"] or None
            person.active_from = parse_date(after["active_from"])
            person.active_to = parse_date(after["active_to"])
            session.flush()
            change.key = str(person.id)
            after["id"] = str(person.id)


csv_pages(OfficialImporter(), "officials", select(Official).order_by(Official.id), official_values)
