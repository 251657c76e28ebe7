"""Officials: create, edit, deactivate, photo upload, and CSV import and export."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.common import (
    AgencyCodeField,
    DayField,
    administrator_required,
    allows_upload,
    no_formula,
    paginate,
    requested_page,
    stripped,
    viewer_required,
)
from survey.admin.imports import (
    IMPORT_BODY_BYTES,
    Change,
    Importer,
    LineError,
    Plan,
    Row,
    csv_download,
    date_text,
    duplicate_errors,
    import_page,
    parse_date,
)
from survey.admin.photos import (
    MAXIMUM_PHOTO_BYTES,
    PhotoRefused,
    official_photo_url,
    remove_photo,
    store_photo,
)
from survey.admin.service_points import ActiveForm
from survey.db import db, write_session
from survey.org.models import Agency, Official, PublicCode
from survey.vietnam_calendar import local_today

OFFICIAL_COLUMNS = ("id", "agency_code", "name", "title", "active_from", "active_to")


class OfficialForm(FlaskForm):
    agency_code = AgencyCodeField(
        _l("Code of the unit"),
        validators=[DataRequired(message=_l("Enter the code of the official's unit."))],
    )
    name = StringField(
        _l("Full name"),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Enter the official's full name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            no_formula,
        ],
    )
    title = StringField(
        _l("Job title"),
        description=_l('As on the desk sign, for example "Chuyên viên".'),
        filters=[stripped],
        validators=[Length(max=200, message=_l("At most %(max)d characters.")), no_formula],
    )
    active_from = DayField(_l("Serves from"), validators=[Optional()])
    active_to = DayField(
        _l("Serves until (first day no longer)"),
        description=_l("Empty: still serving."),
        validators=[Optional()],
    )

    def validate_active_to(self, field):
        if field.data and self.active_from.data and field.data <= self.active_from.data:
            raise ValidationError(_("The last day must be after the first day."))


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo (JPEG, PNG or WebP, at most 2 MB)"))


def official_values(official: Official) -> dict:
    return {
        "id": str(official.id) if official.id else "",
        "agency_code": official.agency.code,
        "name": official.name,
        "title": official.title or "",
        "active_from": date_text(official.active_from),
        "active_to": date_text(official.active_to),
    }


def _official_or_404(official_id: int) -> Official:
    return db.get_or_404(Official, official_id)


@blueprint.get("/officials/")
@viewer_required
def officials():
    agency_id = request.args.get("agency", type=int)
    agency = db.get_or_404(Agency, agency_id) if agency_id is not None else None
    text = request.args.get("q", "").strip()[:100]
    statement = select(Official).join(Agency)
    if agency is not None:
        statement = statement.where(Official.agency_id == agency.id)
    if text:
        statement = statement.where(func.lower(Official.name).like(f"%{text.lower()}%"))
    statement = statement.order_by(Official.name, Official.id)
    return render_template(
        "admin/officials/index.html",
        page=paginate(db.session, statement, requested_page()),
        agency=agency,
        text=text,
        today=local_today(),
    )


@blueprint.get("/officials/<int:official_id>")
@viewer_required
def official(official_id: int):
    person = _official_or_404(official_id)
    today = local_today()
    serving = (person.active_from is None or person.active_from <= today) and (
        person.active_to is None or today < person.active_to
    )
    return render_template(
        "admin/officials/detail.html",
        official=person,
        photo_url=official_photo_url(person),
        serving=serving,
        active_form=ActiveForm(active="0" if serving else "1"),
    )


@blueprint.route("/officials/new", methods=["GET", "POST"])
@administrator_required
def create_official():
    form = OfficialForm()
    if request.method == "GET":
        agency = db.session.get(Agency, request.args.get("agency", 0, type=int))
        form.agency_code.data = agency.code if agency else ""
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/officials/form.html", form=form, official=None), status
    with write_session() as session:
        person = Official(agency=session.get(Agency, form.agency_code.agency.id))
        _fill(person, form)
        person.public_codes.append(PublicCode())
        session.add(person)
        session.flush()
        audit.record(
            "official.created",
            target=f"official:{person.id}",
            details={"before": None, "after": official_values(person)},
            session=session,
        )
    flash(_("%(name)s was added with a personal QR code.", name=person.name), "info")
    return redirect(url_for("admin.official", official_id=person.id), code=303)


def _fill(person: Official, form: OfficialForm) -> None:
    person.name = form.name.data
    person.title = form.title.data or None
    person.active_from = form.active_from.data
    person.active_to = form.active_to.data


@blueprint.route("/officials/<int:official_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_official(official_id: int):
    person = _official_or_404(official_id)
    form = OfficialForm(obj=person)
    if request.method == "GET":
        form.agency_code.data = person.agency.code
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/officials/form.html", form=form, official=person), status
    with write_session() as session:
        target = session.get(Official, person.id)
        before = official_values(target)
        target.agency = session.get(Agency, form.agency_code.agency.id)
        _fill(target, form)
        session.flush()
        audit.record(
            "official.updated",
            target=f"official:{target.id}",
            details={"before": before, "after": official_values(target)},
            session=session,
        )
    flash(_("%(name)s was saved.", name=form.name.data), "info")
    return redirect(url_for("admin.official", official_id=person.id), code=303)


@blueprint.post("/officials/<int:official_id>/active")
@administrator_required
def set_official_active(official_id: int):
    """Deactivate (serves until today) or reactivate (no end date) an official."""
    person = _official_or_404(official_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        flash(_("Nothing was changed: the form was not valid. Please try again."), "warning")
        return redirect(url_for("admin.official", official_id=person.id), code=303)
    today = local_today()
    with write_session() as session:
        target = session.get(Official, person.id)
        before = official_values(target)
        if form.active.data == "1":
            target.active_to = None
            if target.active_from is not None and target.active_from > today:
                target.active_from = today
        else:
            target.active_to = today
            if target.active_from is not None and target.active_from >= today:
                target.active_from = today - timedelta(days=1)
        audit.record(
            "official.activated" if form.active.data == "1" else "official.deactivated",
            target=f"official:{target.id}",
            details={"before": before, "after": official_values(target)},
            session=session,
        )
    return redirect(url_for("admin.official", official_id=person.id), code=303)


@blueprint.route("/officials/<int:official_id>/photo", methods=["GET", "POST"])
@allows_upload(MAXIMUM_PHOTO_BYTES + 64 * 1024)
@administrator_required
def official_photo_upload(official_id: int):
    person = _official_or_404(official_id)
    form = PhotoForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/officials/photo.html", form=form, official=person), status
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        form.photo.errors = [_("Choose a photo.")]
        return render_template("admin/officials/photo.html", form=form, official=person), 400
    try:
        name = store_photo(upload.read(MAXIMUM_PHOTO_BYTES + 1))
    except PhotoRefused as refusal:
        form.photo.errors = [str(refusal.message)]
        return render_template("admin/officials/photo.html", form=form, official=person), 400
    with write_session() as session:
        target = session.get(Official, person.id)
        previous = target.photo_filename
        target.photo_filename = name
        audit.record(
            "official.photo_changed",
            target=f"official:{target.id}",
            details={"before": {"photo": previous}, "after": {"photo": name}},
            session=session,
        )
    remove_photo(previous)
    flash(_("The photo was saved."), "info")
    return redirect(url_for("admin.official", official_id=person.id), code=303)


class OfficialImporter(Importer):
    """Officials by id: an empty id creates a new official (with a personal QR code)."""

    columns = OFFICIAL_COLUMNS
    required = ("agency_code", "name")
    audit_prefix = "official"

    def check(self, session: Session, rows: list[Row], plan: Plan) -> None:
        _by_id, errors = duplicate_errors(rows, "id")
        plan.errors += errors
        if errors:
            return
        agency_codes = set(session.scalars(select(Agency.code)))
        ids = [int(row.values["id"]) for row in rows if row.values["id"].isdigit()]
        current = {
            person.id: person
            for person in session.scalars(select(Official).where(Official.id.in_(ids)))
        }
        for row in rows:
            values, problems = dict(row.values), []
            if values["id"] and (not values["id"].isdigit() or int(values["id"]) not in current):
                problems.append(_l("no official has the id %(id)s.", id=values["id"]))
            if values["agency_code"] not in agency_codes:
                problems.append(_l("no unit has the code %(code)s.", code=values["agency_code"]))
            for column in ("name", "title"):
                if len(values[column]) > 200:
                    problems.append(
                        _l("%(column)s has more than %(max)s characters.", column=column, max=200)
                    )
            days = {}
            for column in ("active_from", "active_to"):
                try:
                    days[column] = parse_date(values[column])
                except ValueError:
                    problems.append(
                        _l(
                            "%(column)s %(value)s is not a date (write 2025-07-01 or 01/07/2025).",
                            column=column,
                            value=values[column],
                        )
                    )
            first, last = days.get("active_from"), days.get("active_to")
            if first and last and last <= first:
                problems.append(_l("active_to must be after active_from."))
            if problems:
                plan.errors.extend(LineError(row.line, problem) for problem in problems)
                continue
            values["active_from"] = date_text(days["active_from"])
            values["active_to"] = date_text(days["active_to"])
            if not values["id"]:
                plan.changes.append(Change(row.line, f"line {row.line}", "create", None, values))
                continue
            before = official_values(current[int(values["id"])])
            action = "unchanged" if before == values else "update"
            plan.changes.append(Change(row.line, values["id"], action, before, values))

    def write(self, session: Session, changes: list[Change]) -> None:
        agencies = {agency.code: agency for agency in session.scalars(select(Agency))}
        for change in changes:
            after = change.after
            if change.action == "create":
                person = Official()
                person.public_codes.append(PublicCode())
                session.add(person)
            else:
                person = session.get(Official, int(after["id"]))
            person.agency = agencies[after["agency_code"]]
            person.name = after["name"]
            person.title = after["title"] or None
            person.active_from = parse_date(after["active_from"])
            person.active_to = parse_date(after["active_to"])
            session.flush()
            change.key = str(person.id)
            after["id"] = str(person.id)


@blueprint.route("/officials/import", methods=["GET", "POST"])
@allows_upload(IMPORT_BODY_BYTES)
@administrator_required
def import_officials():
    return import_page(OfficialImporter(), "admin/officials/import.html", "admin.officials")


@blueprint.get("/officials/export.csv")
@viewer_required
def export_officials():
    rows = [
        official_values(person)
        for person in db.session.scalars(select(Official).order_by(Official.id))
    ]
    return csv_download("officials.csv", OFFICIAL_COLUMNS, rows, "official.exported")
