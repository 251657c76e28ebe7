"""Kiosk devices from the web: register for a desk, pair by the link or its QR code, see the
last contact and unsent count, revoke."""

from __future__ import annotations

import base64
import io
import re

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from survey.accounts.models import AuditEvent, Role
from survey.collect.models import KioskDevice
from survey.db import db, write_session
from tests.collect.kiosk_helpers import submission
from tests.factories import make_agency, make_desk, make_published_version, signed_in_client

BASE_URL = "https://hailong.example.gov.vn"


@pytest.fixture
def admin(app):
    app.config["BASE_URL"] = BASE_URL
    return signed_in_client(app, Role.ADMINISTRATOR)[0]


@pytest.fixture
def place(app):
    with app.app_context(), write_session() as session:
        make_published_version(session)
        agency = make_agency(session, name="UBND xã Mỹ Hòa Hưng")
        desk = make_desk(session, agency=agency, name="Quầy số 1")
        other = make_desk(session, name="Quầy của đơn vị khác")
        return {"agency": agency.id, "desk": desk.id, "other_desk": other.id}


def devices(app) -> list[KioskDevice]:
    with app.app_context():
        return list(db.session.scalars(select(KioskDevice).order_by(KioskDevice.id)))


def register(admin, place, **data):
    return admin.post(
        "/admin/kiosks/new",
        query_string={"agency": place["agency"]},
        data={"service_point": place["desk"], "name": "Máy tính bảng quầy 1", **data},
    )


def test_a_kiosk_registered_on_the_web_pairs_by_its_qr_code(app, admin, place):
    response = register(admin, place)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    link = re.search(r'<code class="pairing-link">([^<]+)</code>', page).group(1)
    assert link.startswith(f"{BASE_URL}/kiosk/pair/")
    image = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    assert [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))] == [
        link
    ]
    [device] = devices(app)
    assert (device.service_point_id, device.name) == (place["desk"], "Máy tính bảng quầy 1")
    tablet = app.test_client()
    path = link.removeprefix(BASE_URL)
    assert tablet.post(path).status_code == 303
    assert tablet.get("/kiosk/").status_code == 200
    assert tablet.post(path).status_code == 404  # the link works once
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "kiosk.registered"))
        assert event.details["after"] == {"service_point": place["desk"], "name": device.name}
        assert event.details["via"] == "web"
        assert path.rsplit("/", 1)[1] not in str(event.details)


def test_the_list_shows_the_last_contact_and_the_unsent_count_the_kiosk_reports(app, admin, place):
    page = register(admin, place).get_data(as_text=True)
    link = re.search(r'<code class="pairing-link">([^<]+)</code>', page).group(1)
    tablet = app.test_client()
    tablet.post(link.removeprefix(BASE_URL))
    listing = admin.get("/admin/kiosks/").get_data(as_text=True)
    assert "Chưa báo cáo" in listing and "Chưa bao giờ" in listing
    answer = tablet.post("/api/v1/responses", json=submission(), headers={"X-Kiosk-Unsent": "4"})
    assert answer.status_code == 201
    [device] = devices(app)
    assert device.unsent_count == 4 and device.last_seen_dt is not None
    tablet.post("/api/v1/responses", json=submission(), headers={"X-Kiosk-Unsent": "0"})
    assert devices(app)[0].unsent_count == 0
    # A nonsense count is ignored, never an error.
    answer = tablet.post("/api/v1/responses", json=submission(), headers={"X-Kiosk-Unsent": "-3"})
    assert answer.status_code == 201 and devices(app)[0].unsent_count == 0
    listing = admin.get("/admin/kiosks/", query_string={"agency": place["agency"]})
    assert "Máy tính bảng quầy 1" in listing.get_data(as_text=True)


def test_a_revoked_kiosk_stops_at_once_and_the_revocation_is_audited(app, admin, place):
    page = register(admin, place).get_data(as_text=True)
    link = re.search(r'<code class="pairing-link">([^<]+)</code>', page).group(1)
    tablet = app.test_client()
    tablet.post(link.removeprefix(BASE_URL))
    [device] = devices(app)
    assert admin.post(f"/admin/kiosks/{device.id}/revoke").status_code == 302
    assert tablet.get("/kiosk/").status_code == 403
    assert tablet.post("/api/v1/responses", json=submission()).status_code == 401
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "kiosk.revoked"))
        assert event.details == {"before": {"state": "paired"}, "after": {"state": "revoked"}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"service_point": "other"}, "Chọn một quầy của cơ quan này."),
        ({"service_point": ""}, "Chọn quầy đặt ki-ốt."),
        ({"name": "x" * 101}, "Tối đa 100 ký tự."),
    ],
)
def test_bad_registrations_are_refused_and_register_nothing(app, admin, place, data, message):
    if data.get("service_point") == "other":
        data = {"service_point": place["other_desk"]}
    response = register(admin, place, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert devices(app) == []
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "kiosk.registered")
            )
            == 0
        )


@pytest.mark.parametrize("role", [Role.REFORM_OFFICE, Role.AGENCY_MANAGER, Role.VIEWER])
def test_only_administrators_register_and_revoke_kiosks(app, place, role):
    client = signed_in_client(app, role)[0]
    assert register(client, place).status_code == 403
    assert client.get("/admin/kiosks/").status_code == 403
    assert devices(app) == []
