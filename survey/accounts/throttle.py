"""Sign-in throttling: failed attempts counted per e-mail address and per client address.

Only failures count, so an officer who signs in correctly is never slowed down. Counters
live in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``: memory for one process, Redis
when several workers or hosts must share them), through its rate-limiting strategy
(``RATELIMIT_STRATEGY``, fixed window by default). Keys start with
``RATELIMIT_KEY_PREFIX`` when it is set. An unknown e-mail is counted exactly like a
known one, so the pause reveals nothing about which accounts exist.

Limits are ``SIGN_IN_FAILURES_PER_EMAIL`` and ``SIGN_IN_FAILURES_PER_ADDRESS`` (the
`limits` notation, e.g. "5 per 15 minutes"), read on every attempt.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from survey.security import limiter


def _counters(email: str) -> list[tuple[RateLimitItem, list[str]]]:
    """Each limit with the key identifiers it is counted under for this request."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    # E-mail addresses are personal data: the shared storage only sees a digest.
    email_digest = hashlib.sha256(email.encode()).hexdigest()
    address = get_remote_address() or "unknown"
    return [
        (
            parse(current_app.config["SIGN_IN_FAILURES_PER_EMAIL"]),
            [part for part in (prefix, "sign-in-failures", "email", email_digest) if part],
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
