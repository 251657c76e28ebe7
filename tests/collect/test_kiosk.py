"""Registering, pairing and revoking kiosks; the kiosk page and what it embeds."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from survey.accounts.models import AuditEvent
from survey.collect.models import KioskDevice
from survey.db import db, utcnow, write_session
from survey.org.models import Official, PublicCode, ServicePoint
from survey.questionnaires.definition import builtin_definitions
from tests.collect.kiosk_helpers import (
    database_state,
    make_kiosk_desk,
    paired_client,
    register,
    submission,
)


@pytest.fixture
def desk(app):
    return make_kiosk_desk(app)


def device(app, device_id) -> KioskDevice:
    with app.app_context():
        return db.session.get(KioskDevice, device_id)


def page_data(answer) -> dict:
    match = re.search(
        r'<script type="application/json" id="kiosk-data">(.*?)</script>', answer.text, re.S
    )
    return json.loads(match.group(1))


# --------------------------------------------------------------------------- command line


def test_register_kiosk_prints_a_one_time_pairing_link(app, runner, desk):
    result = runner.invoke(args=["register-kiosk", "--service-point", desk.code, "--name", "Tab 1"])
    assert result.exit_code == 0, result.output
    link = re.search(r"http://127\.0\.0\.1:8000/kiosk/pair/(\S+)", result.output)
    assert link
    with app.app_context():
        stored = db.session.scalar(select(KioskDevice))
        assert stored.name == "Tab 1"
        assert stored.service_point_id == desk.desk_id
        assert stored.credential_hash is None
        # Only a hash of the token is kept.
        assert link.group(1) not in (stored.pairing_token_hash or "")
        assert db.session.scalar(select(AuditEvent.action)) == "kiosk.registered"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unknown", "no desk has the public code"),
        ("revoked", "was revoked"),
        ("inactive", "no longer in service"),
        ("official", "is an official's code"),
    ],
)
def test_register_kiosk_refuses_codes_that_are_not_an_active_desk(
    app, runner, desk, change, message
):
    code = desk.code
    with app.app_context(), write_session() as session:
        public_code = session.scalar(select(PublicCode).where(PublicCode.code == desk.code))
        if change == "unknown":
            code = "nosuchcode"
        elif change == "revoked":
            public_code.revoked_dt = utcnow()
        elif change == "inactive":
            session.get(ServicePoint, desk.desk_id).is_active = False
        else:
            code = desk.official_code
    before = database_state(app)
    result = runner.invoke(args=["register-kiosk", "--service-point", code])
    assert result.exit_code != 0
    assert message in result.output
    assert database_state(app) == before


def test_revoke_kiosk_stops_the_device_at_once(app, runner, desk):
    client, device_id, _ = paired_client(app, desk.code)
    result = runner.invoke(args=["revoke-kiosk", str(device_id)])
    assert result.exit_code == 0, result.output
    assert device(app, device_id).revoked_dt is not None
    page = client.get("/kiosk/", headers={"Accept-Language": "en"})
    assert page.status_code == 403
    assert "This device is no longer registered" in page.text
    assert client.post("/api/v1/responses", json=submission()).status_code == 401


def test_revoke_kiosk_of_an_unknown_device_fails_clearly(runner, desk):
    result = runner.invoke(args=["revoke-kiosk", "999"])
    assert result.exit_code != 0
    assert "no kiosk has the id 999" in result.output


# --------------------------------------------------------------------------- pairing


def test_the_pairing_page_only_asks_for_confirmation(app, desk):
    device_id, token = register(app, desk.code)
    before = database_state(app)
    client = app.test_client()
    page = client.get(f"/kiosk/pair/{token}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Pair this tablet" in page.text
    assert 'method="post"' in page.text
    assert client.get_cookie("kiosk_device", path="/kiosk") is None
    assert database_state(app) == before
    assert device(app, device_id).paired_dt is None


def test_pairing_sets_a_strict_http_only_cookie_for_the_kiosk_paths(app, desk):
    device_id, token = register(app, desk.code)
    client = app.test_client()
    answer = client.post(f"/kiosk/pair/{token}")
    assert answer.status_code == 303
    assert answer.location.endswith("/kiosk/")
    cookies = answer.headers.getlist("Set-Cookie")
    device_cookies = [cookie for cookie in cookies if cookie.startswith("kiosk_device=")]
    assert {re.search(r"Path=([^;]+)", cookie).group(1) for cookie in device_cookies} == {
        "/kiosk",
        "/api/v1",
    }
    for cookie in device_cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Secure" not in cookie  # served over plain HTTP in tests
    paired = device(app, device_id)
    assert paired.paired_dt is not None
    assert paired.pairing_token_hash is None
    credential = client.get_cookie("kiosk_device", path="/kiosk").value
    assert paired.credential_hash != credential
    assert client.get("/kiosk/").status_code == 200


def test_the_cookie_is_secure_in_production(app, desk):
    app.config["SESSION_COOKIE_SECURE"] = True
    _, token = register(app, desk.code)
    answer = app.test_client().post(f"/kiosk/pair/{token}")
    assert all("Secure" in c for c in answer.headers.getlist("Set-Cookie") if "kiosk_device" in c)


def test_a_pairing_link_works_once(app, desk):
    _, token = register(app, desk.code)
    first = app.test_client()
    assert first.post(f"/kiosk/pair/{token}").status_code == 303
    before = database_state(app)
    second = app.test_client()
    assert second.get(f"/kiosk/pair/{token}").status_code == 404
    answer = second.post(f"/kiosk/pair/{token}", headers={"Accept-Language": "en"})
    assert answer.status_code == 404
    assert "This pairing link is not valid" in answer.text
    assert second.get_cookie("kiosk_device", path="/kiosk") is None
    assert database_state(app) == before


def test_a_pairing_link_expires_after_a_day(app, desk):
    device_id, token = register(app, desk.code)
    with app.app_context(), write_session() as session:
        session.get(KioskDevice, device_id).created_dt -= timedelta(hours=25)
    before = database_state(app)
    client = app.test_client()
    assert client.get(f"/kiosk/pair/{token}").status_code == 404
    assert client.post(f"/kiosk/pair/{token}").status_code == 404
    assert database_state(app) == before


def test_a_revoked_device_cannot_be_paired(app, runner, desk):
    device_id, token = register(app, desk.code)
    runner.invoke(args=["revoke-kiosk", str(device_id)])
    before = database_state(app)
    assert app.test_client().post(f"/kiosk/pair/{token}").status_code == 404
    assert database_state(app) == before


def test_an_unknown_pairing_token_is_404(app, desk):
    assert app.test_client().get("/kiosk/pair/not-a-token").status_code == 404


# --------------------------------------------------------------------------- the page


def test_an_unpaired_browser_gets_a_polite_page(app, desk):
    page = app.test_client().get("/kiosk/", headers={"Accept-Language": "vi"})
    assert page.status_code == 403
    assert "Thiết bị này chưa được đăng ký làm ki-ốt" in page.text


def test_the_kiosk_page_embeds_everything_it_needs(app, desk):
    client, _, _ = paired_client(app, desk.code)
    page = client.get("/kiosk/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-cache"
    data = page_data(page)
    assert data["questionnaire"] == "onestop-quick"
    assert data["version"] == builtin_definitions()["onestop-quick"]["version"]
    assert [official["code"] for official in data["officials"]] == [desk.official_code]
    assert data["officials"][0]["initials"] == "NA"
    overall = data["items"][0]
    assert overall["key"] == "overall_satisfaction"
    assert [option["label"]["vi"] for option in overall["options"]] == [
        "Rất hài lòng",
        "Hài lòng",
        "Không hài lòng",
    ]
    assert [option["face"] for option in overall["options"]] == [
        "very-happy",
        "happy",
        "unhappy",
    ]
    assert "comment" not in [item["key"] for item in data["items"]]  # no keyboard on a kiosk
    assert data["closing"]["vi"] == "Trân trọng cảm ơn Ông/Bà!"
    assert data["api"] == "/api/v1/responses"
    # Scripts only from files: the one inline block is JSON data, which is never executed.
    assert re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text) == [
        ' type="application/json" id="kiosk-data"'
    ]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert " style=" not in page.text


def test_every_kiosk_string_is_translated_into_vietnamese_and_khmer(app, desk):
    client, _, _ = paired_client(app, desk.code)
    strings = page_data(client.get("/kiosk/"))["strings"]
    for key, english in strings["en"].items():
        assert strings["vi"][key] != english, key
        assert strings["km"][key] != english, key
        assert strings["km"][key] != strings["vi"][key], key


def test_the_page_keeps_the_cookie_alive(app, desk):
    client, _, credential = paired_client(app, desk.code)
    answer = client.get("/kiosk/")
    renewed = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("kiosk_device=")]
    assert len(renewed) == 2
    assert all(credential in cookie and "Max-Age=34560000" in cookie for cookie in renewed)


def test_a_desk_no_longer_in_service_shows_a_polite_page(app, desk):
    client, _, _ = paired_client(app, desk.code)
    with app.app_context(), write_session() as session:
        session.get(ServicePoint, desk.desk_id).is_active = False
    page = client.get("/kiosk/", headers={"Accept-Language": "en"})
    assert page.status_code == 403
    assert "This desk no longer takes ratings" in page.text


def test_the_service_worker_is_served_for_the_kiosk_scope(client):
    answer = client.get("/kiosk/sw.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert 'var PAGE = "/kiosk/";' in answer.text


def test_officials_photos_are_shown_to_their_desks_kiosk_only(app, desk):
    photos = Path(app.instance_path) / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    (photos / "an.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with app.app_context(), write_session() as session:
        session.get(Official, desk.official_id).photo_filename = "an.jpg"
    client, _, _ = paired_client(app, desk.code)
    data = page_data(client.get("/kiosk/"))
    photo = data["officials"][0]["photo"]
    assert photo == f"/kiosk/photos/{desk.official_id}"
    assert client.get(photo).data.startswith(b"\xff\xd8")
    assert app.test_client().get(photo).status_code == 404  # not a kiosk
