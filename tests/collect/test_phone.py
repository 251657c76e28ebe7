"""The phone form behind a desk's QR code: what a citizen sees, sends, and what is stored."""

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from survey.collect.models import Answer, CallbackRequest, Channel, Response
from survey.db import db, utcnow, write_session
from tests.factories import make_desk, make_official, make_published_version

GOOD_ANSWERS = {
    "a-overall_satisfaction": "3",
    "a-result_timeliness": "2",
    "a-extra_contacts": "1",
    "a-other_agencies": "1",
    "a-harassment": "2",
}


@pytest.fixture
def desk(app):
    # No application context is left pushed during the tests: each request gets its own, as
    # in production (a shared one would share `g` and the session between requests).
    with app.app_context(), write_session() as session:
        make_published_version(session, "onestop-quick")
        make_published_version(session, "sipas")
        desk = make_desk(session, name="Quầy số 1")
        official = make_official(session, desk, name="Trần Thị Mai")
        return {
            "code": desk.active_code.code,
            "official_code": official.active_code.code,
            "desk_id": desk.id,
            "official_id": official.id,
            "agency_id": desk.agency_id,
        }


def post(client, code, data, **kwargs):
    body = {"submission_id": str(uuid.uuid4()), **data}
    return client.post(f"/q/{code}", data=body, **kwargs)


class Reader:
    """Reads the database in an application context of its own, as the next request would."""

    def __init__(self, app):
        self.app = app

    def scalar(self, statement):
        with self.app.app_context():
            return db.session.scalar(statement)

    def scalars(self, statement):
        with self.app.app_context():
            return db.session.scalars(statement).all()

    def counts(self):
        return (
            self.scalar(select(func.count(Response.id))),
            self.scalar(select(func.count()).select_from(Answer)),
        )


@pytest.fixture
def read(app):
    return Reader(app)


def test_the_form_names_the_agency_and_desk_in_vietnamese(client, desk):
    page = client.get(f"/q/{desk['code']}").get_data(as_text=True)
    assert "Quầy số 1" in page
    assert "Rất hài lòng" in page and "Không hài lòng" in page
    assert "Gửi đánh giá" in page
    assert re.search(r'name="submission_id" type="hidden" value="[0-9a-f-]{36}"', page)


def test_an_officials_code_shows_the_official(client, desk):
    page = client.get(f"/q/{desk['official_code']}?lang=en").get_data(as_text=True)
    assert "Trần Thị Mai" in page and "Very satisfied" in page


def test_a_rating_is_stored_once_with_its_answers_and_thanks_follow(client, desk, read):
    submission_id = str(uuid.uuid4())
    data = {"submission_id": submission_id, **GOOD_ANSWERS}
    response = client.post(f"/q/{desk['code']}", data=data)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/q/{desk['code']}/thanks")
    again = client.post(f"/q/{desk['code']}", data=data)  # refresh / back button / double tap
    assert again.status_code == 303
    assert read.counts() == (1, 5)
    stored = read.scalar(select(Response))
    assert stored.uuid == uuid.UUID(submission_id)
    assert stored.channel is Channel.QR and stored.service_point_id == desk["desk_id"]
    assert stored.official_id is None and stored.language == "vi" and not stored.is_flagged
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Trân trọng cảm ơn Ông/Bà!" in thanks
    assert 'href="/results"' in thanks  # the published results, one tap away


def test_a_rating_through_an_officials_code_is_about_that_official(client, desk, read):
    assert post(client, desk["official_code"], GOOD_ANSWERS).status_code == 303
    assert read.scalar(select(Response.official_id)) == desk["official_id"]


@pytest.mark.parametrize("value", ["0", "4", "-1", "3.5", "abc", "", "na", "3\x00", "٣"])
def test_an_invalid_rating_is_explained_next_to_the_question_and_nothing_is_stored(
    client, desk, value, read
):
    data = {**GOOD_ANSWERS, "a-overall_satisfaction": value, "a-comment": "Cán bộ tận tình"}
    response = post(client, desk["code"], data)
    assert response.status_code in (400, 422)
    page = response.get_data(as_text=True)
    assert 'id="error-overall_satisfaction"' in page
    assert "Ông/Bà vui lòng" in page
    # every other answer is kept
    assert 'value="2" checked' in page and "Cán bộ tận tình" in page
    assert read.counts() == (0, 0)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"a-no_such_item": "3"}, "no_such_item"),
        ({"a-comment": "x" * 5001}, "comment"),
        ({"a-overall_satisfaction": ["3", "2"]}, "overall_satisfaction"),
    ],
)
def test_unknown_repeated_or_oversized_answers_are_refused(client, desk, extra, field, read):
    response = post(client, desk["code"], {**GOOD_ANSWERS, **extra})
    assert response.status_code == 422
    assert read.counts() == (0, 0)


def test_far_too_many_fields_are_refused(client, desk, read):
    data = {**GOOD_ANSWERS, **{f"a-field{n}": "1" for n in range(300)}}
    response = post(client, desk["code"], data)
    assert response.status_code == 422
    assert read.counts() == (0, 0)


def test_an_oversized_body_is_refused_politely(client, desk, read):
    response = post(client, desk["code"], {**GOOD_ANSWERS, "a-comment": "x" * 400_000})
    assert response.status_code == 413
    assert read.counts() == (0, 0)


def test_text_is_cleaned_of_control_and_invisible_characters(client, desk, read):
    text = "=SUM(A1)\u200b tốt\u202e lắm\x00"
    assert post(client, desk["code"], {**GOOD_ANSWERS, "a-comment": text}).status_code == 303
    stored = read.scalar(select(Answer.text).where(Answer.item_key == "comment"))
    assert stored == "=SUM(A1) tốt lắm"


def test_a_missing_or_forged_submission_id_is_refused(client, desk, read):
    for submission_id in ["", "not-a-uuid", "1' OR '1'='1"]:
        response = client.post(
            f"/q/{desk['code']}", data={"submission_id": submission_id, **GOOD_ANSWERS}
        )
        assert response.status_code == 400
    assert read.counts() == (0, 0)


def test_an_expired_security_token_keeps_every_answer(app, desk, read):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    data = {
        **GOOD_ANSWERS,
        "a-comment": "Thời gian chờ hơi lâu",
        "dossier_code": "H01-0001",
        "csrf_token": "a-token-from-a-session-that-expired",
    }
    response = post(client, desk["code"], data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "vẫn được giữ nguyên" in page
    assert "Thời gian chờ hơi lâu" in page and 'value="H01-0001"' in page
    assert 'value="3" checked' in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    submission_id = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    resent = client.post(
        f"/q/{desk['code']}", data={**data, "csrf_token": token, "submission_id": submission_id}
    )
    assert resent.status_code == 303
    assert read.counts()[0] == 1


def test_the_honeypot_thanks_a_bot_and_stores_nothing(client, desk, read):
    response = post(client, desk["code"], {**GOOD_ANSWERS, "website": "http://spam.example"})
    assert response.status_code == 302 and "/thanks" in response.headers["Location"]
    assert read.counts() == (0, 0)


def test_one_rating_per_dossier(client, desk, read):
    first = post(client, desk["code"], {**GOOD_ANSWERS, "dossier_code": "000.00.07.H01-2501-0001"})
    assert first.status_code == 303
    second = post(
        client, desk["code"], {**GOOD_ANSWERS, "dossier_code": " 000.00.07.h01-2501-0001"}
    )
    assert second.status_code == 422
    assert "đã được đánh giá" in second.get_data(as_text=True)
    assert read.counts() == (1, 5)
    stored = read.scalar(select(Response.dossier_hash))
    assert stored and "H01" not in stored and len(stored) == 64


def test_the_full_survey_allows_another_answer_for_the_same_dossier(client, desk, read):
    post(client, desk["code"], {**GOOD_ANSWERS, "dossier_code": "D-1"})
    full = {"a-access_signs": "5", "a-overall": "4", "dossier_code": "D-1"}
    page = client.get(f"/q/{desk['code']}?survey=sipas").get_data(as_text=True)
    assert "Tiếp cận dịch vụ" in page
    response = client.post(
        f"/q/{desk['code']}?survey=sipas",
        data={
            "submission_id": str(uuid.uuid4()),
            **{k: v for k, v in full.items() if k != "a-overall"},
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert read.counts()[0] == 2


def test_a_call_back_needs_the_explicit_consent_box(client, desk, read):
    response = post(client, desk["code"], {**GOOD_ANSWERS, "callback_phone": "0912 345 678"})
    assert response.status_code == 400
    assert "đánh dấu vào ô" in response.get_data(as_text=True)
    assert read.counts() == (0, 0)
    page = client.get(f"/q/{desk['code']}").get_data(as_text=True)
    assert re.search(
        r'<input id="callback_consent" name="callback_consent" type="checkbox" value="y">', page
    )
    ok = post(
        client,
        desk["code"],
        {**GOOD_ANSWERS, "callback_phone": "0912 345 678", "callback_consent": "y"},
    )
    assert ok.status_code == 303
    request = read.scalar(select(CallbackRequest))
    assert request.phone == "0912 345 678"
    assert request.delete_after_dt.date() == (utcnow() + timedelta(days=90)).date()


def test_a_phone_number_that_is_not_one_is_refused(client, desk, read):
    response = post(
        client, desk["code"], {**GOOD_ANSWERS, "callback_phone": "=1+1", "callback_consent": "y"}
    )
    assert response.status_code == 400
    assert read.counts() == (0, 0)


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ("unknown", 404, "Không tìm thấy mã này"),
        ("revoked", 410, "không còn được sử dụng"),
        ("inactive", 410, "không còn được sử dụng"),
        ("closed_agency", 410, "không còn được sử dụng"),
    ],
)
def test_unusable_codes_get_a_friendly_page_in_the_visitors_language(
    app, client, desk, change, status, words, read
):
    from survey.org.models import Agency, PublicCode, ServicePoint

    code = desk["code"]
    with app.app_context(), write_session() as session:
        if change == "unknown":
            code = "zzzzzzzzzz"
        elif change == "revoked":
            session.scalar(select(PublicCode).where(PublicCode.code == code)).revoked_dt = utcnow()
        elif change == "inactive":
            session.get(ServicePoint, desk["desk_id"]).is_active = False
        else:
            session.get(Agency, desk["agency_id"]).valid_to = date.today()
    for response in (client.get(f"/q/{code}"), post(client, code, GOOD_ANSWERS)):
        assert response.status_code == status
        assert words in response.get_data(as_text=True)
    assert read.counts() == (0, 0)
    english = client.get(f"/q/{code}?lang=en").get_data(as_text=True)
    assert "could not find this code" in english or "no longer in use" in english


def test_absurd_language_requests_still_give_the_form(client, desk):
    for headers, query in [({"Accept-Language": "x" * 3000}, ""), ({}, "?lang=%00%ff")]:
        response = client.get(f"/q/{desk['code']}{query}", headers=headers)
        assert response.status_code == 200
        assert "Gửi đánh giá" in response.get_data(as_text=True)


def test_a_burst_of_identical_ratings_is_kept_but_flagged(limited_app, desk, read):
    client = limited_app.test_client()
    client.get(f"/q/{desk['official_code']}")  # the phone opens the form: its device cookie
    for number in range(7):
        # A different comment each time changes nothing: the choices are the same.
        answers = {**GOOD_ANSWERS, "a-comment": f"comment {number}"}
        assert post(client, desk["official_code"], answers).status_code == 303
    flags = read.scalars(select(Response.is_flagged).order_by(Response.id))
    assert len(flags) == 7
    assert flags[:5] == [False] * 5 and flags[5:] == [True, True]
    assert set(read.scalars(select(Response.flag_reason).where(Response.is_flagged))) == {"burst"}


def test_many_ratings_of_one_code_from_one_address_are_a_burst_whatever_the_browser(
    limited_app, desk, read
):
    """New cookies, User-Agent and choices each time: one address still sends them all."""
    for number in range(12):
        phone = limited_app.test_client()
        phone.get(f"/q/{desk['code']}")
        answers = {**GOOD_ANSWERS, "a-overall_satisfaction": str(1 + number % 3)}
        headers = {"User-Agent": f"phone {number}"}
        assert post(phone, desk["code"], answers, headers=headers).status_code == 303
    flags = read.scalars(select(Response.is_flagged).order_by(Response.id))
    assert flags == [False] * 10 + [True] * 2  # ADDRESS_BURST_LIMIT: 10 per 10 minutes
    # Another address is another count.
    phone = limited_app.test_client()
    response = post(phone, desk["code"], GOOD_ANSWERS, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert response.status_code == 303
    assert read.scalars(select(Response.is_flagged).order_by(Response.id))[-1] is False


def test_browsers_refusing_the_device_cookie_share_a_higher_limit_per_address(
    limited_app, desk, read
):
    limited_app.config["PHONE_SUBMIT_LIMIT"] = "2 per hour"
    limited_app.config["PHONE_ADDRESS_SUBMIT_LIMIT"] = "4 per hour"
    statuses = []
    for number in range(5):
        cookieless = limited_app.test_client(use_cookies=False)
        headers = {"User-Agent": f"phone {number}"}
        statuses.append(post(cookieless, desk["code"], GOOD_ANSWERS, headers=headers).status_code)
    assert statuses == [303] * 4 + [429]
    # A phone that keeps its cookie is counted on its own.
    phone = limited_app.test_client()
    phone.get(f"/q/{desk['code']}")
    assert [post(phone, desk["code"], GOOD_ANSWERS).status_code for _ in range(3)] == [
        303,
        303,
        429,
    ]
    assert read.counts()[0] == 6


def test_a_forged_device_cookie_counts_as_none(limited_app, desk):
    limited_app.config["PHONE_ADDRESS_SUBMIT_LIMIT"] = "1 per hour"
    statuses = []
    for number in range(2):
        forger = limited_app.test_client()
        forger.set_cookie("hailong_device", f"forged-{number}.signature")
        statuses.append(post(forger, desk["code"], GOOD_ANSWERS).status_code)
    assert statuses == [303, 429]


def test_too_many_submissions_from_one_phone_are_slowed_down(limited_app, desk, read):
    limited_app.config["PHONE_SUBMIT_LIMIT"] = "3 per hour"
    client = limited_app.test_client()
    client.get(f"/q/{desk['code']}")
    statuses = [post(client, desk["code"], GOOD_ANSWERS).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    refused = post(client, desk["code"], GOOD_ANSWERS)
    assert "Xin cảm ơn" in refused.get_data(as_text=True)  # a polite page, in the form's language
    other_phone = limited_app.test_client()
    other_phone.get(f"/q/{desk['code']}")
    response = post(
        other_phone, desk["code"], GOOD_ANSWERS, headers={"User-Agent": "another phone"}
    )
    assert response.status_code == 303
    assert read.counts()[0] == 4


def test_call_back_numbers_are_purged_after_their_retention_period(app, client, desk, read):
    for phone in ["0912 345 678", "0987 654 321"]:
        data = {**GOOD_ANSWERS, "callback_phone": phone, "callback_consent": "y"}
        assert post(client, desk["code"], data).status_code == 303
    with app.app_context(), write_session() as session:
        oldest = session.scalars(select(CallbackRequest).order_by(CallbackRequest.id)).first()
        oldest.delete_after_dt = utcnow() - timedelta(minutes=1)
    result = app.test_cli_runner().invoke(args=["purge-contacts"])
    assert result.exit_code == 0 and "Deleted 1 " in result.output
    assert read.scalars(select(CallbackRequest.phone)) == ["0987 654 321"]
    assert read.counts()[0] == 2  # the ratings themselves stay


def test_after_sending_the_form_comes_back_with_the_same_identifier(client, desk, read):
    first = client.get(f"/q/{desk['code']}").get_data(as_text=True)
    submission_id = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', first).group(1)
    assert "đã được ghi nhận" not in first
    assert (
        client.post(
            f"/q/{desk['code']}", data={"submission_id": submission_id, **GOOD_ANSWERS}
        ).status_code
        == 303
    )
    again = client.get(f"/q/{desk['code']}").get_data(as_text=True)  # Back fetched the page
    assert f'value="{submission_id}"' in again and "đã được ghi nhận" in again
    assert (
        client.post(
            f"/q/{desk['code']}", data={"submission_id": submission_id, **GOOD_ANSWERS}
        ).status_code
        == 303
    )
    assert read.counts()[0] == 1
    other_desk = client.get(f"/q/{desk['official_code']}").get_data(as_text=True)
    assert f'value="{submission_id}"' not in other_desk  # another code is another rating


def test_an_empty_full_survey_is_refused_with_a_message_and_nothing_is_stored(client, desk, read):
    response = client.post(
        f"/q/{desk['code']}?survey=sipas",
        data={"submission_id": str(uuid.uuid4()), "a-comment": "", "a-gender": ""},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert "Ông/Bà vui lòng đánh giá ít nhất một câu hỏi" in page
    assert read.counts() == (0, 0)
    # A comment or the respondent's details alone are not a rating either.
    only_details = {"a-comment": "Tốt", "a-respondent_type": "1", "a-access_signs": "na"}
    response = post(client, f"{desk['code']}?survey=sipas", only_details)
    assert response.status_code == 422
    assert read.counts() == (0, 0)
    assert post(client, f"{desk['code']}?survey=sipas", {"a-access_signs": "4"}).status_code == 303
    assert read.counts() == (1, 1)


def error_summary(page: str) -> list[tuple[str, str]]:
    """The error summary's links: (target id, text)."""
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, "no error summary"
    assert "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    return [
        (anchor, re.sub(r"<[^>]+>|\s+", " ", text).strip())
        for anchor, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary.group(0), re.S)
    ]


def test_every_problem_is_listed_at_the_top_and_linked_to_its_field(client, desk, read):
    data = {"a-overall_satisfaction": "", "callback_consent": "y", "a-comment": "x" * 1001}
    response = post(client, desk["code"], data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    links = error_summary(page)
    assert [anchor for anchor, _text in links] == [
        "a-overall_satisfaction-1",
        "a-comment",
        "callback_consent",
    ]
    assert "Ông/Bà vui lòng trả lời câu hỏi này" in links[0][1]
    assert "tối đa 1000 ký tự" in links[1][1]
    for anchor, _text in links:
        assert re.search(rf'id="{anchor}"[^>]*aria-invalid="true"', page) or re.search(
            rf'aria-invalid="true"[^>]*id="{anchor}"', page
        ), anchor
    assert 'aria-describedby="error-callback_consent"' in page
    assert 'aria-describedby="error-comment count-comment"' in page
    # The too long comment is kept whole, for the citizen to shorten: never cut.
    assert "x" * 1001 + "</textarea>" in page
    assert read.counts() == (0, 0)


def test_the_comment_has_no_silent_cut_and_states_its_limit(client, desk):
    page = client.get(f"/q/{desk['code']}").get_data(as_text=True)
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert "maxlength" not in textarea and 'data-max-length="1000"' in textarea
    assert "Tối đa 1000 ký tự." in page
    assert "error-summary" not in page


def test_the_quick_rating_folds_its_optional_questions(client, desk):
    page = client.get(f"/q/{desk['code']}").get_data(as_text=True)
    shown, folded = page.split('<details class="more-questions"', 1)
    assert 'name="a-overall_satisfaction"' in shown
    assert "Góp thêm ý kiến" in folded.split("</summary>")[0]
    for name in ("a-harassment", "a-comment", "dossier_code", "callback_phone"):
        assert f'name="{name}"' in folded.split("</details>")[0], name
    # The full survey has no required question: everything is shown.
    assert "<details" not in client.get(f"/q/{desk['code']}?survey=sipas").get_data(as_text=True)


@pytest.mark.parametrize(
    "comment", [b"%ff%fe", b"\xff\xfe", b"caf%e9"], ids=["escaped", "raw", "latin1"]
)
def test_a_form_that_is_not_utf8_is_refused_with_a_message(client, desk, read, comment):
    body = b"submission_id=" + str(uuid.uuid4()).encode() + b"&a-overall_satisfaction=3"
    response = client.post(
        f"/q/{desk['code']}",
        data=body + b"&a-comment=" + comment,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "Biểu mẫu gửi đến bị hỏng" in response.get_data(as_text=True)
    assert read.counts() == (0, 0)


def test_a_nul_in_the_dossier_code_is_refused_with_a_message(client, desk, read):
    response = post(client, desk["code"], {**GOOD_ANSWERS, "dossier_code": "HS-2026\x00-001"})
    assert response.status_code == 400
    assert "Mã hồ sơ có ký tự không có trên giấy biên nhận" in response.get_data(as_text=True)
    assert read.counts() == (0, 0)
