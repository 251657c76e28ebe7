"""Signing in and out, and changing the password (the start page is :mod:`survey.start`)."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from survey.accounts import audit, sessions, throttle
from survey.accounts.access import may_open, officer_required
from survey.accounts.forms import ChangePasswordForm, SignInForm
from survey.accounts.models import User, check_password_of_nobody
from survey.db import db, utcnow, write_session

blueprint = Blueprint("accounts", __name__)
# Flask-Login and the session timeouts come with the blueprint: one line in create_app.
blueprint.record_once(lambda state: sessions.init_app(state.app))
# Templates offer a link only to those who may follow it (the navigation bar, the start page).
blueprint.add_app_template_global(may_open)


def is_local_path(target: str | None) -> bool:
    """True for a path on this site ("/officer/?x=1"); False for anything a browser could
    take elsewhere: other hosts ("//evil.example", "/\\evil.example"), schemes, control
    characters (browsers drop tabs and newlines inside addresses)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(character) < 32 or ord(character) == 127 for character in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _next_path() -> str | None:
    target = request.args.get("next")
    return target if is_local_path(target) else None


def _paused_response(form: SignInForm, until):
    message = _(
        "Too many failed sign-in attempts. For your security, signing in is paused: "
        "please try again after %(time)s.",
        time=format_time(until, format="HH:mm"),
    )
    page = render_template("accounts/sign_in.html", form=form, form_error=message)
    wait_seconds = max(1, math.ceil((until - utcnow()).total_seconds()))
    return page, 429, {"Retry-After": str(wait_seconds)}


@blueprint.errorhandler(CSRFError)
def refused_form(error):
    """A form whose security token is missing, expired or foreign: say so, change nothing."""
    message = _("This form had expired or did not come from this site. Please try again.")
    if request.endpoint == "accounts.sign_in":
        return render_template("accounts/sign_in.html", form=SignInForm(), form_error=message), 400
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if request.endpoint == "accounts.change_password":
        form = ChangePasswordForm(current_user.email)
        return render_template("accounts/change_password.html", form=form, form_error=message), 400
    flash(message, "warning")
    return redirect(url_for("start.page"))


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(_next_path() or url_for("start.page"))
    form = SignInForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("accounts/sign_in.html", form=form), status

    email = form.normalized_email()
    until = throttle.paused_until(email)
    if until is not None:
        audit.record_now("login.failed", details={"email": email, "reason": "paused"})
        return _paused_response(form, until)

    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        check_password_of_nobody(form.password.data)
        reason = "unknown_email"
    elif not user.check_password(form.password.data):
        reason = "wrong_password"
    elif not user.is_active:
        reason = "inactive"
    else:
        reason = None

    if reason is not None:
        throttle.count_failure(email)
        audit.record_now(
            "login.failed",
            target=f"user:{user.id}" if user is not None else None,
            details={"email": email, "reason": reason},
        )
        message = _("The e-mail address or the password is not right.")
        return render_template("accounts/sign_in.html", form=form, form_error=message), 401

    # The password check took a while: write in a short transaction of its own.
    with write_session() as write:
        account = write.get(User, user.id)
        account.last_login_dt = utcnow()
        if account.password_needs_rehash():
            account.set_password(form.password.data)
        audit.record("login.succeeded", target=f"user:{user.id}", user=account, session=write)
    # The account as just written (its hash may be new), not db.session's older snapshot.
    sessions.start(account)
    return throttle.remember_device(redirect(_next_path() or url_for("start.page")), email)


@blueprint.post("/sign-out")
@officer_required
def sign_out():
    # No fields to validate: CSRFProtect checks the token before the view runs (see
    # refused_form below), so no other site can sign an officer out.
    audit.record_now("logout", target=f"user:{current_user.id}", details={"reason": "requested"})
    sessions.end("signed_out")
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.sign_in"))


@blueprint.route("/officer/password", methods=["GET", "POST"])
@officer_required
def change_password():
    form = ChangePasswordForm(current_user.email)
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("accounts/change_password.html", form=form), status

    until = throttle.paused_until(current_user.email)
    if until is not None:
        form.current_password.errors.append(
            _(
                "Too many wrong passwords. Please try again after %(time)s.",
                time=format_time(until, format="HH:mm"),
            )
        )
        return render_template("accounts/change_password.html", form=form), 429
    if not current_user.check_password(form.current_password.data):
        throttle.count_failure(current_user.email)
        audit.record_now("password.change_failed", target=f"user:{current_user.id}")
        form.current_password.errors.append(_("This is not your current password."))
        return render_template("accounts/change_password.html", form=form), 400

    with write_session() as write:
        account = write.get(User, current_user.id)
        account.set_password(form.new_password.data)
        # Every session of the account ends, this one too: a new one carries on here.
        sessions.end_sessions(write, account.id, "password_changed")
        audit.record("password.changed", target=f"user:{account.id}", user=account, session=write)
    sessions.restart(account)
    flash(_("Your password has been changed."), "info")
    return redirect(url_for("start.page"))
