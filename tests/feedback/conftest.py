"""A desk with its agency and official, the questionnaires published, and helpers to send
ratings and standalone feedback as a phone does."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey.db import db, write_session
from survey.feedback.models import FeedbackCase
from tests.factories import make_agency, make_desk, make_official, make_published_version

#: A rating that opens no case: satisfied, no comment, no harassment, no call-back.
CONTENT = {
    "a-overall_satisfaction": "3",
    "a-result_timeliness": "2",
    "a-extra_contacts": "1",
    "a-other_agencies": "1",
    "a-harassment": "2",
}


@pytest.fixture
def desk(app):
    with app.app_context(), write_session() as session:
        make_published_version(session, "onestop-quick")
        make_published_version(session, "sipas")
        province = make_agency(session, code="TINH", name="UBND tỉnh")
        ward = make_agency(session, code="PHUONG", name="UBND phường Rạch Giá", parent=province)
        other = make_agency(session, code="XA", name="UBND xã Châu Thành", parent=province)
        desk = make_desk(session, agency=ward, name="Quầy số 1")
        official = make_official(session, desk, name="Trần Thị Mai")
        return {
            "code": desk.active_code.code,
            "official_code": official.active_code.code,
            "desk_id": desk.id,
            "official_id": official.id,
            "agency_id": ward.id,
            "province_id": province.id,
            "other_agency_id": other.id,
        }


def rate(client, code, answers=None, **fields):
    body = {"submission_id": str(uuid.uuid4()), **(CONTENT if answers is None else answers)}
    return client.post(f"/q/{code}", data={**body, **fields})


def send_feedback(client, code, text="Quầy số 1 đóng cửa sớm 30 phút.", **fields):
    body = {"submission_id": str(uuid.uuid4()), "text": text, **fields}
    return client.post(f"/q/{code}/feedback", data=body)


def all_cases(app) -> list[FeedbackCase]:
    with app.app_context():
        statement = select(FeedbackCase).options(selectinload(FeedbackCase.events))
        return list(db.session.scalars(statement.order_by(FeedbackCase.id)))
