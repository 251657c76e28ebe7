"""Administrative procedures (thủ tục hành chính): list, create, edit, CSV import and export."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.admin import blueprint
from survey.admin.changes import Audited
from survey.admin.common import administrator_required, allows_upload, viewer_required
from survey.admin.exports import csv_download
from survey.admin.forms import PROCEDURE_CODE_PATTERN, ProcedureForm
from survey.admin.imports import IMPORT_BODY_BYTES, Change, Importer
from survey.admin.pages import edit_page, import_page, list_page, matching, search_words
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


@blueprint.route("/procedures/new", methods=["GET", "POST"])
@administrator_required
def create_procedure():
    return _procedure_form(None)


@blueprint.route("/procedures/<int:procedure_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_procedure(procedure_id: int):
    return _procedure_form(db.get_or_404(Procedure, procedure_id))


def _procedure_form(procedure: Procedure | None):
    form = ProcedureForm(record=procedure)

    def change(session: Session, target: Procedure | None) -> Procedure:
        target = target or Procedure()
        form.populate_obj(target)
        return target

    return edit_page(
        "admin/procedures/form.html",
        form,
        lambda: PROCEDURES.save(procedure, change),
        _saved,
        procedure=procedure,
    )


def _saved(procedure: Procedure) -> tuple[str, str]:
    return (
        _("The procedure %(code)s was saved.", code=procedure.code),
        url_for("admin.procedures", q=procedure.code),
    )


class ProcedureImporter(Importer):
    columns = PROCEDURE_COLUMNS
    required = PROCEDURE_COLUMNS
    audit_prefix = "procedure"
    lengths = (("name", 500), ("field", 200))

    def context(self, session, rows):
        codes = [row.values["code"] for row in rows]
        return {
            procedure.code: procedure_values(procedure)
            for procedure in session.scalars(select(Procedure).where(Procedure.code.in_(codes)))
        }

    def row_problems(self, values, context):
        if PROCEDURE_CODE_PATTERN.match(values["code"]):
            return []
        return [_l("the code %(code)s is not valid.", code=values["code"])]

    def before(self, values, context):
        return context.get(values["code"])

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
