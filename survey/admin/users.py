"""Officer accounts: create with a role and an agency scope, change them, reset a password,
deactivate. Administrators only; every change is audited (never a password).

The rules for a new account are those of ``flask create-user`` (:mod:`survey.accounts.rules`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.accounts import audit, sessions
from survey.accounts.access import ROLE_LABELS
from survey.accounts.models import Role, User
from survey.accounts.rules import normalized_email
from survey.admin import blueprint
from survey.admin.common import administrator_required
from survey.admin.forms import ActiveForm, NewUserForm, ResetPasswordForm, ScopeForm
from survey.admin.lookup import agency_matches
from survey.admin.pages import requested_active
from survey.db import db, write_session

PAGE_SIZE = 50


def _scope(user: User) -> dict:
    return {
        "role": user.role.value,
        "agency": user.agency.code if user.agency is not None else None,
        "is_active": user.is_active,
    }


def _change_account(account: User, action: str, change: Callable[[User], None]) -> bool:
    """Apply ``change`` to the account in a write transaction, audited as ``action`` with
    its scope before and after when it changed anything; whether it did."""
    with write_session() as session:
        target = session.get_one(User, account.id)
        before = _scope(target)
        change(target)
        session.flush()
        session.refresh(target, ["agency"])
        after = _scope(target)
        if after != before:
            audit.record(
                action,
                target=f"user:{target.id}",
                details={"email": target.email, "before": before, "after": after},
                session=session,
            )
    return after != before


def _back_to(account: User):
    return redirect(url_for("admin.user", user_id=account.id))


@blueprint.get("/users")
@administrator_required
def users():
    words = request.args.get("q", "").strip()[:254]
    page = max(1, min(request.args.get("page", 1, type=int), 100_000))
    statement = select(User).order_by(User.email)
    if words:
        statement = statement.where(User.email.contains(words.lower(), autoescape=True))
    rows = list(db.session.scalars(statement.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    return render_template(
        "admin/users/list.html",
        users=rows[:PAGE_SIZE],
        words=words,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        role_labels=ROLE_LABELS,
    )


@blueprint.route("/users/new", methods=["GET", "POST"])
@administrator_required
def new_user():
    form = NewUserForm(agency=request.args.get("agency", ""))
    if not form.validate_on_submit():
        words, matches = agency_matches()
        status = 400 if form.is_submitted() else 200
        page = render_template(
            "admin/users/new.html", form=form, agency_search=words, agency_matches=matches
        )
        return page, status
    user = _create_account(form)
    flash(_("The account %(email)s has been created.", email=user.email), "info")
    return _back_to(user)


def _create_account(form: NewUserForm) -> User:
    agency = form.chosen_agency()
    with write_session() as session:
        user = User(
            email=normalized_email(form.email.data),
            role=Role(form.role.data),
            agency_id=agency.id if agency else None,
        )
        user.set_password(form.password.data)
        session.add(user)
        session.flush()
        audit.record(
            "user.created",
            target=f"user:{user.id}",
            details={
                "email": user.email,
                "after": {
                    "role": user.role.value,
                    "agency": form.agency.data or None,
                    "is_active": True,
                },
            },
            session=session,
        )
    return user


def _user_page(user, scope_form=None, reset_form=None, status=200):
    words, matches = agency_matches()
    page = render_template(
        "admin/users/edit.html",
        user=user,
        scope_form=scope_form
        or ScopeForm(
            role=user.role.value,
            agency=request.args.get("agency") or (user.agency.code if user.agency else ""),
        ),
        reset_form=reset_form or ResetPasswordForm(),
        open_sessions=sessions.open_sessions(user.id),
        active_form=ActiveForm(active="0" if user.is_active else "1"),
        role_labels=ROLE_LABELS,
        agency_search=words,
        agency_matches=matches,
    )
    return page, status


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@administrator_required
def user(user_id: int):
    account = db.get_or_404(User, user_id)
    if request.method == "GET":
        return _user_page(account)
    form = ScopeForm(own=account.id == current_user.id)
    if not form.validate():
        return _user_page(account, scope_form=form, status=400)
    agency = form.chosen_agency()

    def change(target: User) -> None:
        target.role = Role(form.role.data)
        target.agency_id = agency.id if agency else None

    if _change_account(account, "user.updated", change):
        flash(_("The account has been changed."), "info")
    return _back_to(account)


@blueprint.post("/users/<int:user_id>/password")
@administrator_required
def reset_password(user_id: int):
    account = db.get_or_404(User, user_id)
    form = ResetPasswordForm(email=account.email)
    if not form.validate():
        return _user_page(account, reset_form=form, status=400)
    _reset_password(account, form.password.data)
    flash(_("The password has been reset. The officer's open sessions have ended."), "info")
    return _back_to(account)


def _reset_password(account: User, password: str) -> None:
    with write_session() as session:
        target = session.get_one(User, account.id)
        target.set_password(password)
        sessions.end_sessions(session, target.id, "password_reset")
        audit.record(
            "user.password_reset",
            target=f"user:{target.id}",
            details={"email": target.email},
            session=session,
        )


@blueprint.post("/users/<int:user_id>/active")
@administrator_required
def set_user_active(user_id: int):
    account = db.get_or_404(User, user_id)
    active = requested_active()
    if active is None:
        abort(400)
    if account.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."), "warning")
        return _back_to(account)
    _change_account(
        account,
        "user.reactivated" if active else "user.deactivated",
        lambda target: setattr(target, "is_active", active),
    )
    if not active:
        with write_session() as session:
            sessions.end_sessions(session, account.id, "deactivated")
    message = _("The account is active.") if active else _("The account has been deactivated.")
    flash(message, "info")
    return _back_to(account)


@blueprint.post("/users/<int:user_id>/sessions")
@administrator_required
def end_user_sessions(user_id: int):
    """End one of the officer's open sessions (``session`` in the form), or all of them."""
    account = db.get_or_404(User, user_id)
    chosen = request.form.get("session", type=int)
    with write_session() as session:
        ended = sessions.end_sessions(session, account.id, "ended_by_administrator", chosen)
        if ended:
            audit.record(
                "user.sessions_ended",
                target=f"user:{account.id}",
                details={"email": account.email, "sessions": ended},
                session=session,
            )
    flash(_("Sessions ended: %(count)s.", count=ended), "info")
    return _back_to(account)
