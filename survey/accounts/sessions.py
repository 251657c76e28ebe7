"""Officer sessions: Flask-Login, inactivity and absolute timeouts, and ending a session.

The session lives in Flask's signed cookie (HttpOnly, SameSite=Lax, Secure when
``SESSION_COOKIE_SECURE``). Beside Flask-Login's keys it holds when the officer signed
in and when they were last seen, so a session ends after ``OFFICER_SESSION_IDLE_MINUTES``
without a request and ``OFFICER_SESSION_MAX_HOURS`` after signing in, whatever happens.
A session also ends at the next request when the account is deactivated or its password
changed (the session's user id carries a fingerprint of the password hash).
"""

from __future__ import annotations

from datetime import UTC

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user

from survey.accounts import audit
from survey.accounts.models import User
from survey.db import db, utcnow

SIGNED_IN_AT = "officer_signed_in_at"
LAST_SEEN_AT = "officer_last_seen_at"

#: Endpoints that never touch an officer session (assets, load balancer probes).
_UNTOUCHED_ENDPOINTS = frozenset({"static", "health.healthz"})

login_manager = LoginManager()
login_manager.login_view = "accounts.sign_in"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
# The message is evaluated in the visitor's language when it is flashed.
login_manager.localize_callback = str


@login_manager.user_loader
def load_user(session_user_id: str) -> User | None:
    """The active officer named by the session, if the password has not changed since."""
    number, _separator, _fingerprint = session_user_id.partition(".")
    if not number.isdigit():
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.is_active or user.get_id() != session_user_id:
        return None
    return user


def _now() -> float:
    """Seconds since the epoch, from :func:`survey.db.utcnow` (tests move it)."""
    return utcnow().replace(tzinfo=UTC).timestamp()


def start(user: User) -> None:
    """Sign ``user`` in on a fresh session (nothing from before signing in is kept)."""
    session.clear()
    login_user(user)
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = _now()


def restart(user: User) -> None:
    """Carry the session over a password change without resetting its timeouts."""
    signed_in_at = session[SIGNED_IN_AT]
    start(user)
    session[SIGNED_IN_AT] = signed_in_at


def end() -> None:
    """Sign the officer out and forget everything in the session."""
    logout_user()
    session.clear()


def _session_user_number() -> int | None:
    """The user id named by the session cookie, even when that user may no longer sign in."""
    number = str(session.get("_user_id", "")).partition(".")[0]
    return int(number) if number.isdigit() else None


def enforce_timeouts():
    """Before each request: end a session that timed out or whose account changed.

    The officer is sent to the sign-in page with a message saying why, and comes back to
    the page they asked for after signing in again.
    """
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is None or request.endpoint in _UNTOUCHED_ENDPOINTS:
        return None
    now = _now()
    config = current_app.config
    idle_minutes = config["OFFICER_SESSION_IDLE_MINUTES"]
    max_hours = config["OFFICER_SESSION_MAX_HOURS"]
    if not current_user.is_authenticated:
        reason = "account"
        message = _("You have been signed out. Please sign in again.")
    elif now - session.get(LAST_SEEN_AT, signed_in_at) > idle_minutes * 60:
        reason = "inactivity"
        message = _(
            "You were signed out after %(minutes)s minutes without activity. Please sign in again.",
            minutes=idle_minutes,
        )
    elif now - signed_in_at > max_hours * 3600:
        reason = "maximum_duration"
        message = _(
            "For your security, a session lasts at most %(hours)s hours. Please sign in again.",
            hours=max_hours,
        )
    else:
        session[LAST_SEEN_AT] = now
        return None
    user_number = _session_user_number()
    audit.record_now(
        "logout",
        target=f"user:{user_number}" if user_number is not None else None,
        details={"reason": reason},
        user=db.session.get(User, user_number) if user_number is not None else None,
    )
    end()
    flash(message, "warning")
    # Back to the same page after signing in; a form posted with an expired session is not
    # replayed (its address may not answer GET).
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.sign_in", next=back))


def init_app(app) -> None:
    login_manager.init_app(app)
    app.before_request(enforce_timeouts)
