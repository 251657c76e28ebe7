"""An organisation after the July 2025 reorganisation, an officer of each role, sign-in helpers.

    province ─┬─ district (until 1/7/2025) ── commune (until 1/7/2025) ── commune desk unit
              ├─ ward (from 1/7/2025; the commune merged into it)
              └─ other ward (from 1/7/2025)

The scoped officers (agency manager, viewer) belong to the ward: they see the ward, the
commune merged into it and the commune's own unit, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from survey.accounts.models import AuditEvent, Role
from survey.db import db
from survey.org.models import AgencySuccession, SuccessionKind
from tests.factories import OFFICER_PASSWORD, make_agency, make_user

REORGANISATION = date(2025, 7, 1)


@dataclass(frozen=True)
class World:
    """Ids and e-mail addresses only: objects would outlive their database session."""

    agencies: dict[str, int]
    emails: dict[Role, str]

    def inside(self, role: Role) -> list[str]:
        """Names of the agencies ``role`` may see."""
        if role in (Role.AGENCY_MANAGER, Role.VIEWER):
            return ["ward", "commune", "commune_unit"]
        return list(self.agencies)

    def outside(self, role: Role) -> list[str]:
        return [name for name in self.agencies if name not in self.inside(role)]


@pytest.fixture
def world(app) -> World:
    with app.app_context():
        session = db.session
        province = make_agency(session, code="P", name="Tỉnh An Giang", kind="Tỉnh")
        district = make_agency(
            session,
            code="D",
            name="Huyện cũ",
            kind="Huyện",
            parent=province,
            valid_to=REORGANISATION,
        )
        commune = make_agency(
            session,
            code="C",
            name="Xã cũ",
            kind="UBND xã",
            parent=district,
            valid_to=REORGANISATION,
        )
        commune_unit = make_agency(
            session,
            code="CU",
            name="Bộ phận Một cửa xã cũ",
            kind="Bộ phận Một cửa",
            parent=commune,
            valid_to=REORGANISATION,
        )
        ward = make_agency(
            session,
            code="W",
            name="Phường Rạch Giá",
            kind="UBND phường",
            parent=province,
            valid_from=REORGANISATION,
        )
        other_ward = make_agency(
            session,
            code="X",
            name="Phường Long Xuyên",
            kind="UBND phường",
            parent=province,
            valid_from=REORGANISATION,
        )
        session.add(
            AgencySuccession(
                predecessor=commune,
                successor=ward,
                kind=SuccessionKind.MERGER,
                effective_date=REORGANISATION,
            )
        )
        emails = {}
        for role in Role:
            agency = ward if role in (Role.AGENCY_MANAGER, Role.VIEWER) else None
            emails[role] = make_user(
                session, role, agency=agency, email=f"{role.value}@hailong.example"
            ).email
        agencies = {
            "province": province.id,
            "district": district.id,
            "commune": commune.id,
            "commune_unit": commune_unit.id,
            "ward": ward.id,
            "other_ward": other_ward.id,
        }
        session.commit()
    return World(agencies=agencies, emails=emails)


def sign_in(client, email, password=OFFICER_PASSWORD, **query):
    """Post the sign-in form; returns the response (not followed)."""
    return client.post("/sign-in", query_string=query, data={"email": email, "password": password})


def audit_events(app, action=None) -> list[AuditEvent]:
    with app.app_context():
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            statement = statement.where(AuditEvent.action == action)
        return list(db.session.scalars(statement))
