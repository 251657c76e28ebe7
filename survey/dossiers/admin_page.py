"""The administration page that imports a dossier file: a dry run first, then the import.

Registered on the administration blueprint (``admin.import_dossiers_page``) before the
application registers it; the file is streamed into the same import as the command line.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey.admin import blueprint
from survey.admin.common import administrator_required, allows_upload
from survey.admin.forms import CsvImportForm
from survey.collect.keys import dossier_key
from survey.dossiers.imports import (
    COLUMNS,
    HeaderRefused,
    ImportResult,
    import_dossiers,
    read_dossier_csv,
)

#: A year of a province's dossiers is some tens of megabytes; larger files: the command line.
MAXIMUM_UPLOAD_BYTES = 64 * 1024 * 1024
TEMPLATE = "admin/dossiers/import.html"


@blueprint.route("/dossiers/import", methods=["GET", "POST"])
@allows_upload(MAXIMUM_UPLOAD_BYTES)
@administrator_required
def import_dossiers_page():
    form = CsvImportForm()
    if not form.is_submitted():
        return render_template(TEMPLATE, form=form, result=None, columns=COLUMNS)
    if not form.validate():  # the security token
        return render_template(TEMPLATE, form=form, result=None, columns=COLUMNS), 400
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose a CSV file.")]
        return render_template(TEMPLATE, form=form, result=None, columns=COLUMNS), 400
    dry_run = request.form.get("action") != "import"
    try:
        result = import_dossiers(
            read_dossier_csv(upload.stream),
            dossier_key(),
            dry_run=dry_run,
            source=f"administration page, file {upload.filename[:100]}",
        )
    except HeaderRefused as refused:
        result = ImportResult(errors=refused.errors, error_count=len(refused.errors))
    if result.written:
        flash(
            _(
                "Imported %(rows)s dossiers: %(created)s new, %(updated)s updated,"
                " %(unchanged)s unchanged.",
                rows=result.rows,
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            ),
            "info",
        )
        return redirect(url_for("admin.import_dossiers_page"), code=303)
    status = 200 if result.is_valid else 422
    return render_template(TEMPLATE, form=form, result=result, columns=COLUMNS), status
