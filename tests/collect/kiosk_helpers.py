"""Shared by the kiosk and API tests: a desk with officials, a registered and paired kiosk.

Tests that send requests hold no application context between them (each request opens
its own, as in production); database work in the tests opens a short one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from survey.accounts.models import AuditEvent
from survey.collect.devices import register_kiosk
from survey.collect.models import Answer, KioskDevice, Response
from survey.db import db, write_session
from survey.questionnaires.definition import builtin_definitions
from tests.factories import make_desk, make_official, make_published_version


@dataclass
class Desk:
    code: str
    desk_id: int
    official_code: str
    official_id: int
    other_official_code: str


def make_kiosk_desk(app) -> Desk:
    """A desk with one official, an official of another desk, and the quick rating published."""
    with app.app_context(), write_session() as session:
        make_published_version(session)
        desk = make_desk(session)
        official = make_official(session, desk)
        other = make_official(session, make_desk(session, agency=desk.agency, name="Quầy số 2"))
        return Desk(
            code=desk.active_code.code,
            desk_id=desk.id,
            official_code=official.active_code.code,
            official_id=official.id,
            other_official_code=other.active_code.code,
        )


def register(app, code: str, name: str | None = None) -> tuple[int, str]:
    with app.app_context(), write_session() as session:
        registration = register_kiosk(session, code, name)
        return registration.device.id, registration.pairing_token


def paired_client(app, code: str):
    """A test client holding a paired kiosk's cookie, with the device id and credential."""
    device_id, token = register(app, code)
    client = app.test_client()
    answer = client.post(f"/kiosk/pair/{token}")
    assert answer.status_code == 303
    credential = client.get_cookie("kiosk_device", path="/api/v1").value
    return client, device_id, credential


def submission(**changes) -> dict:
    body = {
        "uuid": str(uuid.uuid4()),
        "questionnaire": "onestop-quick",
        "version": builtin_definitions()["onestop-quick"]["version"],
        "answers": {"overall_satisfaction": 3, "result_timeliness": "na"},
        "language": "vi",
        "submitted_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    body.update(changes)
    return body


def database_state(app) -> tuple:
    """What a refused request must leave untouched."""
    with app.app_context():
        return _database_state()


def _database_state() -> tuple:
    return (
        db.session.scalar(select(func.count(Response.id))),
        db.session.scalar(select(func.count()).select_from(Answer)),
        db.session.scalar(select(func.count(AuditEvent.id))),
        tuple(
            db.session.execute(
                select(KioskDevice.id, KioskDevice.credential_hash, KioskDevice.revoked_dt)
            ).all()
        ),
    )
