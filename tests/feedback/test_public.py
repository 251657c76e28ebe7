"""The citizen's side: the standalone feedback form of a desk's code and the receipt page."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from survey.db import db, utcnow, write_session
from survey.feedback.models import CaseSource, CaseState, FeedbackCase
from tests.feedback.conftest import all_cases, send_feedback


def test_the_form_works_without_javascript_in_three_languages(client, desk):
    for language, words in (
        ("vi", "Phản ánh, kiến nghị"),
        ("en", "Feedback or a proposal"),
        ("km", "មតិ"),
    ):
        page = client.get(f"/q/{desk['code']}/feedback?lang={language}").get_data(as_text=True)
        assert words in page, language
        assert "<script" not in page
        assert 'name="callback_consent" type="checkbox" value="y"' in page  # unticked
    assert client.get("/q/nosuchcode/feedback").status_code == 404


def test_feedback_opens_a_case_and_the_receipt_page_follows_it(client, desk, app):
    response = send_feedback(
        client, desk["code"], callback_consent="y", callback_phone="0912 345 678"
    )
    assert response.status_code == 303
    [case] = all_cases(app)
    assert case.source == CaseSource.DIRECT and case.text == "Quầy số 1 đóng cửa sớm 30 phút."
    assert case.contact_phone == "0912 345 678" and case.contact_delete_after_dt is not None
    assert response.headers["Location"] == f"/feedback/{case.receipt}?sent=1"
    page = client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert case.receipt in page and "New" in page
    assert "0912" not in page and "đóng cửa sớm" not in page


def test_the_same_form_sent_twice_opens_one_case(client, desk, app):
    body = {"submission_id": str(uuid.uuid4()), "text": "Không có chỗ ngồi."}
    first = client.post(f"/q/{desk['code']}/feedback", data=body)
    second = client.post(f"/q/{desk['code']}/feedback", data=body)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(all_cases(app)) == 1


def test_the_receipt_page_shows_the_reply_but_never_notes_or_officers(client, desk, app):
    send_feedback(client, desk["code"])
    with app.app_context(), write_session() as session:
        case = session.scalars(select(FeedbackCase)).one()
        case.state = CaseState.ANSWERED
        case.closed_dt = utcnow()
        case.public_reply = "Từ 1/12 quầy mở cửa đến 17 giờ."
        receipt = case.receipt
    page = client.get(f"/feedback/{receipt.lower()}").get_data(as_text=True)
    assert "Từ 1/12 quầy mở cửa đến 17 giờ." in page and "Đã trả lời" in page


@pytest.mark.parametrize(
    "receipt", ["ABCDEFGHJK", "0000000000", "x", "A" * 300, "%00", "<script>", "3" * 10]
)
def test_an_unknown_or_malformed_receipt_gets_the_same_404(client, desk, receipt):
    response = client.get(f"/feedback/{receipt}")
    assert response.status_code == 404
    assert "Không tìm thấy mã tiếp nhận" in response.get_data(as_text=True)


def test_receipt_lookups_are_rate_limited(limited_app, desk):
    limited_app.config["RECEIPT_LOOKUP_LIMIT"] = "3 per hour"
    client = limited_app.test_client()
    statuses = [client.get("/feedback/ACDEFGHJKM").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_feedback_is_rate_limited_per_code_and_phone(limited_app, desk):
    limited_app.config["FEEDBACK_SUBMIT_LIMIT"] = "2 per hour"
    client = limited_app.test_client()
    statuses = [send_feedback(client, desk["code"]).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]


@pytest.mark.parametrize(
    "fields",
    [
        {"text": ""},
        {"text": "   \u200b\x00 "},
        {"text": "x" * 2001},
        {"callback_phone": "0912345678"},  # no consent
        {"callback_consent": "y"},  # no number
        {"callback_consent": "y", "callback_phone": "=1+1"},
        {"submission_id": "not-a-uuid"},
    ],
)
def test_bad_input_is_refused_with_a_message_and_opens_nothing(client, desk, app, fields):
    body = {"submission_id": str(uuid.uuid4()), "text": "Góp ý", **fields}
    response = client.post(f"/q/{desk['code']}/feedback", data=body)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert all_cases(app) == []


def test_free_text_is_cleaned_and_a_formula_stays_text(client, desk, app):
    send_feedback(client, desk["code"], text='=HYPERLINK("x")\u202e ok\x00')
    [case] = all_cases(app)
    assert case.text == '=HYPERLINK("x") ok'


def test_the_honeypot_opens_nothing(client, desk, app):
    response = send_feedback(client, desk["code"], website="http://spam.example")
    assert response.status_code == 303 and "/thanks" in response.headers["Location"]
    assert all_cases(app) == []


def test_a_refused_security_token_keeps_the_text(app, desk):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = send_feedback(client, desk["code"], text="Chờ lâu", csrf_token="old-token")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Chờ lâu" in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert send_feedback(client, desk["code"], csrf_token=token).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(FeedbackCase.id))) == 1
