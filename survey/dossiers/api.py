"""``POST /api/v1/dossiers``: a one-stop system sends up to 1,000 dossiers at a time.

It authenticates with an integration key (``Authorization: Bearer …``), and its batch goes
through the same checks and the same all-or-nothing upsert as a CSV file
(:func:`survey.dossiers.imports.import_dossiers`).
"""

from __future__ import annotations

import jsonschema
from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import update
from werkzeug.exceptions import HTTPException

from survey.collect.api import ApiError, read_json
from survey.collect.keys import dossier_key
from survey.collect.openapi import DOSSIER_SCHEMA, MAX_DOSSIERS_PER_BATCH
from survey.db import db, utcnow, write_session
from survey.dossiers.imports import (
    DossierError,
    SourceRow,
    header_errors,
    import_dossiers,
)
from survey.dossiers.integrations import integration_for_key
from survey.dossiers.models import Integration
from survey.security import csrf

blueprint = Blueprint("dossiers_api", __name__, url_prefix="/api/v1")
# No CSRF token: the key comes in an Authorization header, which a browser never adds.
csrf.exempt(blueprint)

#: A batch of 1,000 dossiers is about 300 KB.
MAX_BATCH_BYTES = 1024 * 1024

_item_validator = jsonschema.Draft202012Validator(
    {**DOSSIER_SCHEMA, "additionalProperties": True, "required": []}
)


@blueprint.errorhandler(ApiError)
def _api_error(failure: ApiError):
    body: dict[str, object] = {"error": failure.error, "message": failure.message}
    if failure.fields is not None:
        body["errors"] = failure.fields
    response = jsonify(body)
    response.status_code = failure.status
    if failure.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="integration"'
    return response


@blueprint.errorhandler(HTTPException)
def _http_error(failure: HTTPException):
    if failure.code == 413:
        message = _("The request is too large (at most %(size)s bytes).", size=MAX_BATCH_BYTES)
        return _api_error(ApiError(413, "too_large", message))
    return _api_error(
        ApiError(failure.code or 400, "bad_request", _("The request could not be understood."))
    )


@blueprint.post("/dossiers")
def import_dossier_batch():
    integration = _require_integration()
    body = read_json(MAX_BATCH_BYTES)
    items = body.get("dossiers")
    if set(body) != {"dossiers"} or not isinstance(items, list):
        raise ApiError(
            422, "invalid_dossiers", _('Send {"dossiers": [...]}: a list of dossiers.'), []
        )
    if not 1 <= len(items) <= MAX_DOSSIERS_PER_BATCH:
        message = _(
            "Send from 1 to %(maximum)s dossiers at a time.", maximum=MAX_DOSSIERS_PER_BATCH
        )
        raise ApiError(422, "invalid_dossiers", message, [])
    result = import_dossiers(
        (_source_row(number, item) for number, item in enumerate(items, start=1)),
        dossier_key(),
        source=f"integration {integration.name}",
    )
    if not result.is_valid:
        raise ApiError(
            422,
            "invalid_dossiers",
            _("Nothing was written: %(count)s problems.", count=result.error_count),
            [_error_body(error) for error in result.errors],
        )
    with write_session() as session:
        session.execute(
            update(Integration)
            .where(Integration.id == integration.id)
            .values(last_used_dt=utcnow())
        )
    return jsonify(
        status="imported",
        received=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )


def _require_integration() -> Integration:
    scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
    integration = (
        integration_for_key(db.session(), key.strip()) if scheme.lower() == "bearer" else None
    )
    if integration is None:
        raise ApiError(
            401, "not_authorised", _("Send a valid integration key (Authorization: Bearer …).")
        )
    if integration.revoked_dt is not None:
        raise ApiError(401, "integration_revoked", _("This integration key has been revoked."))
    return integration


def _source_row(number: int, item: object) -> SourceRow:
    """One dossier of the batch as a row of the file, or its problems (``number`` from 1)."""
    if not isinstance(item, dict):
        return SourceRow(number, None, (DossierError(number, None, _("not a JSON object.")),))
    problems = [
        DossierError(number, error.column, error.message)
        for error in header_errors([str(name)[:64].lower() for name in item])
        if error.column in item  # what is missing is said once by the row's own check
    ]
    for problem in _item_validator.iter_errors(item):
        name = str(problem.absolute_path[0]) if problem.absolute_path else None
        problems.append(DossierError(number, name, _("this value is not valid.")))
    if problems:
        return SourceRow(number, None, tuple(problems))
    values = {name: "" if value is None else str(value) for name, value in item.items()}
    return SourceRow(number, values)


def _error_body(error: DossierError) -> dict:
    return {"item": error.line, "field": error.column, "message": str(error.message)}
