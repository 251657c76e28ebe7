"""The officers' pages of the feedback cases: ``/officer/cases/`` (the list, filtered and
paged, with its CSV export) and ``/officer/cases/<id>`` (the case, its history and actions).

Each route loads or 404s, checks the officer's scope (404 outside it, as for results), then
acts. Agency managers see the cases of their agency's subtree, the reform office and
administrators every case; viewers (aggregated results only) none. A change is refused
with 409 and a message when the case's state does not allow it, or when another officer
changed the case after this one read it (nothing is overwritten).
"""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from survey.accounts import audit
from survey.accounts.access import require_agency_visible, roles_required, visible_agency_ids
from survey.accounts.models import Role, User
from survey.admin.exports import csv_download
from survey.choices import options
from survey.collect.models import CallbackRequest, Response
from survey.collect.submit import definition_of
from survey.db import db, keyset_page, utcnow, write_session
from survey.feedback.apology import apology_pdf, may_apologise
from survey.feedback.cases import (
    TRANSITIONS,
    Calendar,
    InvalidChange,
    StaleCase,
    change_state,
    local_date,
    reopen,
    transfer,
)
from survey.feedback.counts import overdue_clause
from survey.feedback.forms import (
    CaseFilterForm,
    ReopenForm,
    ShowPhoneForm,
    StateForm,
    TransferForm,
    page_address_key,
    page_key,
)
from survey.feedback.labels import STATE_LABELS, case_source_label, case_state_label
from survey.feedback.models import OPEN_STATES_SQL, CaseEvent, CaseState, FeedbackCase
from survey.i18n import current_language
from survey.org.models import Agency, Official, ServicePoint
from survey.questionnaires.models import QuestionnaireVersion
from survey.vietnam_calendar import local_today

blueprint = Blueprint("feedback", __name__, url_prefix="/officer/cases")

#: Who handles cases: the officers entitled to response-level data.
CASE_ROLES = (Role.ADMINISTRATOR, Role.REFORM_OFFICE, Role.AGENCY_MANAGER)
PAGE_SIZE = 50
#: The list's order, newest first: paged by keyset on the index ix_feedback_cases_opened.
PAGE_KEYS = (FeedbackCase.opened_dt, FeedbackCase.id)


def _in_scope(statement, visible: set[int] | None):
    return statement if visible is None else statement.where(FeedbackCase.agency_id.in_(visible))


def filtered_cases(form: CaseFilterForm, visible: set[int] | None, today: date):
    """The SELECT of the cases the filter (validated) and the scope let through, newest first."""
    statement = _in_scope(select(FeedbackCase, Agency.name).join(Agency), visible)
    if form.state.data == "open" or form.overdue.data:
        # Said as the partial index on open cases says it, so that the index serves it.
        statement = statement.where(text(OPEN_STATES_SQL))
    if form.state.data and form.state.data != "open":
        statement = statement.where(FeedbackCase.state == CaseState(form.state.data))
    if form.source.data:
        statement = statement.where(FeedbackCase.source == form.source.data)
    if form.agency.data:
        statement = statement.where(FeedbackCase.agency_id == int(form.agency.data))
    if form.overdue.data:
        statement = statement.where(overdue_clause(today))
    return statement.order_by(*(key.desc() for key in PAGE_KEYS))


def _agency_choices(
    session: Session, visible: set[int] | None, *, current_only: bool
) -> list[tuple[str, str]]:
    statement = select(Agency.id, Agency.name)
    if current_only:
        statement = statement.where(Agency.valid_on_clause(local_today()))
    if visible is not None:
        statement = statement.where(Agency.id.in_(visible))
    return [(str(id_), name) for id_, name in session.execute(statement.order_by(Agency.name))]


def _filter_form() -> tuple[CaseFilterForm, set[int] | None]:
    """The list's filter, its agencies those of the officer's scope. An agency outside the
    scope, or none of that number, gets the same 404 (as on the results pages)."""
    visible = visible_agency_ids(current_user)
    chosen = request.args.get("agency", "")
    if chosen:
        if not chosen.isdecimal() or db.session.get(Agency, int(chosen)) is None:
            abort(404)
        require_agency_visible(current_user, int(chosen))
    form = CaseFilterForm(request.args)
    form.agency.choices = options(
        [
            ("", _("Every agency you can see")),
            *_agency_choices(db.session(), visible, current_only=False),
        ]
    )
    return form, visible


@blueprint.get("/")
@roles_required(*CASE_ROLES)
def cases():
    form, visible = _filter_form()
    if not form.validate():
        return render_template("feedback/list.html", form=form, rows=[], is_first=True), 400
    today = local_today()
    statement = filtered_cases(form, visible, today).add_columns(
        FeedbackCase.opened_dt, FeedbackCase.id
    )
    after = page_key(form.after.data) if form.after.data else None
    rows, last = keyset_page(statement, PAGE_KEYS, after, PAGE_SIZE)
    arguments = {key: value for key, value in request.args.items() if key != "after" and value}
    return render_template(
        "feedback/list.html",
        form=form,
        rows=[(case, agency_name) for case, agency_name, *_key in rows],
        is_first=after is None,
        next_after=page_address_key(last) if last is not None else None,
        arguments=arguments,
        today=today,
        local_date=local_date,
    )


EXPORT_COLUMNS = (
    "id",
    "receipt",
    "opened",
    "source",
    "state",
    "agency",
    "acknowledge_due",
    "answer_due",
    "overdue",
    "acknowledged",
    "closed",
    "citizen_gave_phone",
    "text",
    "public_reply",
)


@blueprint.get("/export.csv")
@roles_required(*CASE_ROLES)
def cases_csv():
    """The filtered list as CSV: never a phone number (only whether one was given)."""
    form, visible = _filter_form()
    if not form.validate():
        abort(400)
    today = local_today()
    rows = [
        {
            "id": case.id,
            "receipt": case.receipt,
            "opened": local_date(case.opened_dt).isoformat(),
            "source": case.source.value,
            "state": case.state.value,
            "agency": agency_name,
            "acknowledge_due": case.acknowledge_due.isoformat(),
            "answer_due": case.answer_due.isoformat(),
            "overdue": "yes" if case.is_overdue(today) else "no",
            "acknowledged": local_date(case.acknowledged_dt).isoformat()
            if case.acknowledged_dt
            else "",
            "closed": local_date(case.closed_dt).isoformat() if case.closed_dt else "",
            "citizen_gave_phone": "yes" if case.has_phone else "no",
            "text": case.text,
            "public_reply": case.public_reply,
        }
        for case, agency_name in db.session.execute(filtered_cases(form, visible, today))
    ]
    return csv_download("feedback-cases.csv", EXPORT_COLUMNS, rows, "feedback.exported")


def _visible_case(case_id: int) -> FeedbackCase:
    case = db.session.get(FeedbackCase, case_id)
    if case is None:
        abort(404)
    require_agency_visible(current_user, case.agency_id)
    return case


def _rating(case: FeedbackCase) -> list[tuple[str, str]] | None:
    """The rating's questions and answers, in the officer's language (None: no rating)."""
    response = db.session.get(Response, case.response_id) if case.response_id else None
    if response is None:
        return None
    version = db.session.get(QuestionnaireVersion, response.questionnaire_version_id)
    assert version is not None, "a foreign key"
    definition = definition_of(version)
    language = current_language()
    answers = {answer.item_key: answer for answer in response.answers}
    shown = []
    for item in definition.items:
        answer = answers.get(item.key)
        if answer is None:
            continue
        if answer.text is not None:
            value = answer.text
        elif answer.value is None or item.scale is None:
            value = _("Not applicable")
        else:
            value = definition.text(item.scale.labels[answer.value], language)
        shown.append((definition.text(item.text, language), value))
    return shown


def _case_page(
    case: FeedbackCase,
    status: int = 200,
    error: str | None = None,
    phone: str | None = None,
    forms: dict | None = None,
):
    session = db.session()
    events = session.execute(
        select(CaseEvent, User.email)
        .outerjoin(User, CaseEvent.user_id == User.id)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.id)
    ).all()
    agency_names = dict(session.execute(select(Agency.id, Agency.name)).all())
    forms = forms or {}
    state_form = forms.get("state") or StateForm(
        formdata=None, version=case.version, prefix="change"
    )
    state_form.state.choices = options(
        (state.value, label)
        for state, label in STATE_LABELS.items()
        if state in TRANSITIONS[case.state]
    )
    transfer_form = forms.get("transfer") or TransferForm(
        formdata=None, version=case.version, prefix="transfer"
    )
    transfer_form.agency.choices = options(_transfer_choices(case))
    page = render_template(
        "feedback/case.html",
        case=case,
        agency=session.get(Agency, case.agency_id),
        desk=session.get(ServicePoint, case.service_point_id) if case.service_point_id else None,
        official=session.get(Official, case.official_id) if case.official_id else None,
        rating=_rating(case),
        events=events,
        agency_names=agency_names,
        state_form=state_form,
        transfer_form=transfer_form,
        reopen_form=forms.get("reopen")
        or ReopenForm(formdata=None, version=case.version, prefix="reopen"),
        phone_form=ShowPhoneForm(formdata=None),
        may_reopen=current_user.role == Role.REFORM_OFFICE,
        may_apologise=may_apologise(case),
        today=local_today(),
        local_date=local_date,
        error=error,
        phone=phone,
        source_label=case_source_label(case.source),
        state_label=case_state_label(case.state),
    )
    return page, status


def _transfer_choices(case: FeedbackCase) -> list[tuple[str, str]]:
    return [
        (value, name)
        for value, name in _agency_choices(db.session(), None, current_only=True)
        if value != str(case.agency_id)
    ]


@blueprint.get("/<int:case_id>")
@roles_required(*CASE_ROLES)
def case(case_id: int):
    return _case_page(_visible_case(case_id))


def _apply(case_id: int, form, change, forms_key: str):
    """Validate ``form``, then ``change(case, session)`` in one write transaction with the
    officer's scope checked again; 400 for a form error, 409 for a refused change."""
    case = _visible_case(case_id)
    if not form.validate():
        return _case_page(
            case, 400, _("Please check the fields of the form."), forms={forms_key: form}
        )
    try:
        with write_session() as session:
            stored = session.get_one(FeedbackCase, case_id)
            change(stored, session)
    except (StaleCase, StaleDataError):
        db.session.expire_all()
        return _case_page(
            db.session.get_one(FeedbackCase, case_id),
            409,
            _(
                "Another officer changed this case after you opened it. Nothing was "
                "overwritten: read it again and repeat your change if it is still needed."
            ),
        )
    except InvalidChange:
        db.session.expire_all()
        return _case_page(
            db.session.get_one(FeedbackCase, case_id),
            409,
            _(
                "This change is not possible in the case's present state (%(state)s).",
                state=case_state_label(case.state),
            ),
        )
    flash(_("The case has been updated."), "info")
    return redirect(url_for(".case", case_id=case_id), code=303)


@blueprint.post("/<int:case_id>/state")
@roles_required(*CASE_ROLES)
def change(case_id: int):
    form = StateForm(prefix="change")
    form.state.choices = options((state.value, state.value) for state in CaseState)

    def act(case: FeedbackCase, session: Session) -> None:
        change_state(
            case,
            CaseState(form.state.data),
            read_version=form.version.data,
            user_id=current_user.id,
            now=utcnow(),
            note=form.note.data or None,
            public_reply=form.public_reply.data or None,
            is_agency_at_fault=form.is_agency_at_fault.data,
        )

    return _apply(case_id, form, act, "state")


@blueprint.post("/<int:case_id>/transfer")
@roles_required(*CASE_ROLES)
def transfer_case(case_id: int):
    form = TransferForm(prefix="transfer")
    form.agency.choices = options(_agency_choices(db.session(), None, current_only=True))

    def act(case: FeedbackCase, session: Session) -> None:
        transfer(
            case,
            int(form.agency.data),
            read_version=form.version.data,
            user_id=current_user.id,
            now=utcnow(),
            calendar=Calendar.load(session),
            note=form.note.data or None,
        )

    return _apply(case_id, form, act, "transfer")


@blueprint.post("/<int:case_id>/reopen")
@roles_required(Role.REFORM_OFFICE)
def reopen_case(case_id: int):
    form = ReopenForm(prefix="reopen")

    def act(case: FeedbackCase, session: Session) -> None:
        reopen(
            case,
            read_version=form.version.data,
            user_id=current_user.id,
            now=utcnow(),
            note=form.note.data or None,
        )

    return _apply(case_id, form, act, "reopen")


def case_phone(session: Session, case: FeedbackCase) -> str | None:
    """The citizen's number, if still kept: the form's own, or the rating's call-back."""
    if case.contact_phone:
        return case.contact_phone
    if case.response_id is None:
        return None
    return session.scalar(
        select(CallbackRequest.phone).where(CallbackRequest.response_id == case.response_id)
    )


@blueprint.post("/<int:case_id>/phone")
@roles_required(*CASE_ROLES)
def show_phone(case_id: int):
    """The number, shown to this officer once and written to the audit log."""
    case = _visible_case(case_id)
    if not ShowPhoneForm().validate():
        abort(400)
    phone = case_phone(db.session(), case)
    if phone is None:
        return _case_page(case, 404, _("The number has been deleted."))
    audit.record_now("feedback.phone_shown", target=f"feedback_case:{case.id}")
    return _case_page(case, phone=phone)


@blueprint.get("/<int:case_id>/apology.pdf")
@roles_required(*CASE_ROLES)
def apology_letter(case_id: int):
    """The apology letter of a case answered as founded with the agency at fault (409 for
    any other case); each letter produced is written to the audit log."""
    case = _visible_case(case_id)
    if not may_apologise(case):
        return _case_page(
            case,
            409,
            _(
                "An apology letter is produced only for a case answered as founded, with the "
                "agency at fault."
            ),
        )
    content = apology_pdf(db.session(), case, local_today())
    audit.record_now("feedback.apology_letter", target=f"feedback_case:{case.id}")
    return send_file(
        io.BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"thu-xin-loi-{case.receipt}.pdf",
    )


# The administrator's editor of the letter's text registers its route on the blueprint.
from survey.feedback import letter_texts  # noqa: E402, F401
