"""Officer sessions: Flask-Login, inactivity and absolute timeouts, and ending a session.

The session lives in Flask's signed cookie (HttpOnly, SameSite=Lax, Secure when
``SESSION_COOKIE_SECURE``). Beside Flask-Login's keys it holds when the officer signed
in and when they were last seen, so a session ends after ``OFFICER_SESSION_IDLE_MINUTES``
without a request and ``OFFICER_SESSION_MAX_HOURS`` after signing in, whatever happens.

A signed cookie cannot be taken back, so each session is also a row on the server
(:class:`~survey.accounts.models.OfficerSession`), named in the cookie by a random token.
Every request reads it: signing out, a password change, a deactivation or an administrator
ending it ends it at once on every process and host, and a copy of the cookie made before
is worth nothing. (The session's user id also carries a fingerprint of the password hash.)

``SESSION_PROTECTION = "strong"`` binds the session to the browser and the client address;
the address is the one the rest of the application uses (``request.remote_addr``, read from
``X-Forwarded-For`` only when ``PROXY_COUNT`` says a proxy sets it), never a header the
client could choose. A cookie presented from another browser or address has leaked: the
session it names ends, for its officer too.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.accounts import audit
from survey.accounts.models import OfficerSession, User
from survey.db import db, utcnow, write_session

SIGNED_IN_AT = "officer_signed_in_at"
LAST_SEEN_AT = "officer_last_seen_at"
#: The random token naming the session's row on the server.
TOKEN = "officer_session"
#: ``last_seen_dt`` is written at most this often (an officer's page is a read, mostly).
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

#: Endpoints that never touch an officer session (assets, load balancer probes).
_UNTOUCHED_ENDPOINTS = frozenset({"static", "health.healthz"})

login_manager = LoginManager()
login_manager.login_view = "accounts.sign_in"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
# The message is evaluated in the visitor's language when it is flashed.
login_manager.localize_callback = str


def _session_identifier() -> str:
    """What "strong" session protection binds a session to: the browser and the address as
    the application knows it (``ProxyFix`` rewrites it from the proxy's header only when
    ``PROXY_COUNT`` is set; Flask-Login's default reads ``X-Forwarded-For`` from anyone)."""
    material = f"{request.remote_addr}|{request.headers.get('User-Agent', '')}"
    return hashlib.sha512(material.encode()).hexdigest()


login_manager._session_identifier_generator = _session_identifier


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _current_record(user_id: int) -> OfficerSession | None:
    """The server's row of this cookie's session, if it is ``user_id``'s and not ended."""
    token = session.get(TOKEN)
    if not isinstance(token, str):
        return None
    return db.session.scalar(
        select(OfficerSession).where(
            OfficerSession.token_hash == _token_hash(token),
            OfficerSession.user_id == user_id,
            OfficerSession.ended_dt.is_(None),
        )
    )


def end_sessions(write: Session, user_id: int, reason: str, session_id: int | None = None) -> int:
    """End ``user_id``'s open sessions (only ``session_id`` when given); how many ended."""
    statement = update(OfficerSession).where(
        OfficerSession.user_id == user_id, OfficerSession.ended_dt.is_(None)
    )
    if session_id is not None:
        statement = statement.where(OfficerSession.id == session_id)
    result = write.execute(statement.values(ended_dt=utcnow(), end_reason=reason))
    return result.rowcount  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def open_sessions(user_id: int) -> list[OfficerSession]:
    """``user_id``'s sessions not ended yet, the most recently seen first (the timeouts end
    the others at their next request; until then they are listed too)."""
    return list(
        db.session.scalars(
            select(OfficerSession)
            .where(OfficerSession.user_id == user_id, OfficerSession.ended_dt.is_(None))
            .order_by(OfficerSession.last_seen_dt.desc())
        )
    )


@login_manager.user_loader
def load_user(session_user_id: str) -> User | None:
    """The active officer named by the session, if the password has not changed since."""
    number, _separator, _fingerprint = session_user_id.partition(".")
    if not number.isdigit():
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.is_active or user.get_id() != session_user_id:
        return None
    if _current_record(user.id) is None:
        return None
    return user


def _now() -> float:
    """Seconds since the epoch, from :func:`survey.db.utcnow` (tests move it)."""
    return utcnow().replace(tzinfo=UTC).timestamp()


def start(user: User) -> None:
    """Sign ``user`` in on a fresh session (nothing from before signing in is kept)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    with write_session() as write:
        write.add(
            OfficerSession(
                token_hash=_token_hash(token),
                user_id=user.id,
                browser=request.headers.get("User-Agent", "")[:200],
            )
        )
    login_user(user)
    session[TOKEN] = token
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = _now()


def restart(user: User) -> None:
    """Carry the session over a password change without resetting its timeouts (the
    caller ended every session of the account, this one included: a new one starts)."""
    signed_in_at = session[SIGNED_IN_AT]
    start(user)
    session[SIGNED_IN_AT] = signed_in_at


def end(reason: str) -> None:
    """Sign the officer out, end the session on the server and forget everything in it."""
    token = session.get(TOKEN)
    if isinstance(token, str):
        with write_session() as write:
            write.execute(
                update(OfficerSession)
                .where(
                    OfficerSession.token_hash == _token_hash(token),
                    OfficerSession.ended_dt.is_(None),
                )
                .values(ended_dt=utcnow(), end_reason=reason)
            )
    logout_user()
    session.clear()


def _mark_seen(user_id: int) -> None:
    record = _current_record(user_id)
    now = utcnow()
    if record is not None and record.last_seen_dt < now - LAST_SEEN_RESOLUTION:
        with write_session() as write:
            write.execute(
                update(OfficerSession)
                .where(OfficerSession.id == record.id)
                .values(last_seen_dt=now)
            )


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
        _mark_seen(current_user.id)
        return None
    user_number = _session_user_number()
    audit.record_now(
        "logout",
        target=f"user:{user_number}" if user_number is not None else None,
        details={"reason": reason},
        user=db.session.get(User, user_number) if user_number is not None else None,
    )
    end(reason)
    flash(message, "warning")
    # Back to the same page after signing in; a form posted with an expired session is not
    # replayed (its address may not answer GET).
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.sign_in", next=back))


def init_app(app) -> None:
    login_manager.init_app(app)
    app.before_request(enforce_timeouts)
