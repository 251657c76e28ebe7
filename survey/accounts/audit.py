"""The audit log: who did what, when (UTC). One call per event, in the caller's transaction.

    from survey.accounts import audit
    audit.record("report.downloaded", target=f"agency:{agency.code}", details={"format": "pdf"})
    db.session.commit()

The event is added to the caller's session (``db.session`` unless ``session=`` names
another, such as the one from :func:`survey.db.write_session`), so it is written if and
only if the work it describes is committed. :func:`record_now` writes an event that is
not part of other work (a sign-in attempt, a download) in a transaction of its own.
Details never hold a password or a secret: :func:`record` refuses keys that name one.
"""

from __future__ import annotations

import re

from flask_login import current_user
from sqlalchemy.orm import Session

from survey.accounts.models import AuditEvent, User
from survey.db import db, write_session

#: Detail keys that would put a secret in the log.
_SECRET_KEY = re.compile(r"password|secret|token|hash", re.IGNORECASE)


def record(
    action: str,
    target: str | None = None,
    details: dict | None = None,
    user: User | None = None,
    session: Session | None = None,
) -> AuditEvent:
    """Add an audit event to ``session`` (default ``db.session``); the caller commits.

    ``user`` defaults to the signed-in officer (None on the command line or for an
    unknown person). ``target`` names what was acted on, e.g. ``"user:12"``,
    ``"agency:AG-RG"``. Raises ``ValueError`` when a detail key names a secret.
    """
    forbidden = sorted(key for key in details or {} if _SECRET_KEY.search(key))
    if forbidden:
        raise ValueError(f"audit details must not hold secrets: {', '.join(forbidden)}")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action,
        target=target,
        details=details,
        user_id=user.id if user is not None else None,
    )
    (session or db.session).add(event)
    return event


def record_now(
    action: str,
    target: str | None = None,
    details: dict | None = None,
    user: User | None = None,
) -> None:
    """Write one event in a short transaction of its own (:func:`survey.db.write_session`).

    For events that are not part of other database work: sign-in attempts, downloads.
    """
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    with write_session() as session:
        record(action, target, details, user=user, session=session)
