"""Small factories for tests: the least data that makes a realistic case."""

from __future__ import annotations

import functools
import itertools

from survey.accounts.models import Role, User
from survey.org.models import Agency, Official, PublicCode, ServicePoint
from survey.questionnaires.definition import builtin_definitions
from survey.questionnaires.install import publish_definition

_numbers = itertools.count(1)


def make_agency(session, code=None, **values) -> Agency:
    number = next(_numbers)
    agency = Agency(
        code=code or f"AG-{number}",
        name=values.pop("name", f"Đơn vị {number}"),
        kind=values.pop("kind", "UBND xã"),
        **values,
    )
    session.add(agency)
    session.flush()
    return agency


def make_desk(session, agency=None, name="Quầy số 1", with_code=True) -> ServicePoint:
    desk = ServicePoint(agency=agency or make_agency(session), name=name)
    if with_code:
        desk.public_codes.append(PublicCode())
    session.add(desk)
    session.flush()
    return desk


def make_official(session, desk, name="Nguyễn Văn An") -> Official:
    official = Official(agency=desk.agency, name=name, title="Chuyên viên")
    official.service_points.append(desk)
    official.public_codes.append(PublicCode())
    session.add(official)
    session.flush()
    return official


def make_published_version(session, key="onestop-quick"):
    return publish_definition(session, builtin_definitions()[key])


OFFICER_PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash(password: str) -> str:
    """Argon2 is slow on purpose: hash each test password once per run."""
    user = User()
    user.set_password(password)
    return user.password_hash


def make_user(session, role, agency=None, email=None, password=OFFICER_PASSWORD, **values):
    number = next(_numbers)
    user = User(
        email=email or f"officer{number}@hailong.example",
        role=Role(role),
        agency=agency,
        password_hash=_password_hash(password),
        **values,
    )
    session.add(user)
    session.flush()
    return user


def signed_in_client(app, role, agency_id=None):
    """A test client signed in as a new officer of ``role``; returns (client, user id)."""
    from survey.db import db

    with app.app_context():
        agency = db.session.get(Agency, agency_id) if agency_id is not None else None
        user = make_user(db.session, role, agency=agency)
        email, user_id = user.email, user.id
        db.session.commit()
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": OFFICER_PASSWORD})
    assert response.status_code == 302, response.status_code
    return client, user_id
