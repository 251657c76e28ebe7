"""Desks: create, edit, deactivate, assign officials; old desks' QR codes after a merger."""

# ruff: noqa: F811 (the fixtures come from tests/admin/org_helpers.py, imported below)

from __future__ import annotations

from sqlalchemy import select

from survey.db import db
from survey.org.models import Official, ServicePoint
from tests.admin.org_helpers import admin, audit_of, reform_office, snapshot, tree  # noqa: F401
from tests.factories import make_desk, make_published_version


def desk(app, desk_id) -> tuple:
    with app.app_context():
        point = db.session.get(ServicePoint, desk_id)
        return point.name, point.agency.code, point.is_active, [o.id for o in point.officials]


def test_a_new_desk_gets_a_qr_code_that_works(app, admin, tree):
    with app.app_context():
        make_published_version(db.session)
        db.session.commit()
    response = admin.post(
        "/admin/service-points/new", data={"agency_code": "XB", "name": "Quầy số 2 – Hộ tịch"}
    )
    assert response.status_code == 303
    with app.app_context():
        created = db.session.scalar(
            select(ServicePoint).where(ServicePoint.name.like("Quầy số 2%"))
        )
        code = created.active_code.code
    assert app.test_client().get(f"/q/{code}").status_code == 200
    (event,) = audit_of(app, "service_point.created")
    assert event["after"]["agency"] == "XB"


def test_bad_desk_forms_change_nothing(app, admin, tree):
    before = snapshot(app)
    for data in (
        {"agency_code": "NOPE", "name": "Quầy"},
        {"agency_code": "XA", "name": ""},
        {"agency_code": "XA", "name": "@Quầy"},
        {"agency_code": "XA", "name": "x" * 201},
    ):
        assert admin.post("/admin/service-points/new", data=data).status_code == 400
    assert snapshot(app) == before


def test_edit_deactivate_and_assign_are_audited(app, admin, tree):
    url = f"/admin/service-points/{tree.desk}"
    assert (
        admin.post(f"{url}/edit", data={"agency_code": "XA", "name": "Quầy 1A"}).status_code == 303
    )
    assert desk(app, tree.desk)[0] == "Quầy 1A"
    with app.app_context():
        other = Official(agency_id=tree.commune_a, name="Trần Thị Bình")
        stranger = Official(agency_id=tree.commune_b, name="Lê Văn Cường")
        db.session.add_all([other, stranger])
        db.session.commit()
        other_id, stranger_id = other.id, stranger.id
    assert admin.post(f"{url}/officials", data={"official_id": other_id}).status_code == 303
    assert sorted(desk(app, tree.desk)[3]) == sorted([tree.official, other_id])
    # An official of another unit cannot be put at this desk.
    admin.post(f"{url}/officials", data={"official_id": stranger_id})
    assert stranger_id not in desk(app, tree.desk)[3]
    admin.post(f"{url}/officials", data={"official_id": tree.official, "remove": "1"})
    assert desk(app, tree.desk)[3] == [other_id]
    assert admin.post(f"{url}/active", data={"active": "0"}).status_code == 303
    assert desk(app, tree.desk)[2] is False
    polite = app.test_client().get(f"/q/{tree.desk_code}?lang=en")
    assert polite.status_code == 410
    assert admin.post(f"{url}/active", data={"active": "maybe"}).status_code == 303
    assert desk(app, tree.desk)[2] is False
    actions = [event["after"]["is_active"] for event in audit_of(app, "service_point.deactivated")]
    assert actions == [False]
    assert len(audit_of(app, "service_point.officials_changed")) == 2


def test_the_reform_office_cannot_change_desks(app, reform_office, tree):
    before = snapshot(app)
    assert reform_office.get(f"/admin/service-points/{tree.desk}").status_code == 200
    assert (
        reform_office.post(
            f"/admin/service-points/{tree.desk}/active", data={"active": "0"}
        ).status_code
        == 403
    )
    assert (
        reform_office.post(
            "/admin/service-points/new", data={"agency_code": "XA", "name": "Q"}
        ).status_code
        == 403
    )
    assert snapshot(app) == before


def test_after_a_merger_the_old_desk_sends_citizens_to_the_successor(app, admin, tree):
    with app.app_context():
        make_published_version(db.session)
        db.session.commit()
    response = admin.post(
        "/admin/agencies/reorganise",
        data={
            "kind": "merger",
            "predecessor_codes": "XA XB",
            "effective_date": "2025-07-01",
            "new_code": "PMH",
            "new_name": "Phường Mỹ Hòa",
            "new_kind": "UBND phường",
            "new_parent_code": "P",
        },
    )
    assert response.status_code == 303
    before = app.test_client().get(f"/q/{tree.desk_code}?lang=vi")
    assert before.status_code == 410
    assert "Ông/Bà" in before.get_data(as_text=True)  # the polite page: no successor desk yet
    with app.app_context():
        from survey.org.models import Agency

        ward = db.session.scalar(select(Agency).where(Agency.code == "PMH"))
        new_desk = make_desk(db.session, ward, name="Quầy tiếp nhận")
        db.session.commit()
        new_code = new_desk.active_code.code
    page = app.test_client().get(f"/q/{tree.desk_code}?lang=en")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "This office has been reorganised" in text
    assert f'href="/q/{new_code}"' in text and "Phường Mỹ Hòa – Quầy tiếp nhận" in text
    assert app.test_client().get(f"/q/{new_code}").status_code == 200
