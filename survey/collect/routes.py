"""The phone form: `/q/<code>` from a desk's QR code, the thank-you and privacy pages."""

from __future__ import annotations

import time
import uuid

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from survey.collect import phone_limits
from survey.collect.forms import (
    ANSWER_PREFIX,
    CitizenForm,
    ErrorLink,
    is_utf8_form,
    submitted_answers,
)
from survey.collect.messages import error_message
from survey.collect.models import Channel
from survey.collect.store import UuidConflict
from survey.collect.submit import (
    DEFAULT_QUESTIONNAIRE,
    Submission,
    SubmissionRejected,
    TargetUnavailable,
    current_version,
    definition_of,
    full_survey_key,
    published_questionnaire_keys,
    resolve_code,
    submit,
)
from survey.db import db
from survey.i18n import current_language
from survey.org.reorganise import successor_desks_for_code
from survey.questionnaires.definition import (
    FORM_ERROR_KEY,
    QuestionnaireDefinition,
    validate_answers,
)
from survey.security import csrf, limiter
from survey.settings import get_setting
from survey.vietnam_calendar import local_today

blueprint = Blueprint("collect", __name__)


def _questionnaire_key() -> str:
    """The questionnaire ``?survey=`` asks for, if one of that key is published."""
    key = request.args.get("survey", DEFAULT_QUESTIONNAIRE)
    return key if key in published_questionnaire_keys(db.session()) else DEFAULT_QUESTIONNAIRE


def _full_survey_offer(target, key: str) -> str | None:
    """The longer questionnaire to offer after ``key``'s page, unless ``key`` is that one."""
    full = full_survey_key(db.session(), target.agency.id)
    return full if full != key else None


def _unavailable(reason: str):
    status = {"unknown": 404, "revoked": 410, "inactive": 410}[reason]
    # A unit merged or split away: offer the desks of the units that carry on its work.
    code = (request.view_args or {}).get("code", "")
    successors = (
        successor_desks_for_code(db.session(), code, local_today()) if reason == "inactive" else []
    )
    return render_template("collect/unavailable.html", reason=reason, successors=successors), status


def _error_summary(
    definition: QuestionnaireDefinition, form: CitizenForm, errors: dict[str, str]
) -> list[ErrorLink]:
    """Every problem of a refused form, in page order, each linking to its field."""
    language = current_language()
    links = [ErrorLink(None, "", errors[FORM_ERROR_KEY])] if FORM_ERROR_KEY in errors else []
    for item in definition.items:
        if item.key in errors:
            # A question on a scale links to its first choice (the GOV.UK pattern).
            anchor = f"{ANSWER_PREFIX}{item.key}{'-1' if item.scale else ''}"
            links.append(ErrorLink(anchor, definition.text(item.text, language), errors[item.key]))
    links += [
        ErrorLink(None, "", message)
        for key, message in errors.items()
        if key not in (FORM_ERROR_KEY, "dossier_code") and not definition.has_item(key)
    ]
    for field in (form.dossier_code, form.callback_consent, form.callback_phone):
        message = errors.get(field.name) or next(iter(field.errors), None)
        if message:
            links.append(ErrorLink(field.id, str(field.label.text), str(message)))
    return links


def _render_form(target, version, form, answers=None, errors=None, status=200, already_sent=False):
    definition = definition_of(version)
    errors = errors or {}
    return (
        render_template(
            "collect/form.html",
            target=target,
            definition=definition,
            questionnaire_key=definition.key,
            full_survey_key=_full_survey_offer(target, definition.key),
            language=current_language(),
            form=form,
            answers=answers or {},
            errors=errors,
            error_summary=_error_summary(definition, form, errors) if status >= 400 else [],
            answer_prefix=ANSWER_PREFIX,
            retention_days=get_setting("CONTACT_RETENTION_DAYS"),
            already_sent=already_sent,
        ),
        status,
    )


class _Unavailable(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _load(code: str):
    """The target of ``code`` and the questionnaire version asked for: load or refuse."""
    try:
        target = resolve_code(db.session(), code)
    except TargetUnavailable as unavailable:
        raise _Unavailable(unavailable.reason) from None
    version = current_version(db.session(), _questionnaire_key(), target.agency.id)
    if version is None:
        abort(404)
    return target, version


@blueprint.after_request
def _device_cookie(response):
    """Every page of the phone form names the browser (docs: survey/collect/phone_limits.py)."""
    return phone_limits.give_device_cookie(response)


@blueprint.errorhandler(429)
def _too_many(error):
    """Over a limit: refused politely, the answers are not stored (nothing is counted)."""
    return render_template("collect/too_many.html"), 429


@blueprint.errorhandler(_Unavailable)
def _unavailable_page(error: _Unavailable):
    return _unavailable(error.reason)


#: How long after sending the form shows the same submission again (see _recent_submission).
RECENT_SUBMISSION_SECONDS = 30 * 60


def _recent_submission(code: str) -> str | None:
    """The submission this phone sent for ``code`` in the last half hour, if any.

    The Back button may fetch the form again: it then carries the identifier already
    sent, so sending it again stores nothing new. Only identifiers are kept in the
    (signed) session cookie, never answers.
    """
    sent = session.get("sent", {}).get(code)
    if sent and time.time() - sent[1] < RECENT_SUBMISSION_SECONDS:
        return sent[0]
    return None


def _remember_submission(code: str, submission_id: str, receipt: str | None) -> None:
    """Keep the identifier, and the receipt of the feedback case it opened (the thank-you
    page shows it; a resend opens no case and keeps the first one's receipt)."""
    now = time.time()
    recent = {
        other: sent
        for other, sent in session.get("sent", {}).items()
        if now - sent[1] < RECENT_SUBMISSION_SECONDS
    }
    earlier = recent.get(code)
    if receipt is None and earlier and earlier[0] == submission_id and len(earlier) > 2:
        receipt = earlier[2]
    recent[code] = [submission_id, now, receipt]
    session["sent"] = recent


def _recent_receipt(code: str) -> str | None:
    sent = session.get("sent", {}).get(code)
    if sent and len(sent) > 2 and time.time() - sent[1] < RECENT_SUBMISSION_SECONDS:
        return sent[2]
    return None


@blueprint.get("/q/<code>")
def questionnaire(code: str):
    target, version = _load(code)
    already_sent = _recent_submission(target.public_code)
    form = CitizenForm(submission_id=already_sent or str(uuid.uuid4()))
    return _render_form(target, version, form, already_sent=bool(already_sent))


@blueprint.post("/q/<code>")
@csrf.exempt  # the form checks its own token, and a refused token keeps the answers
@limiter.limit(
    lambda: get_setting("PHONE_SUBMIT_LIMIT"),
    key_func=phone_limits.device_key,
    exempt_when=phone_limits.has_no_device,
)
@limiter.limit(
    lambda: get_setting("PHONE_ADDRESS_SUBMIT_LIMIT"),
    key_func=phone_limits.address_key,
    exempt_when=phone_limits.has_device,
)
def submit_questionnaire(code: str):
    target, version = _load(code)
    if request.mimetype == "application/x-www-form-urlencoded" and not is_utf8_form(
        request.get_data(cache=True)
    ):
        damaged = _("The form arrived damaged (part of it was not text). Please send it again.")
        form = CitizenForm(formdata=None, submission_id=str(uuid.uuid4()))
        return _render_form(target, version, form, errors={"__all__": damaged}, status=400)
    form = CitizenForm()
    answers = submitted_answers(request.form)
    kept = {key: values[0] for key, values in answers.items() if values}
    if form.website.data:  # the honeypot: a person never sees this field
        return redirect(url_for(".thanks", code=target.public_code, survey=version_key(version)))
    if not form.validate():
        errors = {}
        if "csrf_token" in form.errors:
            # An old page (session expired, token refused): show it again, answers kept.
            errors["__all__"] = _(
                "Your answers are kept. Please check them and send the form again."
            )
            form = CitizenForm(
                formdata=None,
                submission_id=form.submission_id.data or str(uuid.uuid4()),
                dossier_code=form.dossier_code.data,
                callback_consent=form.callback_consent.data,
                callback_phone=form.callback_phone.data,
            )
        if form.submission_id.errors:
            form.submission_id.data = str(uuid.uuid4())
        # The answers' own problems are shown at the same time, so that one round trip
        # shows everything to correct.
        for key, error in validate_answers(definition_of(version), answers).errors.items():
            errors.setdefault(key, error_message(error.code, error.params))
        return _render_form(target, version, form, kept, errors, status=400)
    submission = Submission(
        uuid=uuid.UUID(form.submission_id.data),
        target=target,
        version=version,
        channel=Channel.QR,
        language=current_language(),
        answers=answers,
        dossier_code=form.dossier_code.data or None,
        source=phone_limits.sender(),
        address=phone_limits.address_hash(),
        callback_phone=form.callback_phone.data or None,
    )
    try:
        stored = submit(submission)
    except SubmissionRejected as rejected:
        errors = {
            key: error_message(code_, params) for key, (code_, params) in rejected.errors.items()
        }
        return _render_form(target, version, form, kept, errors, status=422)
    except UuidConflict:
        # The same form sent twice with different answers: keep the first, tell the truth.
        form.submission_id.data = str(uuid.uuid4())
        errors = {
            "__all__": _(
                "This form was already sent with other answers. To rate again, send it once more."
            )
        }
        return _render_form(target, version, form, kept, errors, status=409)
    _remember_submission(target.public_code, form.submission_id.data, stored.receipt)
    return redirect(
        url_for(".thanks", code=target.public_code, survey=version_key(version)), code=303
    )


def version_key(version) -> str:
    return definition_of(version).key


@blueprint.get("/q/<code>/thanks")
def thanks(code: str):
    target, version = _load(code)
    return render_template(
        "collect/thanks.html",
        target=target,
        full_survey_key=_full_survey_offer(target, version_key(version)),
        receipt=_recent_receipt(target.public_code),
    )


@blueprint.get("/privacy")
def privacy():
    return render_template(
        "collect/privacy.html", retention_days=get_setting("CONTACT_RETENTION_DAYS")
    )
