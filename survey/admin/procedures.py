"""Administrative procedures (thủ tục hành chính): list, create, edit, CSV import and export."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.common import (
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
    duplicate_errors,
    import_page,
)
from survey.db import db, write_session
from survey.org.models import Procedure
from survey.org.reorganise import AGENCY_CODE_PATTERN

PROCEDURE_COLUMNS = ("code", "name", "field")
#: National procedure codes look like "1.001612"; the same rule as agency codes suits them.
PROCEDURE_CODE_PATTERN = AGENCY_CODE_PATTERN


class ProcedureForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l('The national procedure code, for example "1.001612".'),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Enter a code.")),
            Regexp(
                PROCEDURE_CODE_PATTERN,
                message=_l("A code has 1 to 40 letters, digits, dots, dashes or underscores."),
            ),
        ],
    )
    name = StringField(
        _l("Name"),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Enter the name of the procedure.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
            no_formula,
        ],
    )
    field = StringField(
        _l("Field"),
        description=_l('For example "Hộ tịch" or "Đất đai".'),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Enter the field of the procedure.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            no_formula,
        ],
    )


def procedure_values(procedure: Procedure) -> dict:
    return {"code": procedure.code, "name": procedure.name, "field": procedure.field}


@blueprint.get("/procedures/")
@viewer_required
def procedures():
    text = request.args.get("q", "").strip()[:100]
    statement = select(Procedure)
    if text:
        pattern = f"%{text.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Procedure.code).like(pattern),
                func.lower(Procedure.name).like(pattern),
                func.lower(Procedure.field).like(pattern),
            )
        )
    statement = statement.order_by(Procedure.field, Procedure.code)
    return render_template(
        "admin/procedures/index.html",
        page=paginate(db.session, statement, requested_page()),
        text=text,
    )


def _code_taken(code: str, procedure_id: int | None) -> bool:
    found = db.session.scalar(select(Procedure.id).where(Procedure.code == code))
    return found is not None and found != procedure_id


@blueprint.route("/procedures/new", methods=["GET", "POST"])
@administrator_required
def create_procedure():
    return _procedure_form(None)


@blueprint.route("/procedures/<int:procedure_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_procedure(procedure_id: int):
    return _procedure_form(db.get_or_404(Procedure, procedure_id))


def _procedure_form(procedure: Procedure | None):
    form = ProcedureForm(obj=procedure)
    valid = form.validate_on_submit()
    if valid and _code_taken(form.code.data, procedure.id if procedure else None):
        form.code.errors = [_("The code %(code)s is already used.", code=form.code.data)]
        valid = False
    if not valid:
        status = 400 if form.is_submitted() else 200
        return (
            render_template("admin/procedures/form.html", form=form, procedure=procedure),
            status,
        )
    with write_session() as session:
        target = session.get(Procedure, procedure.id) if procedure else Procedure()
        before = procedure_values(target) if procedure else None
        form.populate_obj(target)
        session.add(target)
        session.flush()
        audit.record(
            "procedure.updated" if procedure else "procedure.created",
            target=f"procedure:{target.code}",
            details={"before": before, "after": procedure_values(target)},
            session=session,
        )
    flash(_("The procedure %(code)s was saved.", code=form.code.data), "info")
    return redirect(url_for("admin.procedures", q=form.code.data), code=303)


class ProcedureImporter(Importer):
    columns = PROCEDURE_COLUMNS
    required = PROCEDURE_COLUMNS
    audit_prefix = "procedure"

    def check(self, session: Session, rows: list[Row], plan: Plan) -> None:
        by_code, errors = duplicate_errors(rows, "code")
        plan.errors += errors
        current = {
            procedure.code: procedure_values(procedure)
            for procedure in session.scalars(
                select(Procedure).where(Procedure.code.in_(list(by_code)))
            )
        }
        for row in rows:
            if by_code.get(row.values["code"]) is not row:
                continue
            values, problems = row.values, []
            if not PROCEDURE_CODE_PATTERN.match(values["code"]):
                problems.append(_l("the code %(code)s is not valid.", code=values["code"]))
            for column, limit in (("name", 500), ("field", 200)):
                if len(values[column]) > limit:
                    problems.append(
                        _l("%(column)s has more than %(max)s characters.", column=column, max=limit)
                    )
            if problems:
                plan.errors.extend(LineError(row.line, problem) for problem in problems)
                continue
            before = current.get(values["code"])
            action = "create" if before is None else "unchanged" if before == values else "update"
            plan.changes.append(Change(row.line, values["code"], action, before, values))

    def write(self, session: Session, changes: list[Change]) -> None:
        existing = {
            procedure.code: procedure
            for procedure in session.scalars(
                select(Procedure).where(Procedure.code.in_([change.key for change in changes]))
            )
        }
        for change in changes:
            procedure = existing.get(change.key) or Procedure(code=change.key)
            procedure.name = change.after["name"]
            procedure.field = change.after["field"]
            session.add(procedure)
        session.flush()


@blueprint.route("/procedures/import", methods=["GET", "POST"])
@allows_upload(IMPORT_BODY_BYTES)
@administrator_required
def import_procedures():
    return import_page(ProcedureImporter(), "admin/procedures/import.html", "admin.procedures")


@blueprint.get("/procedures/export.csv")
@viewer_required
def export_procedures():
    rows = [
        procedure_values(procedure)
        for procedure in db.session.scalars(select(Procedure).order_by(Procedure.code))
    ]
    return csv_download("procedures.csv", PROCEDURE_COLUMNS, rows, "procedure.exported")
