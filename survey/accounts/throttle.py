"""Sign-in throttling: failed attempts counted per e-mail address and per client address.

Only failures count, so an officer who signs in correctly is never slowed down. Counters
live in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``: memory for one process, Redis
when several workers or hosts must share them), through its rate-limiting strategy
(``RATELIMIT_STRATEGY``, fixed window by default). Keys start with
``RATELIMIT_KEY_PREFIX`` when it is set. An unknown e-mail is counted exactly like a
known one, so the pause reveals nothing about which accounts exist.

Limits are ``SIGN_IN_FAILURES_PER_EMAIL`` and ``SIGN_IN_FAILURES_PER_ADDRESS`` (the
`limits` notation, e.g. "5 per 15 minutes"), read on every attempt.

Failing someone's e-mail must not lock them out: a browser where an officer signed in
correctly keeps a signed cookie naming that e-mail (``TRUSTED_DEVICE_COOKIE``, 90 days). From
such a browser, failures for that e-mail are counted for that browser alone, so an attacker
who pauses the e-mail elsewhere slows down only browsers the officer never used; the officer
at their usual desk signs in as always (docs/PRODUCTION.md: "Sign-in throttling").
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse

from survey.security import limiter

TRUSTED_DEVICE_COOKIE = "hailong_officer_device"
TRUSTED_DEVICE_SECONDS = 90 * 24 * 3600


def _email_digest(email: str) -> str:
    # E-mail addresses are personal data: the shared storage and cookies only see a digest.
    return hashlib.sha256(email.encode()).hexdigest()


def _trusted_devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="officer-device")


def remember_device(response: Response, email: str) -> Response:
    """After a correct sign-in: this browser is one where ``email``'s owner signs in."""
    response.set_cookie(
        TRUSTED_DEVICE_COOKIE,
        _trusted_devices().dumps([_email_digest(email), secrets.token_urlsafe(12)]),
        max_age=TRUSTED_DEVICE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _trusted_device(email: str) -> str | None:
    """This browser's identifier when the owner of ``email`` signed in from it before."""
    cookie = request.cookies.get(TRUSTED_DEVICE_COOKIE, "")
    try:
        digest, device = _trusted_devices().loads(cookie, max_age=TRUSTED_DEVICE_SECONDS)
    except (BadSignature, ValueError):
        return None
    return device if digest == _email_digest(email) else None


def _counters(email: str) -> list[tuple[RateLimitItem, list[str]]]:
    """Each limit with the key identifiers it is counted under for this request."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    device = _trusted_device(email)
    email_key = ("email", _email_digest(email)) + (("device", device) if device else ())
    address = get_remote_address() or "unknown"
    return [
        (
            parse(current_app.config["SIGN_IN_FAILURES_PER_EMAIL"]),
            [part for part in (prefix, "sign-in-failures", *email_key) if part],
        ),
        (
            parse(current_app.config["SIGN_IN_FAILURES_PER_ADDRESS"]),
            [part for part in (prefix, "sign-in-failures", "address", address) if part],
        ),
    ]


def paused_until(email: str) -> datetime | None:
    """When signing in as ``email`` from this client may resume (UTC, naive); None if it may now."""
    resets = [
        limiter.limiter.get_window_stats(item, *identifiers).reset_time
        for item, identifiers in _counters(email)
        if not limiter.limiter.test(item, *identifiers)
    ]
    if not resets:
        return None
    return datetime.fromtimestamp(max(resets), UTC).replace(tzinfo=None)


def count_failure(email: str) -> None:
    """Count one failed attempt against ``email`` and against this client's address."""
    for item, identifiers in _counters(email):
        limiter.limiter.hit(item, *identifiers)
