"""Procedures: create and edit with a unique national code."""

# ruff: noqa: F811 (the fixtures come from tests/admin/org_helpers.py, imported below)

from __future__ import annotations

from tests.admin.org_helpers import admin, audit_of, reform_office, snapshot, tree  # noqa: F401


def test_create_edit_and_refuse_a_taken_code(app, admin, reform_office, tree):
    data = {"code": "1.001612", "name": "Đăng ký khai sinh", "field": "Hộ tịch"}
    assert admin.post("/admin/procedures/new", data=data).status_code == 303
    assert (
        admin.post(
            "/admin/procedures/new", data={**data, "code": "1.000894", "name": "Đăng ký kết hôn"}
        ).status_code
        == 303
    )
    before = snapshot(app)
    taken = admin.post("/admin/procedures/new", data=data)
    assert taken.status_code == 400 and "already used" in taken.get_data(as_text=True)
    for bad in ({**data, "code": ""}, {**data, "field": ""}, {**data, "name": "=1+1"}):
        assert (
            admin.post("/admin/procedures/new", data={**bad, "code": bad["code"] or ""}).status_code
            == 400
        )
    assert (
        reform_office.post("/admin/procedures/new", data={**data, "code": "9.9"}).status_code == 403
    )
    assert snapshot(app) == before
    page = admin.get("/admin/procedures/?q=kết hôn").get_data(as_text=True)
    assert "1.000894" in page and "1.001612" not in page
    (created, _second) = audit_of(app, "procedure.created")
    assert created["after"] == data
