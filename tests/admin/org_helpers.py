"""Helpers of the organisation tests: a signed-in administrator and a small tree.

province P ─┬─ commune A (desk with a QR code, an official)
            └─ commune B
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from survey.accounts.models import AuditEvent, Role
from survey.db import db
from survey.org.models import Agency, AgencySuccession, Official, Procedure, ServicePoint
from tests.factories import OFFICER_PASSWORD, make_agency, make_desk, make_official, make_user


@dataclass(frozen=True)
class Tree:
    province: int
    commune_a: int
    commune_b: int
    desk: int
    desk_code: str
    official: int


@pytest.fixture
def tree(app) -> Tree:
    with app.app_context():
        session = db.session
        province = make_agency(session, code="P", name="Tỉnh An Giang", kind="Tỉnh")
        commune_a = make_agency(session, code="XA", name="Xã Mỹ Hòa", parent=province)
        commune_b = make_agency(session, code="XB", name="Xã Bình Đức", parent=province)
        desk = make_desk(session, commune_a)
        official = make_official(session, desk)
        session.commit()
        return Tree(
            province.id,
            commune_a.id,
            commune_b.id,
            desk.id,
            desk.active_code.code,
            official.id,
        )


def signed_in(app, role: Role = Role.ADMINISTRATOR):
    with app.app_context():
        email = make_user(db.session, role).email
        db.session.commit()
    client = app.test_client()
    # Messages are asserted in English; Vietnamese (the default) is tested with ?lang=vi.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/sign-in", data={"email": email, "password": OFFICER_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def admin(app):
    return signed_in(app)


@pytest.fixture
def reform_office(app):
    return signed_in(app, Role.REFORM_OFFICE)


def snapshot(app) -> dict:
    """Everything the organisation pages may change, to prove a refusal changed nothing."""
    with app.app_context():
        session = db.session
        return {
            "agencies": session.execute(
                select(
                    Agency.code,
                    Agency.name,
                    Agency.name_en,
                    Agency.kind,
                    Agency.parent_id,
                    Agency.valid_from,
                    Agency.valid_to,
                ).order_by(Agency.code)
            ).all(),
            "successions": session.scalar(select(func.count()).select_from(AgencySuccession)),
            "desks": session.execute(
                select(ServicePoint.name, ServicePoint.is_active).order_by(ServicePoint.id)
            ).all(),
            "officials": session.execute(
                select(Official.name, Official.agency_id, Official.active_to).order_by(Official.id)
            ).all(),
            "procedures": session.execute(
                select(Procedure.code, Procedure.name).order_by(Procedure.code)
            ).all(),
            "audit": session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action != "login.succeeded")
            ),
        }


def audit_of(app, action: str) -> list[dict]:
    with app.app_context():
        return [
            {"target": event.target, **(event.details or {})}
            for event in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        ]


def agency(app, code: str) -> Agency | None:
    with app.app_context():
        unit = db.session.scalar(select(Agency).where(Agency.code == code))
        if unit is not None:
            db.session.expunge(unit)
        return unit
