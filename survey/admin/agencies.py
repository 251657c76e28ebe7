"""The agency tree: browse, search, create, rename, move, close, mergers and splits, CSV."""

from __future__ import annotations

from datetime import date

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.common import (
    AgencyCodeField,
    DayField,
    administrator_required,
    agency_by_code,
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
from survey.choices import options
from survey.db import db, write_session
from survey.org.models import Agency, AgencySuccession, ServicePoint, SuccessionKind
from survey.org.reorganise import (
    AGENCY_CODE_PATTERN,
    AGENCY_FIELDS,
    ReorganisationRefused,
    agency_values,
    ancestors,
    close_agency,
    create_agency,
    record_reorganisation,
    update_agency,
    would_make_cycle,
)
from survey.vietnam_calendar import local_today

SEARCH_RESULTS_FOR_PICKER = 15


# ----------------------------------------------------------------------------------------
# Forms
# ----------------------------------------------------------------------------------------


class AgencyForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("Letters, digits, dot, dash or underscore; kept when the unit is renamed."),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Enter a code.")),
            Regexp(
                AGENCY_CODE_PATTERN,
                message=_l(
                    "A code has 1 to 40 letters, digits, dots, dashes or underscores, "
                    "starting with a letter or digit."
                ),
            ),
        ],
    )
    name = StringField(
        _l("Name in Vietnamese"),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Enter the official name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            no_formula,
        ],
    )
    name_en = StringField(
        _l("Name in English"),
        filters=[stripped],
        validators=[Length(max=200, message=_l("At most %(max)d characters.")), no_formula],
    )
    name_km = StringField(
        _l("Name in Khmer"),
        filters=[stripped],
        validators=[Length(max=200, message=_l("At most %(max)d characters.")), no_formula],
    )
    kind = StringField(
        _l("Kind of unit"),
        description=_l('For example "UBND phường" or "Bộ phận Một cửa".'),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Enter the kind of unit.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
            no_formula,
        ],
    )
    parent_code = AgencyCodeField(
        _l("Code of the parent unit"),
        description=_l("Type part of a name or code to search. Empty: a top-level unit."),
        validators=[Optional()],
        must_exist_message=_l("No unit has this code: search for the parent and use its code."),
    )
    valid_from = DayField(_l("Exists from"), validators=[Optional()])
    valid_to = DayField(
        _l("Closed from"),
        description=_l("The first day the unit no longer exists. Empty: still open."),
        validators=[Optional()],
    )

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data <= self.valid_from.data:
            raise ValidationError(_("The closing date must be after the opening date."))

    def values(self) -> dict:
        return {
            "code": self.code.data,
            "name": self.name.data,
            "name_en": self.name_en.data or None,
            "name_km": self.name_km.data or None,
            "kind": self.kind.data,
            "valid_from": self.valid_from.data,
            "valid_to": self.valid_to.data,
        }


class CloseForm(FlaskForm):
    day = DayField(
        _l("Closed from"),
        description=_l("The first day the unit no longer exists and takes no ratings."),
        validators=[DataRequired(message=_l("Enter the date."))],
    )


def _code_list(text: str | None) -> list[str]:
    return [code for code in (text or "").replace(",", " ").split() if code]


class ReorganisationForm(FlaskForm):
    kind = RadioField(
        _l("What happened"),
        choices=options(
            [
                (SuccessionKind.MERGER.value, _l("Merger: several units became one")),
                (SuccessionKind.SPLIT.value, _l("Split: one unit became several")),
            ]
        ),
        validators=[DataRequired(message=_l("Choose a merger or a split."))],
    )
    predecessor_codes = TextAreaField(
        _l("Codes of the units before the change"),
        description=_l("Separated by spaces or commas. They stop taking ratings on the date."),
        render_kw={"rows": 2, "data-agency-search": "", "spellcheck": "false"},
        validators=[DataRequired(message=_l("Enter at least one code."))],
    )
    successor_codes = TextAreaField(
        _l("Codes of the units after the change"),
        description=_l(
            "Existing units. For a merger into a new unit, leave empty and fill in "
            "the new unit below."
        ),
        render_kw={"rows": 2, "data-agency-search": "", "spellcheck": "false"},
    )
    effective_date = DayField(
        _l("Date of the change"),
        description=_l("The first day of the new organisation."),
        validators=[DataRequired(message=_l("Enter the date."))],
    )
    new_code = StringField(
        _l("New unit: code"),
        filters=[stripped],
        validators=[
            Optional(),
            Regexp(
                AGENCY_CODE_PATTERN,
                message=_l(
                    "A code has 1 to 40 letters, digits, dots, dashes or underscores, "
                    "starting with a letter or digit."
                ),
            ),
        ],
    )
    new_name = StringField(
        _l("New unit: name in Vietnamese"),
        filters=[stripped],
        validators=[Length(max=200, message=_l("At most %(max)d characters.")), no_formula],
    )
    new_kind = StringField(
        _l("New unit: kind"),
        filters=[stripped],
        validators=[Length(max=100, message=_l("At most %(max)d characters.")), no_formula],
    )
    new_parent_code = AgencyCodeField(
        _l("New unit: code of its parent"),
        validators=[Optional()],
    )

    def predecessors(self) -> list[str]:
        return _code_list(self.predecessor_codes.data)

    def successors(self) -> list[str]:
        return _code_list(self.successor_codes.data)

    def validate_predecessor_codes(self, field):
        _check_codes_exist(self.predecessors())

    def validate_successor_codes(self, field):
        codes = self.successors()
        _check_codes_exist(codes)
        if not codes and not self.new_code.data:
            raise ValidationError(
                _("Enter the codes of the units after the change, or a new unit.")
            )
        if codes and self.new_code.data:
            raise ValidationError(_("Either existing units or a new unit, not both."))

    def validate_new_code(self, field):
        if field.data and agency_by_code(db.session, field.data) is not None:
            raise ValidationError(_("The code %(code)s is already used.", code=field.data))

    def validate_new_name(self, field):
        if self.new_code.data and not field.data:
            raise ValidationError(_("Enter the name of the new unit."))

    def validate_new_kind(self, field):
        if self.new_code.data and not field.data:
            raise ValidationError(_("Enter the kind of the new unit."))


def _check_codes_exist(codes: list[str]) -> None:
    if len(codes) > 50:
        raise ValidationError(_("At most 50 units at once."))
    if len(set(codes)) != len(codes):
        raise ValidationError(_("A code is repeated."))
    found = set(db.session.scalars(select(Agency.code).where(Agency.code.in_(codes))))
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError(_("No unit has these codes: %(codes)s.", codes=", ".join(unknown)))


# ----------------------------------------------------------------------------------------
# CSV import of the tree
# ----------------------------------------------------------------------------------------


class AgencyImporter(Importer):
    columns = AGENCY_FIELDS
    required = ("code", "name", "kind")
    audit_prefix = "agency"

    def check(self, session: Session, rows: list[Row], plan: Plan) -> None:
        existing = {
            code: (agency_id, parent_id)
            for agency_id, code, parent_id in session.execute(
                select(Agency.id, Agency.code, Agency.parent_id)
            )
        }
        code_of = {agency_id: code for code, (agency_id, _parent) in existing.items()}
        parent_of = {
            code: code_of.get(parent_id) if parent_id is not None else None
            for code, (_agency, parent_id) in existing.items()
        }
        by_code, errors = duplicate_errors(rows, "code")
        plan.errors += errors
        checked: list[tuple[Row, dict]] = []
        for row in rows:
            if by_code.get(row.values["code"]) is not row:
                continue
            values = self._checked_values(row, existing, by_code, plan.errors)
            if values is not None:
                checked.append((row, values))
                parent_of[values["code"]] = values["parent_code"] or None
        for row, values in checked:
            if would_make_cycle(parent_of, values["code"]):
                plan.errors.append(
                    LineError(
                        row.line,
                        _l(
                            "%(code)s under %(parent)s makes a cycle: a unit would be inside "
                            "itself.",
                            code=values["code"],
                            parent=values["parent_code"],
                        ),
                    )
                )
        if plan.errors:
            return
        before_of = self._current_values(session, [values["code"] for _row, values in checked])
        for row, values in checked:
            before = before_of.get(values["code"])
            if before is None:
                action = "create"
            elif before == values:
                action = "unchanged"
            else:
                action = "update"
            plan.changes.append(Change(row.line, values["code"], action, before, values))

    @staticmethod
    def _checked_values(row: Row, existing, by_code, errors) -> dict | None:
        values = dict(row.values)
        problems = []
        if not AGENCY_CODE_PATTERN.match(values["code"]):
            problems.append(
                _l(
                    "the code %(code)s is not valid (1 to 40 letters, digits, . - _).",
                    code=values["code"],
                )
            )
        for column, limit in (("name", 200), ("name_en", 200), ("name_km", 200), ("kind", 100)):
            if len(values[column]) > limit:
                problems.append(
                    _l("%(column)s has more than %(max)s characters.", column=column, max=limit)
                )
        days = {}
        for column in ("valid_from", "valid_to"):
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
        if (
            days.get("valid_from")
            and days.get("valid_to")
            and days["valid_to"] <= days["valid_from"]
        ):
            problems.append(_l("valid_to must be after valid_from."))
        parent = values["parent_code"]
        if parent == values["code"]:
            problems.append(_l("%(code)s cannot be its own parent.", code=parent))
        elif parent and parent not in existing and parent not in by_code:
            problems.append(
                _l(
                    "the parent %(code)s is neither in the file nor in the tree.",
                    code=parent,
                )
            )
        if problems:
            errors.extend(LineError(row.line, problem) for problem in problems)
            return None
        values["valid_from"] = date_text(days["valid_from"])
        values["valid_to"] = date_text(days["valid_to"])
        return values

    @staticmethod
    def _current_values(session: Session, codes: list[str]) -> dict[str, dict]:
        agencies = session.scalars(select(Agency).where(Agency.code.in_(codes))) if codes else []
        return {agency.code: agency_values(agency) for agency in agencies}

    def write(self, session: Session, changes: list[Change]) -> None:
        agencies = {
            agency.code: agency
            for agency in session.scalars(
                select(Agency).where(Agency.code.in_([change.key for change in changes]))
            )
        }
        for change in changes:
            if change.action == "create":
                agencies[change.key] = Agency(code=change.key, name="", kind="")
                session.add(agencies[change.key])
        for change in changes:
            agency, after = agencies[change.key], change.after
            agency.name = after["name"]
            agency.name_en = after["name_en"] or None
            agency.name_km = after["name_km"] or None
            agency.kind = after["kind"]
            agency.valid_from = parse_date(after["valid_from"])
            agency.valid_to = parse_date(after["valid_to"])
            parent_code = after["parent_code"]
            agency.parent = (
                (agencies.get(parent_code) or agency_by_code(session, parent_code))
                if parent_code
                else None
            )
        session.flush()


# ----------------------------------------------------------------------------------------
# Browsing
# ----------------------------------------------------------------------------------------


def _agency_or_404(agency_id: int) -> Agency:
    return db.get_or_404(Agency, agency_id)


def _search_statement(text: str, open_only: bool):
    pattern = f"%{text.lower()}%"
    statement = select(Agency).where(
        or_(
            func.lower(Agency.code).like(pattern),
            func.lower(Agency.name).like(pattern),
            func.lower(Agency.name_en).like(pattern),
        )
    )
    if open_only:
        statement = statement.where(Agency.valid_on_clause(local_today()))
    return statement.order_by(Agency.name, Agency.code)


@blueprint.get("/agencies/")
@viewer_required
def agencies():
    """Search by name or code, or walk the tree one level at a time (``?parent=``)."""
    text = request.args.get("q", "").strip()[:100]
    open_only = request.args.get("all") != "1"
    parent = None
    if text:
        statement = _search_statement(text, open_only)
    else:
        parent_id = request.args.get("parent", type=int)
        parent = _agency_or_404(parent_id) if parent_id is not None else None
        statement = select(Agency).where(
            Agency.parent_id == parent.id if parent is not None else Agency.parent_id.is_(None)
        )
        if open_only:
            statement = statement.where(Agency.valid_on_clause(local_today()))
        statement = statement.order_by(Agency.name, Agency.code)
    page = paginate(db.session, statement, requested_page())
    child_counts = _child_counts([agency.id for agency in page.items])
    return render_template(
        "admin/agencies/index.html",
        page=page,
        text=text,
        open_only=open_only,
        parent=parent,
        trail=list(reversed(ancestors(parent))) if parent is not None else [],
        child_counts=child_counts,
        today=local_today(),
    )


def _child_counts(agency_ids: list[int]) -> dict[int, int]:
    if not agency_ids:
        return {}
    return dict(
        db.session.execute(
            select(Agency.parent_id, func.count())
            .where(Agency.parent_id.in_(agency_ids))
            .group_by(Agency.parent_id)
        ).all()
    )


@blueprint.get("/agencies/search.json")
@viewer_required
def agency_search():
    """Codes and names for the parent picker (JavaScript fills a list as the officer types)."""
    text = request.args.get("q", "").strip()[:100]
    if len(text) < 2:
        return jsonify([])
    statement = _search_statement(text, open_only=False).limit(SEARCH_RESULTS_FOR_PICKER)
    return jsonify(
        [
            {"code": agency.code, "name": agency.name, "open": agency.is_valid_on(local_today())}
            for agency in db.session.scalars(statement)
        ]
    )


@blueprint.get("/agencies/<int:agency_id>")
@viewer_required
def agency(agency_id: int):
    unit = _agency_or_404(agency_id)
    successions = db.session.scalars(
        select(AgencySuccession).where(
            or_(
                AgencySuccession.predecessor_id == unit.id,
                AgencySuccession.successor_id == unit.id,
            )
        )
    ).all()
    desks = db.session.scalars(
        select(ServicePoint).where(ServicePoint.agency_id == unit.id).order_by(ServicePoint.name)
    ).all()
    return render_template(
        "admin/agencies/detail.html",
        agency=unit,
        trail=list(reversed(ancestors(unit))),
        children_count=_child_counts([unit.id]).get(unit.id, 0),
        before=[link for link in successions if link.successor_id == unit.id],
        after=[link for link in successions if link.predecessor_id == unit.id],
        desks=desks,
        today=local_today(),
    )


# ----------------------------------------------------------------------------------------
# Changes (administrators)
# ----------------------------------------------------------------------------------------


def _refused(form, refusal: ReorganisationRefused, template: str, **context):
    return render_template(template, form=form, form_error=refusal.message, **context), 400


@blueprint.route("/agencies/new", methods=["GET", "POST"])
@administrator_required
def create_agency_page():
    form = AgencyForm()
    if request.method == "GET":
        form.parent_code.data = request.args.get("parent", "")[:40]
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/agencies/form.html", form=form, agency=None), status
    try:
        with write_session() as session:
            parent = (
                session.get(Agency, form.parent_code.agency.id) if form.parent_code.agency else None
            )
            created = create_agency(session, parent=parent, **form.values())
            audit.record(
                "agency.created",
                target=f"agency:{created.code}",
                details={"before": None, "after": agency_values(created)},
                session=session,
            )
    except ReorganisationRefused as refusal:
        return _refused(form, refusal, "admin/agencies/form.html", agency=None)
    flash(_("The unit %(name)s was created.", name=created.name), "info")
    return redirect(url_for("admin.agency", agency_id=created.id), code=303)


@blueprint.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_agency(agency_id: int):
    unit = _agency_or_404(agency_id)
    form = AgencyForm(obj=unit)
    if request.method == "GET":
        form.parent_code.data = unit.parent.code if unit.parent else ""
    if (
        form.is_submitted()
        and form.code.data != unit.code
        and agency_by_code(db.session, form.code.data)
    ):
        form.code.errors = [_("The code %(code)s is already used.", code=form.code.data)]
    if not form.validate_on_submit() or form.code.errors:
        status = 400 if form.is_submitted() else 200
        return render_template("admin/agencies/form.html", form=form, agency=unit), status
    try:
        with write_session() as session:
            target = session.get(Agency, unit.id)
            before = agency_values(target)
            parent = (
                session.get(Agency, form.parent_code.agency.id) if form.parent_code.agency else None
            )
            update_agency(session, target, parent, **form.values())
            after = agency_values(target)
            audit.record(
                "agency.updated",
                target=f"agency:{target.code}",
                details={"before": before, "after": after},
                session=session,
            )
    except ReorganisationRefused as refusal:
        return _refused(form, refusal, "admin/agencies/form.html", agency=unit)
    flash(_("The unit %(name)s was saved.", name=form.name.data), "info")
    return redirect(url_for("admin.agency", agency_id=unit.id), code=303)


@blueprint.route("/agencies/<int:agency_id>/close", methods=["GET", "POST"])
@administrator_required
def close_agency_page(agency_id: int):
    unit = _agency_or_404(agency_id)
    form = CloseForm()
    if request.method == "GET":
        form.day.data = local_today()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/agencies/close.html", form=form, agency=unit), status
    try:
        with write_session() as session:
            target = session.get(Agency, unit.id)
            before = {member.code: member.valid_to for member in _subtree_units(target)}
            closed = close_agency(session, target, form.day.data)
            audit.record(
                "agency.closed",
                target=f"agency:{target.code}",
                details={
                    "before": {m.code: date_text(before.get(m.code)) for m in closed},
                    "after": {m.code: date_text(m.valid_to) for m in closed},
                },
                session=session,
            )
    except ReorganisationRefused as refusal:
        return _refused(form, refusal, "admin/agencies/close.html", agency=unit)
    flash(
        _("%(count)s units closed from %(day)s.", count=len(closed), day=form.day.data.isoformat()),
        "info",
    )
    return redirect(url_for("admin.agency", agency_id=unit.id), code=303)


def _subtree_units(agency: Agency) -> list[Agency]:
    found, pending = [], [agency]
    while pending:
        unit = pending.pop()
        found.append(unit)
        pending.extend(unit.children)
    return found


@blueprint.route("/agencies/reorganise", methods=["GET", "POST"])
@administrator_required
def reorganise():
    """Record a merger or a split on a date (optionally creating the new unit)."""
    form = ReorganisationForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", SuccessionKind.MERGER.value)
        form.predecessor_codes.data = request.args.get("from", "")[:2000]
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/agencies/reorganise.html", form=form), status
    day: date = form.effective_date.data
    try:
        with write_session() as session:
            predecessors = [agency_by_code(session, code) for code in form.predecessors()]
            successors = [agency_by_code(session, code) for code in form.successors()]
            if form.new_code.data:
                parent_field = form.new_parent_code
                created = create_agency(
                    session,
                    code=form.new_code.data,
                    name=form.new_name.data,
                    kind=form.new_kind.data,
                    parent=session.get(Agency, parent_field.agency.id)
                    if parent_field.agency
                    else None,
                    valid_from=day,
                )
                audit.record(
                    "agency.created",
                    target=f"agency:{created.code}",
                    details={"before": None, "after": agency_values(created)},
                    session=session,
                )
                successors = [created]
            done = record_reorganisation(
                session, SuccessionKind(form.kind.data), predecessors, successors, day
            )
            audit.record(
                f"agency.{done.kind.value}",
                target=",".join(f"agency:{code}" for code in done.predecessors),
                details=done.audit_details(),
                session=session,
            )
            successor_id = successors[0].id
    except ReorganisationRefused as refusal:
        return _refused(form, refusal, "admin/agencies/reorganise.html")
    flash(
        _(
            "Recorded: %(before)s continue as %(after)s from %(day)s. %(count)s units closed.",
            before=", ".join(done.predecessors),
            after=", ".join(done.successors),
            day=day.isoformat(),
            count=len(done.closed),
        ),
        "info",
    )
    return redirect(url_for("admin.agency", agency_id=successor_id), code=303)


# ----------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------


@blueprint.get("/agencies/export.csv")
@viewer_required
def export_agencies():
    rows = [
        agency_values(agency) for agency in db.session.scalars(select(Agency).order_by(Agency.code))
    ]
    return csv_download("agencies.csv", AGENCY_FIELDS, rows, "agency.exported")


@blueprint.route("/agencies/import", methods=["GET", "POST"])
@allows_upload(IMPORT_BODY_BYTES)
@administrator_required
def import_agencies():
    return import_page(AgencyImporter(), "admin/agencies/import.html", "admin.agencies")
