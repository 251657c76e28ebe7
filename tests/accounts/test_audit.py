"""The audit log: who, what, when (UTC); in the caller's transaction; never a secret."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from survey.accounts import audit
from survey.accounts.models import AuditEvent, Role, User
from survey.db import db, utcnow
from tests.accounts.conftest import audit_events, sign_in
from tests.factories import OFFICER_PASSWORD


def test_an_event_is_written_only_when_the_caller_commits(app):
    with app.app_context():
        audit.record("report.downloaded", target="agency:W", details={"format": "pdf"})
        db.session.rollback()
        assert db.session.scalars(select(AuditEvent)).all() == []
        audit.record("report.downloaded", target="agency:W", details={"format": "pdf"})
        db.session.commit()
    [event] = audit_events(app)
    assert (event.action, event.target, event.details) == (
        "report.downloaded",
        "agency:W",
        {"format": "pdf"},
    )
    assert event.user_id is None
    assert abs(event.occurred_dt - utcnow()) < timedelta(minutes=1)


@pytest.mark.parametrize("key", ["password", "new_password", "api_token", "Secret", "hash"])
def test_secrets_are_refused(app, key):
    with app.app_context(), pytest.raises(ValueError, match=key):
        audit.record("user.changed", details={"email": "a@b.example", key: "x"})


def test_the_signed_in_officer_is_the_default_actor(app, client, world):
    @app.get("/test-only/download")
    def download():
        audit.record_now("report.downloaded", details={"format": "csv"})
        return "ok"

    sign_in(client, world.emails[Role.VIEWER])
    client.get("/test-only/download")
    [event] = audit_events(app, "report.downloaded")
    with app.app_context():
        viewer = db.session.scalar(select(User).where(User.role == Role.VIEWER))
        assert event.user_id == viewer.id


def test_sign_in_attempts_never_store_the_password(app, client, world):
    sign_in(client, world.emails[Role.VIEWER], "the wrong passphrase")
    sign_in(client, "nobody@hailong.example", "another wrong passphrase")
    sign_in(client, world.emails[Role.VIEWER])
    client.post("/sign-out")
    actions = [event.action for event in audit_events(app)]
    assert actions == ["login.failed", "login.failed", "login.succeeded", "logout"]
    stored = repr([(event.target, event.details) for event in audit_events(app)])
    for secret in ("the wrong passphrase", "another wrong passphrase", OFFICER_PASSWORD):
        assert secret not in stored
