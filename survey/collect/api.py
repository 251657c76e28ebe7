"""The kiosk API: ``POST /api/v1/responses`` and its OpenAPI document.

Every answer is JSON with a stable ``error`` code and a ``message`` in the reader's
language (``?lang=`` or ``Accept-Language``), never a 500 for anything a client sends.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jsonschema
from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from survey.collect.devices import LAST_SEEN_RESOLUTION, desk_target, mark_seen
from survey.collect.kiosk import authenticated_device
from survey.collect.messages import error_message
from survey.collect.models import Channel, KioskDevice
from survey.collect.openapi import (
    MAX_ANSWER_LENGTH,
    MAX_ANSWERS,
    MAX_UNSENT,
    OPENAPI_DOCUMENT,
    SUBMISSION_SCHEMA,
    UNSENT_HEADER,
)
from survey.collect.store import UuidConflict
from survey.collect.submit import (
    Submission,
    SubmissionRejected,
    TargetUnavailable,
    submit,
)
from survey.db import db, utcnow, write_session
from survey.json_input import JsonRefused, parse_json
from survey.org.models import Official, PublicCode
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.security import csrf, limiter
from survey.settings import get_setting

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

# No CSRF token here: the API authenticates with the device credential (a SameSite=Strict
# cookie, or an Authorization header that a browser never adds by itself), and accepts only
# application/json, which a cross-site HTML form cannot send (a cross-site fetch with that
# type needs a CORS preflight, which this API never grants).
csrf.exempt(blueprint)

#: Largest accepted body; a rating is a few hundred bytes.
MAX_BODY_BYTES = 32 * 1024
#: How far ahead of the server's clock a kiosk's clock may be.
CLOCK_TOLERANCE = timedelta(hours=1)

_validator = jsonschema.Draft202012Validator(SUBMISSION_SCHEMA)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        fields: dict | list | None = None,
        headers=None,
    ):
        super().__init__(error)
        self.status, self.error, self.message, self.fields = status, error, message, fields
        self.headers = headers or {}


@blueprint.errorhandler(ApiError)
def _api_error(failure: ApiError):
    body: dict[str, object] = {"error": failure.error, "message": failure.message}
    if failure.fields:
        body["fields"] = failure.fields
    response = jsonify(body)
    response.status_code = failure.status
    response.headers.update(failure.headers)
    if failure.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kiosk"'
    return response


@blueprint.errorhandler(HTTPException)
def _http_error(failure: HTTPException):
    messages: dict[int | None, tuple[str, str]] = {
        413: (
            "too_large",
            _("The request is too large (at most %(size)s bytes).", size=MAX_BODY_BYTES),
        ),
        429: ("too_many_requests", _("Too many ratings from this device. Please try later.")),
    }
    error, message = messages.get(
        failure.code, ("bad_request", _("The request could not be understood."))
    )
    return _api_error(ApiError(failure.code or 400, error, message))


def _device_rate_key() -> str:
    """Rate-limit key: the kiosk device (all kiosks of a centre share one address)."""
    device = _current_device()
    if device is None:
        return f"kiosk-unauthenticated/{request.remote_addr}"
    return f"kiosk/{device.id}"


def _current_device() -> KioskDevice | None:
    if "kiosk_device" not in g:
        g.kiosk_device = authenticated_device()
    return g.kiosk_device


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(OPENAPI_DOCUMENT)


@blueprint.post("/responses")
@limiter.limit(lambda: get_setting("KIOSK_SUBMIT_LIMIT"), key_func=_device_rate_key)
def create_response():
    device = _require_device()
    body = read_json()
    submission = _submission(device, body)
    try:
        stored = submit(submission)
    except SubmissionRejected as rejected:
        raise ApiError(
            422,
            "invalid_submission",
            _("The rating was not accepted. See the problems by field."),
            {
                _field_name(key): error_message(code, params)
                for key, (code, params) in rejected.errors.items()
            },
        ) from None
    except UuidConflict:
        raise ApiError(
            409,
            "uuid_conflict",
            _("A different rating was already sent with this identifier."),
        ) from None
    unsent = _reported_unsent()
    stale = device.last_seen_dt is None or device.last_seen_dt < utcnow() - LAST_SEEN_RESOLUTION
    if stale or (unsent is not None and unsent != device.unsent_count):
        with write_session() as session:
            mark_seen(session, device.id, unsent)
    status = "created" if stored.created else "already_received"
    answer = {"uuid": str(submission.uuid), "status": status, "receipt": stored.receipt}
    return jsonify(answer), 201 if stored.created else 200


# Routing errors happen before a blueprint is chosen, so its error handlers never see them:
# these two routes give the API's own JSON answers for a wrong method or address.
@blueprint.route("/responses", methods=["GET", "PUT", "PATCH", "DELETE"])
def responses_other_methods():
    raise ApiError(
        405,
        "method_not_allowed",
        _("This address does not accept this method."),
        headers={"Allow": "POST"},
    )


@blueprint.route("/<path:address>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_address(address: str):
    raise ApiError(404, "not_found", _("There is nothing at this address."))


def _reported_unsent() -> int | None:
    """The kiosk's count of ratings still queued (optional header; a bad value is ignored)."""
    value = request.headers.get(UNSENT_HEADER, "").strip()
    if not value.isdigit() or int(value) > MAX_UNSENT:
        return None
    return int(value)


def _require_device() -> KioskDevice:
    device = _current_device()
    if device is None:
        raise ApiError(
            401,
            "not_registered",
            _("This device is not registered as a kiosk. Ask the administrator to pair it."),
        )
    if device.revoked_dt is not None:
        raise ApiError(
            401,
            "device_revoked",
            _("This device is no longer registered as a kiosk."),
        )
    return device


def read_json(max_bytes: int = MAX_BODY_BYTES) -> dict:
    """The request's JSON object, or an :class:`ApiError` (415, 400; 413 beyond ``max_bytes``)."""
    if request.mimetype != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            _("Send the rating as JSON (Content-Type: application/json)."),
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "unsupported_media_type", _("Send the rating as UTF-8 JSON."))
    request.max_content_length = max_bytes
    raw = request.get_data(cache=False)  # beyond the limit: 413, answered by _http_error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed", _("The request body is not valid UTF-8.")) from None
    try:
        body = parse_json(
            text, object_pairs_hook=_refuse_repeated_keys, parse_constant=_refuse_constant
        )
    except _RepeatedKey as repeated:
        raise ApiError(
            400,
            "malformed",
            _("The field %(name)s is repeated.", name=repeated.name),
        ) from None
    except JsonRefused as refused:
        raise ApiError(400, "malformed", str(refused)) from None
    except ValueError:
        raise ApiError(400, "malformed", _("The request body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise ApiError(400, "malformed", _("The request body must be a JSON object."))
    return body


class _RepeatedKey(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name[:64]


def _refuse_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _submission(device: KioskDevice, body: dict) -> Submission:
    fields = _schema_problems(body)
    if fields:
        raise ApiError(
            422,
            "invalid_submission",
            _("The rating was not accepted. See the problems by field."),
            fields,
        )
    submitted_dt = _submitted_dt(device, body["submitted_at"])
    version = db.session.scalar(
        select(QuestionnaireVersion)
        .join(Questionnaire)
        .where(
            Questionnaire.key == body["questionnaire"],
            QuestionnaireVersion.version_number == body["version"],
            QuestionnaireVersion.published_dt.is_not(None),
        )
    )
    if version is None:
        raise ApiError(
            422,
            "questionnaire_closed",
            _("This questionnaire is not open for ratings."),
            {"questionnaire": _("This questionnaire is not open for ratings.")},
        )
    try:
        target = desk_target(db.session(), device)
    except TargetUnavailable:
        raise ApiError(
            422,
            "desk_unavailable",
            _("This desk no longer takes ratings. Please ask the staff."),
        ) from None
    official = None
    if body.get("official_code"):
        official = db.session.scalar(
            select(Official)
            .join(PublicCode, PublicCode.official_id == Official.id)
            .where(
                PublicCode.code == body["official_code"].lower(),
                PublicCode.revoked_dt.is_(None),
            )
        )
        if official is None:
            raise ApiError(
                422,
                "invalid_submission",
                _("The rating was not accepted. See the problems by field."),
                {"official_code": error_message("unknown_official")},
            )
    return Submission(
        uuid=uuid.UUID(body["uuid"]),
        target=target,
        version=version,
        channel=Channel.KIOSK,
        language=body["language"],
        answers=body["answers"],
        dossier_code=body.get("dossier_code"),
        official=official,
        kiosk_device_id=device.id,
        submitted_dt=submitted_dt,
        source=f"kiosk:{device.id}",
    )


def _answer_problem(value: object) -> str:
    """The message for an answer the schema refuses: a text too long, or not a level."""
    if isinstance(value, str) and len(value) > MAX_ANSWER_LENGTH:
        return error_message("too_long", {"maximum": MAX_ANSWER_LENGTH})
    return error_message("not_a_level")


def _schema_problems(body: dict) -> dict[str, str]:
    """The body's problems against the OpenAPI schema, one translated message per field."""
    fields: dict[str, str] = {}
    for problem in _validator.iter_errors(body):
        path = list(problem.absolute_path)
        if problem.validator == "additionalProperties" and not path:
            for name in sorted(set(body) - set(SUBMISSION_SCHEMA["properties"])):
                fields.setdefault(name[:64], _("This field is not accepted."))
        elif problem.validator == "required" and not path:
            for name in SUBMISSION_SCHEMA["required"]:
                if name not in body:
                    fields.setdefault(name, _("This field is required."))
        elif path and path[0] == "answers" and len(path) > 1:
            fields.setdefault(_field_name(str(path[1])), _answer_problem(problem.instance))
        elif path == ["answers"] and problem.validator == "minProperties":
            fields["answers"] = error_message("no_rating")
        elif path == ["answers"] and problem.validator == "maxProperties":
            fields["answers"] = _(
                "Too many answers: at most %(maximum)s are accepted.", maximum=MAX_ANSWERS
            )
        elif path:
            fields.setdefault(str(path[0])[:64], _("This value is not valid."))
    return fields


def _submitted_dt(device: KioskDevice, value: str) -> datetime:
    """The client's time as naive UTC, refused when it is absurd.

    A rating may wait in a kiosk's queue for days, so there is no age limit; but it
    cannot predate the kiosk's registration, nor lie more than an hour ahead.
    """
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # not a time, or one beyond year 1 or 9999 in UTC
        moment = None
    if moment is not None:
        earliest = device.created_dt - CLOCK_TOLERANCE
        if earliest <= moment <= utcnow() + CLOCK_TOLERANCE:
            return moment
    message = _("The time of the rating is not plausible. Check the device's clock.")
    raise ApiError(422, "invalid_submission", message, {"submitted_at": message})


def _field_name(key: str) -> str:
    """The field of a submission error, as the API names it."""
    renamed = {"official": "official_code", "__all__": "answers", "dossier_code": "dossier_code"}
    return renamed.get(key, f"answers.{key[:64]}")
