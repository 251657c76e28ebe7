"""Administrative procedures (thủ tục hành chính): list, create, edit, CSV import and export."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.admin import blueprint
from survey.admin.changes import Audited
from survey.admin.common import administrator_required, viewer_required
from survey.admin.forms import PROCEDURE_CODE_PATTERN, ProcedureForm
from survey.admin.imports import Change, Importer, records_by
from survey.admin.pages import RecordForm, csv_pages, list_page, matching, search_words
from survey.db import db
from survey.org.models import Procedure

PROCEDURE_COLUMNS = ("code", "name", "field")


def procedure_values(procedure: Procedure) -> dict:
    return {"code": procedure.code, "name": procedure.name, "field": procedure.field}


PROCEDURES = Audited(Procedure, "procedure", procedure_values, key="code")


@blueprint.get("/procedures/")
@viewer_required
def procedures():
    text = search_words()
    statement = select(Procedure)
    if text:
        statement = statement.where(matching(text, Procedure.code, Procedure.name, Procedure.field))
    statement = statement.order_by(Procedure.field, Procedure.code)
    return list_page("admin/procedures/index.html", statement, text=text)


def _procedure_change(form: ProcedureForm, session: Session, procedure: Procedure | None):
    procedure = procedure or Procedure()
    form.populate_obj(procedure)
    return procedure


PROCEDURE_FORM = RecordForm(
    PROCEDURES,
    "admin/procedures/form.html",
    "procedure",
    lambda procedure: ProcedureForm(record=procedure),
    _procedure_change,
    created=_l("The procedure %(code)s was saved."),
    saved=_l("The procedure %(code)s was saved."),
    address=lambda procedure: url_for("admin.procedures", q=procedure.code),
)


@blueprint.route("/procedures/new", methods=["GET", "POST"], endpoint="create_procedure")
@blueprint.route("/procedures/<int:procedure_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_procedure(procedure_id: int | None = None):
    return PROCEDURE_FORM.page(db.get_or_404(Procedure, procedure_id) if procedure_id else None)


class ProcedureImporter(Importer):
    columns = PROCEDURE_COLUMNS
    required = PROCEDURE_COLUMNS
    audit_prefix = "procedure"
    lengths = (("name", 500), ("field", 200))

    def context(self, session, rows):
        current = records_by(session, Procedure.code, [row.values["code"] for row in rows])
        return {code: procedure_values(procedure) for code, procedure in current.items()}

    def row_problems(self, values, context):
        if PROCEDURE_CODE_PATTERN.match(values["code"]):
            return []
        return [_l("the code %(code)s is not valid.", code=values["code"])]

    def before(self, values, context):
        return context.get(values["code"])

    def write(self, session: Session, changes: list[Change]) -> None:
        existing = records_by(session, Procedure.code, [change.key for change in changes])
        for change in changes:
            procedure = existing.get(change.key) or Procedure(code=change.key)
            procedure.name = change.after["name"]
            procedure.field = change.after["field"]
            session.add(procedure)
        session.flush()


csv_pages(
    ProcedureImporter(), "procedures", select(Procedure).order_by(Procedure.code), procedure_values
)
