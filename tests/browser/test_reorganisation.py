"""A reorganisation end to end, in a real browser: two communes merge into a new ward.

The administrator records the merger on a date. Ratings given before that date stay with
the old communes and roll up to the ward in reports; the old desks' QR codes lead to the
polite page, and once the ward has a desk, to that desk.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from survey.accounts.models import Role
from survey.collect.models import Channel
from survey.collect.submit import Submission, current_version, resolve_code, submit
from survey.db import db, write_session
from survey.org.models import Agency
from survey.org.tree import AgencyTree
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.queries import response_count, response_counts_by
from survey.vietnam_calendar import local_today
from tests.factories import (
    OFFICER_PASSWORD,
    make_agency,
    make_desk,
    make_published_version,
    make_user,
)

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "admin@hailong.example"


def build(app) -> dict:
    """A province with two communes, a desk each, the quick rating published, an administrator."""
    with app.app_context(), write_session() as session:
        make_published_version(session)
        province = make_agency(session, code="AG", name="Tỉnh An Giang", kind="Tỉnh")
        codes = {}
        for code, name in (("XMH", "Xã Mỹ Hòa"), ("XBD", "Xã Bình Đức")):
            commune = make_agency(session, code=code, name=name, kind="UBND xã", parent=province)
            codes[code] = make_desk(
                session, commune, name=f"Bộ phận Một cửa {name}"
            ).active_code.code
        make_user(session, Role.ADMINISTRATOR, email=ADMIN_EMAIL)
    return codes


def rate(app, code: str, count: int, when: datetime) -> None:
    """``count`` ratings of the desk behind ``code``, given at ``when`` (UTC)."""
    with app.test_request_context():
        target = resolve_code(db.session, code)
        version = current_version(db.session, "onestop-quick")
        for number in range(count):
            submit(
                Submission(
                    uuid=uuid.uuid4(),
                    target=target,
                    version=version,
                    channel=Channel.QR,
                    language="vi",
                    answers={"overall_satisfaction": "3"},
                    submitted_dt=when + timedelta(minutes=number),
                    source=f"phone-{code}-{number}",
                )
            )


def agency_ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Agency.code, Agency.id)).all())


def test_two_communes_merge_into_a_ward(live_server, new_context):
    app, url = live_server.app, live_server.url
    desk_codes = build(app)
    with app.app_context():  # Vietnam's date: from 17:00 UTC it is already tomorrow there
        today = local_today()
    merger_day = today - timedelta(days=3)
    before_merger = datetime.combine(merger_day - timedelta(days=10), datetime.min.time())
    rate(app, desk_codes["XMH"], 3, before_merger)
    rate(app, desk_codes["XBD"], 2, before_merger)

    page = new_context(locale="vi-VN").new_page()
    page.goto(f"{url}/sign-in")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", OFFICER_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{url}/admin/agencies/reorganise")
    page.get_by_label("Sáp nhập: nhiều đơn vị hợp thành một").check()
    page.get_by_label("Mã các đơn vị trước khi thay đổi", exact=True).fill("XMH, XBD")
    page.get_by_label("Ngày thay đổi", exact=True).fill(merger_day.isoformat())
    page.get_by_label("Đơn vị mới: mã", exact=True).fill("PMH")
    page.get_by_label("Đơn vị mới: tên tiếng Việt", exact=True).fill("Phường Mỹ Hòa")
    page.get_by_label("Đơn vị mới: loại đơn vị", exact=True).fill("UBND phường")
    page.get_by_label("Đơn vị mới: mã đơn vị cấp trên", exact=True).fill("AG")
    page.get_by_role("button", name="Ghi nhận thay đổi").click()
    page.wait_for_url("**/admin/agencies/*")
    assert page.locator("h1").inner_text() == "Phường Mỹ Hòa"
    assert "Xã Mỹ Hòa (XMH)" in page.locator("main").inner_text()
    assert "Xã Bình Đức (XBD)" in page.locator("main").inner_text()

    # History stays attributed to the communes, and rolls up to the ward.
    ids = agency_ids(app)
    period = Period.custom(merger_day - timedelta(days=30), today)
    with app.app_context():
        by_agency = response_counts_by(
            db.session, ReportFilter(period=period), Dimension.AGENCY, use_counts=False
        )
        assert by_agency == {ids["XMH"]: 3, ids["XBD"]: 2}
        ward_members = AgencyTree.load(db.session).rolled_up(ids["PMH"], today)
        assert {ids["XMH"], ids["XBD"]} <= ward_members
        for use_counts in (True, False):
            ward_report = ReportFilter(period=period, agency_ids=ward_members)
            assert response_count(db.session, ward_report, use_counts=use_counts) == 5
        ward_alone = ReportFilter(period=period, agency_ids={ids["PMH"]})
        assert response_count(db.session, ward_alone) == 0

    # The old desk's QR code: the polite page while the ward has no desk of its own…
    phone = new_context(locale="vi-VN", viewport={"width": 360, "height": 640}).new_page()
    answer = phone.goto(f"{url}/q/{desk_codes['XMH']}")
    assert answer.status == 410
    assert phone.locator("h1").inner_text() == "Mã này không còn được sử dụng"

    # …and the ward's desk once the administrator has made one.
    page.goto(f"{url}/admin/service-points/new?agency={ids['PMH']}")
    page.get_by_label("Tên tiếng Việt", exact=True).fill("Quầy tiếp nhận số 1")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url("**/admin/service-points/*")
    answer = phone.goto(f"{url}/q/{desk_codes['XBD']}")
    assert answer.status == 410
    assert "Cơ quan này đã được sắp xếp lại" in phone.locator("main").inner_text()
    phone.get_by_role("link", name="Phường Mỹ Hòa – Quầy tiếp nhận số 1").click()
    phone.wait_for_url("**/q/*")
    assert phone.locator(".agency").first.inner_text() == "Phường Mỹ Hòa"
    phone.get_by_label("Rất hài lòng").check()
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_url("**/thanks**")
    with app.app_context():
        assert response_counts_by(
            db.session, ReportFilter(period=period), Dimension.AGENCY, use_counts=False
        ) == {ids["XMH"]: 3, ids["XBD"]: 2, ids["PMH"]: 1}
