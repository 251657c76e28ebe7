"""The agency tree pages: browse, search, create, rename, move, close, merge and split."""

# ruff: noqa: F811 (the fixtures come from tests/admin/org_helpers.py, imported below)

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from survey.db import db
from survey.org.models import Agency, AgencySuccession, SuccessionKind
from tests.admin.org_helpers import (  # noqa: F401 (fixtures)
    admin,
    agency,
    audit_of,
    reform_office,
    signed_in,
    snapshot,
    tree,
)
from tests.factories import make_agency

MERGER_DAY = date(2025, 7, 1)


def test_the_tree_opens_one_level_at_a_time(app, admin, tree):
    top = admin.get("/admin/agencies/").get_data(as_text=True)
    assert "Tỉnh An Giang" in top and "Xã Mỹ Hòa" not in top
    level = admin.get(f"/admin/agencies/?parent={tree.province}").get_data(as_text=True)
    assert "Xã Mỹ Hòa" in level and "Xã Bình Đức" in level


def test_search_finds_by_name_or_code_and_pages_through_hundreds(app, admin, tree):
    with app.app_context():
        parent = db.session.get(Agency, tree.province)
        for number in range(120):
            make_agency(
                db.session, code=f"W{number:03}", name=f"Phường số {number:03}", parent=parent
            )
        db.session.commit()
    first = admin.get("/admin/agencies/?q=phường").get_data(as_text=True)
    assert "Phường số 000" in first and "Phường số 050" not in first
    assert "Page 1 of 3" in first
    third = admin.get("/admin/agencies/?q=phường&page=3").get_data(as_text=True)
    assert "Phường số 119" in third
    assert "Xã Mỹ Hòa" in admin.get("/admin/agencies/?q=xa").get_data(as_text=True)
    picked = admin.get("/admin/agencies/search.json?q=W00").get_json()
    assert [unit["code"] for unit in picked][:3] == ["W000", "W001", "W002"]
    assert len(picked) <= 15


def test_an_administrator_creates_a_unit_under_a_parent_found_by_code(app, admin, tree):
    response = admin.post(
        "/admin/agencies/new",
        data={
            "code": "PRG",
            "name": "UBND phường Rạch Giá",
            "name_en": "Rach Gia Ward People's Committee",
            "name_km": "គណៈកម្មាធិការប្រជាជនសង្កាត់ Rach Gia",
            "kind": "UBND phường",
            "parent_code": "P",
            "valid_from": "01/07/2025",
        },
    )
    assert response.status_code == 303
    created = agency(app, "PRG")
    assert created.parent_id == tree.province and created.valid_from == MERGER_DAY
    assert created.name_km.startswith("គណៈ")
    (event,) = audit_of(app, "agency.created")
    assert event["before"] is None and event["after"]["parent_code"] == "P"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "", "Enter a code."),
        ("code", "A B", "A code has 1 to 40"),
        ("code", "XA", "already used"),
        ("name", "", "Enter the official name."),
        ("name", '=HYPERLINK("http://evil")', "must not start with"),
        ("parent_code", "NOPE", "No unit has this code"),
        ("valid_from", "31/02/2025", "Enter a date"),
        ("valid_to", "2024-01-01", "after the opening date"),
    ],
)
def test_a_bad_new_unit_is_refused_with_a_message_and_nothing_changes(
    app, admin, tree, field, value, message
):
    before = snapshot(app)
    data = {
        "code": "NEW",
        "name": "Phường mới",
        "kind": "UBND phường",
        "parent_code": "P",
        "valid_from": "2025-07-01",
        field: value,
    }
    response = admin.post("/admin/agencies/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_vietnamese_messages(app, admin, tree):
    response = admin.post("/admin/agencies/new?lang=vi", data={"code": "", "name": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nhập mã." in page and "Nhập tên chính thức." in page


def test_rename_and_move_are_audited_with_before_and_after(app, admin, tree):
    response = admin.post(
        f"/admin/agencies/{tree.commune_a}/edit",
        data={
            "code": "XA",
            "name": "Xã Mỹ Hòa Hưng",
            "name_en": "My Hoa Hung Commune",
            "kind": "UBND xã",
            "parent_code": "",
        },
    )
    assert response.status_code == 303
    moved = agency(app, "XA")
    assert moved.name == "Xã Mỹ Hòa Hưng" and moved.parent_id is None
    (event,) = audit_of(app, "agency.updated")
    assert event["before"]["name"] == "Xã Mỹ Hòa" and event["before"]["parent_code"] == "P"
    assert event["after"]["name"] == "Xã Mỹ Hòa Hưng" and event["after"]["parent_code"] == ""


@pytest.mark.parametrize("new_parent", ["P", "XA"])
def test_a_move_under_itself_or_its_descendant_is_refused(app, admin, tree, new_parent):
    with app.app_context():
        make_agency(
            db.session,
            code="XA1",
            name="Bộ phận Một cửa",
            parent=db.session.get(Agency, tree.commune_a),
        )
        db.session.commit()
    before = snapshot(app)
    target = tree.province
    # The province under itself, or under its grandchild XA1 (through XA).
    parent_code = "P" if new_parent == "P" else "XA1"
    response = admin.post(
        f"/admin/agencies/{target}/edit",
        data={"code": "P", "name": "Tỉnh An Giang", "kind": "Tỉnh", "parent_code": parent_code},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "own parent" in page or "own descendant" in page
    assert snapshot(app) == before


def test_closing_a_unit_closes_its_open_units_inside(app, admin, tree):
    with app.app_context():
        make_agency(
            db.session,
            code="XA1",
            name="Bộ phận Một cửa",
            parent=db.session.get(Agency, tree.commune_a),
        )
        db.session.commit()
    response = admin.post(f"/admin/agencies/{tree.commune_a}/close", data={"day": "2025-07-01"})
    assert response.status_code == 303
    assert agency(app, "XA").valid_to == MERGER_DAY
    assert agency(app, "XA1").valid_to == MERGER_DAY
    assert agency(app, "XB").valid_to is None
    (event,) = audit_of(app, "agency.closed")
    assert event["before"] == {"XA": "", "XA1": ""}
    assert event["after"] == {"XA": "2025-07-01", "XA1": "2025-07-01"}


def test_a_merger_into_a_new_ward_closes_the_communes_and_links_them(app, admin, tree):
    response = admin.post(
        "/admin/agencies/reorganise",
        data={
            "kind": "merger",
            "predecessor_codes": "XA, XB",
            "effective_date": "01/07/2025",
            "new_code": "PMH",
            "new_name": "Phường Mỹ Hòa",
            "new_kind": "UBND phường",
            "new_parent_code": "P",
        },
    )
    assert response.status_code == 303
    ward = agency(app, "PMH")
    assert ward.valid_from == MERGER_DAY and ward.parent_id == tree.province
    assert agency(app, "XA").valid_to == MERGER_DAY == agency(app, "XB").valid_to
    with app.app_context():
        links = db.session.execute(
            select(
                AgencySuccession.predecessor_id,
                AgencySuccession.successor_id,
                AgencySuccession.kind,
                AgencySuccession.effective_date,
            )
        ).all()
    assert sorted(links) == sorted(
        [
            (tree.commune_a, ward.id, SuccessionKind.MERGER, MERGER_DAY),
            (tree.commune_b, ward.id, SuccessionKind.MERGER, MERGER_DAY),
        ]
    )
    (event,) = audit_of(app, "agency.merger")
    assert event["predecessors"] == ["XA", "XB"] and event["successors"] == ["PMH"]


def test_a_split_into_existing_units(app, admin, tree):
    with app.app_context():
        province = db.session.get(Agency, tree.province)
        for code in ("N1", "N2"):
            make_agency(db.session, code=code, parent=province, valid_from=MERGER_DAY)
        db.session.commit()
    response = admin.post(
        "/admin/agencies/reorganise",
        data={
            "kind": "split",
            "predecessor_codes": "XA",
            "successor_codes": "N1 N2",
            "effective_date": "2025-07-01",
        },
    )
    assert response.status_code == 303
    assert agency(app, "XA").valid_to == MERGER_DAY
    assert len(audit_of(app, "agency.split")) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "merger", "predecessor_codes": "XA", "successor_codes": "XA"},
            "both before and after",
        ),
        (
            {"kind": "merger", "predecessor_codes": "XA", "successor_codes": "XB P"},
            "exactly one successor",
        ),
        (
            {"kind": "split", "predecessor_codes": "XA XB", "successor_codes": "P"},
            "exactly one unit",
        ),
        ({"kind": "merger", "predecessor_codes": "XA NOPE", "successor_codes": "XB"}, "NOPE"),
        ({"kind": "merger", "predecessor_codes": "XA", "successor_codes": ""}, "or a new unit"),
        (
            {"kind": "sideways", "predecessor_codes": "XA", "successor_codes": "XB"},
            "Not a valid choice",
        ),
    ],
)
def test_a_wrong_reorganisation_is_refused_and_changes_nothing(app, admin, tree, data, message):
    before = snapshot(app)
    response = admin.post(
        "/admin/agencies/reorganise", data={"effective_date": "2025-07-01", **data}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_reorganisation_that_goes_round_in_a_circle_is_refused(app, admin, tree):
    first = admin.post(
        "/admin/agencies/reorganise",
        data={
            "kind": "merger",
            "predecessor_codes": "XA",
            "successor_codes": "XB",
            "effective_date": "2025-07-01",
        },
    )
    assert first.status_code == 303
    before = snapshot(app)
    # XB now carries on XA; XA (closed) cannot carry on XB.
    response = admin.post(
        "/admin/agencies/reorganise",
        data={
            "kind": "merger",
            "predecessor_codes": "XB",
            "successor_codes": "XA",
            "effective_date": "2025-06-01",
        },
    )
    assert response.status_code == 400
    assert "circle" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_the_reform_office_may_look_but_not_change(app, reform_office, tree):
    assert reform_office.get(f"/admin/agencies/{tree.province}").status_code == 200
    assert reform_office.get("/admin/agencies/export.csv").status_code == 200
    before = snapshot(app)
    for url, data in [
        ("/admin/agencies/new", {"code": "Z", "name": "Z", "kind": "Z"}),
        (f"/admin/agencies/{tree.commune_a}/close", {"day": "2025-07-01"}),
        (
            "/admin/agencies/reorganise",
            {
                "kind": "merger",
                "predecessor_codes": "XA",
                "successor_codes": "XB",
                "effective_date": "2025-07-01",
            },
        ),
    ]:
        assert reform_office.post(url, data=data).status_code == 403
    assert snapshot(app) == before


def test_a_form_without_its_security_token_changes_nothing(app, tree):
    client = signed_in(app)
    app.config["WTF_CSRF_ENABLED"] = True
    before = snapshot(app)
    response = client.post(
        "/admin/agencies/new?lang=vi", data={"code": "Z", "name": "Z", "kind": "Z"}
    )
    assert response.status_code == 303
    assert snapshot(app) == before
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Không có gì thay đổi" in page
