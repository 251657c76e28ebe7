"""Officials: create, edit, deactivate; only administrators change them."""

# ruff: noqa: F811 (the fixtures come from tests/admin/org_helpers.py, imported below)

from __future__ import annotations

from datetime import date

from survey.db import db
from survey.org.models import Official
from tests.admin.org_helpers import admin, audit_of, reform_office, snapshot, tree  # noqa: F401


def official(app, official_id):
    with app.app_context():
        person = db.session.get(Official, official_id)
        return person.name, person.agency.code, person.active_to, len(person.public_codes)


def test_create_edit_and_deactivate(app, admin, tree):
    response = admin.post(
        "/admin/officials/new",
        data={
            "agency_code": "XB",
            "name": "Trần Thị Bình",
            "title": "Chuyên viên",
            "active_from": "2025-01-01",
        },
    )
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert official(app, new_id) == ("Trần Thị Bình", "XB", None, 1)  # with a personal QR code
    assert (
        admin.post(
            f"/admin/officials/{new_id}/edit",
            data={"agency_code": "XA", "name": "Trần Thị Bích", "title": "Chuyên viên chính"},
        ).status_code
        == 303
    )
    assert official(app, new_id)[:2] == ("Trần Thị Bích", "XA")
    assert admin.post(f"/admin/officials/{new_id}/active", data={"active": "0"}).status_code == 303
    assert official(app, new_id)[2] is not None and official(app, new_id)[
        2
    ] <= date.today().replace(year=date.today().year + 1)
    (updated,) = audit_of(app, "official.updated")
    assert updated["before"]["name"] == "Trần Thị Bình" and updated["after"]["agency_code"] == "XA"
    assert len(audit_of(app, "official.deactivated")) == 1
    assert admin.post(f"/admin/officials/{new_id}/active", data={"active": "1"}).status_code == 303
    assert official(app, new_id)[2] is None


def test_bad_official_forms_change_nothing(app, admin, tree):
    before = snapshot(app)
    for data in (
        {"agency_code": "XA", "name": ""},
        {"agency_code": "", "name": "Ai"},
        {"agency_code": "XA", "name": "-Ai"},
        {"agency_code": "XA", "name": "Ai", "active_from": "2025-07-01", "active_to": "2025-01-01"},
        {"agency_code": "XA", "name": "Ai", "active_from": "hôm qua"},
    ):
        response = admin.post("/admin/officials/new", data=data)
        assert response.status_code == 400, data
    assert snapshot(app) == before
    assert admin.get("/admin/officials/987654").status_code == 404


def test_the_reform_office_cannot_change_officials(app, reform_office, tree):
    before = snapshot(app)
    assert reform_office.get(f"/admin/officials/{tree.official}").status_code == 200
    assert (
        reform_office.post(
            f"/admin/officials/{tree.official}/active", data={"active": "0"}
        ).status_code
        == 403
    )
    assert (
        reform_office.post(
            f"/admin/officials/{tree.official}/edit", data={"agency_code": "XA", "name": "X"}
        ).status_code
        == 403
    )
    assert snapshot(app) == before
