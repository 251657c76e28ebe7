"""What citizens open: the standalone feedback form of a desk's code, ``/q/<code>/feedback``,
and the receipt page ``/feedback/<receipt>``.

The form has the rating form's protections: a CSRF token, a rate limit per code and phone,
a honeypot, no JavaScript, and a client identifier so that sending twice opens one case.
The receipt page shows the state, the dates and the public reply, never the number, the
internal notes or an officer's name; an unknown code and a malformed one get the same 404,
and lookups are rate-limited per phone.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import HiddenField, TextAreaField
from wtforms.validators import UUID, InputRequired, Length, ValidationError

from survey.collect import phone_limits
from survey.collect.forms import CallbackFields
from survey.collect.submit import Target, TargetUnavailable, resolve_code
from survey.db import db, utcnow, write_session
from survey.feedback.cases import Opening, local_date, normalise_receipt, open_case
from survey.feedback.labels import case_source_label, case_state_label, event_label
from survey.feedback.models import CaseSource, CaseState, FeedbackCase
from survey.i18n import current_language
from survey.questionnaires.definition import clean_text
from survey.security import csrf, limiter
from survey.settings import get_setting

blueprint = Blueprint("feedback_public", __name__)
blueprint.add_app_template_global(case_state_label, "case_state_label")
blueprint.add_app_template_global(case_source_label, "case_source_label")
blueprint.add_app_template_global(event_label, "event_label")

FEEDBACK_TEXT_MAX_LENGTH = 2000


class FeedbackForm(CallbackFields):
    submission_id = HiddenField(validators=[InputRequired(), UUID()])
    text = TextAreaField(
        _l("What happened, or what do you propose?"),
        validators=[
            InputRequired(message=_l("Please write what happened or what you propose.")),
            Length(
                max=FEEDBACK_TEXT_MAX_LENGTH,
                message=_l("Please shorten this to at most %(max)d characters."),
            ),
        ],
    )

    def validate_text(self, field):
        field.data = clean_text(field.data or "")
        if not field.data:
            raise ValidationError(_l("Please write what happened or what you propose."))


def _client_key() -> str:
    """Rate-limit key: the code (if any) and the phone, as for ratings."""
    code = (request.view_args or {}).get("code", "")
    return f"feedback/{code}/{phone_limits.sender()}"


class _Unavailable(Exception):
    def __init__(self, reason: str):
        self.reason = reason


@blueprint.errorhandler(_Unavailable)
def _unavailable_page(error: _Unavailable):
    status = 404 if error.reason == "unknown" else 410
    page = render_template("collect/unavailable.html", reason=error.reason, successors=[])
    return make_response(page, status)


def _target(code: str) -> Target:
    try:
        return resolve_code(db.session(), code)
    except TargetUnavailable as unavailable:
        raise _Unavailable(unavailable.reason) from None


def _form_page(target: Target, form: FeedbackForm, status: int = 200, kept: bool = False):
    page = render_template(
        "feedback/form.html",
        target=target,
        form=form,
        retention_days=get_setting("CONTACT_RETENTION_DAYS"),
        text_max_length=FEEDBACK_TEXT_MAX_LENGTH,
        kept=kept,
    )
    return make_response(page, status)


@blueprint.get("/q/<code>/feedback")
def feedback_form(code: str):
    target = _target(code)
    return _form_page(target, FeedbackForm(submission_id=str(uuid.uuid4())))


@blueprint.post("/q/<code>/feedback")
@csrf.exempt  # the form checks its own token, and a refused token keeps the text
@limiter.limit(lambda: get_setting("FEEDBACK_SUBMIT_LIMIT"), key_func=_client_key)
def send_feedback(code: str):
    target = _target(code)
    form = FeedbackForm()
    if form.website.data:  # the honeypot: a person never sees this field
        return redirect(url_for("collect.thanks", code=target.public_code), code=303)
    if not form.validate():
        if "csrf_token" in form.errors:
            # An old page (session expired, token refused): show it again, text kept.
            form = FeedbackForm(
                formdata=None,
                submission_id=form.submission_id.data or str(uuid.uuid4()),
                text=form.text.data,
                callback_consent=form.callback_consent.data,
                callback_phone=form.callback_phone.data,
            )
            return _form_page(target, form, status=400, kept=True)
        if form.submission_id.errors:
            form.submission_id.data = str(uuid.uuid4())
        return _form_page(target, form, status=400)
    receipt = _open_direct_case(target, form)
    return redirect(url_for(".receipt", receipt=receipt, sent=1), code=303)


def _open_direct_case(target: Target, form: FeedbackForm) -> str:
    """The receipt of the case the form opens, or of the one it already opened."""
    client_uuid = uuid.UUID(form.submission_id.data)
    with write_session() as session:
        earlier = session.scalar(
            select(FeedbackCase.receipt).where(FeedbackCase.client_uuid == client_uuid)
        )
        if earlier is not None:
            return earlier
        desk, official = target.service_point, target.official
        assert target.agency.id is not None, "a stored code's agency is stored"
        opening = Opening(
            source=CaseSource.DIRECT,
            agency_id=target.agency.id,
            language=current_language(),
            service_point_id=desk.id if desk is not None else None,
            official_id=official.id if official is not None else None,
            text=form.text.data,
            client_uuid=client_uuid,
            contact_phone=form.callback_phone.data or None,
        )
        return open_case(session, opening, utcnow()).receipt


def _lookup_key() -> str:
    return f"receipt/{phone_limits.address_hash()}"


@blueprint.get("/feedback/<receipt>")
@limiter.limit(lambda: get_setting("RECEIPT_LOOKUP_LIMIT"), key_func=_lookup_key)
def receipt(receipt: str):
    code = normalise_receipt(receipt)
    case = (
        db.session.scalar(select(FeedbackCase).where(FeedbackCase.receipt == code))
        if code is not None
        else None
    )
    if case is None:
        return make_response(render_template("feedback/receipt_not_found.html"), 404)
    return render_template(
        "feedback/receipt.html",
        case=case,
        opened_on=local_date(case.opened_dt),
        acknowledged_on=local_date(case.acknowledged_dt) if case.acknowledged_dt else None,
        closed_on=local_date(case.closed_dt) if case.closed_dt else None,
        states=CaseState,
        just_sent=request.args.get("sent") == "1",
    )
