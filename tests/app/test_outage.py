"""When the database cannot be reached, visitors and kiosks get an honest 503, not a 500."""

import pytest

from tests.collect.test_api import conforms
from tests.conftest import make_app

UNREACHABLE = {
    "sqlite": "sqlite:///{folder}/missing-folder/survey.sqlite3",
    # Port 9 (discard) has no PostgreSQL server: the connection is refused at once.
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:9/none",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def cut_off(request, tmp_path):
    url = UNREACHABLE[request.param].format(folder=tmp_path)
    return make_app(url, tmp_path / "instance").test_client()


def test_a_citizen_is_told_nothing_was_saved_and_to_send_again(cut_off):
    for answer in (
        cut_off.get("/q/abcdefghij"),
        cut_off.post("/q/abcdefghij", data={"a-overall_satisfaction": "3"}),
    ):
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        page = answer.get_data(as_text=True)
        assert "Hệ thống đang tạm thời gián đoạn" in page
        assert "chưa được ghi nhận" in page and "gửi lại" in page


def test_the_page_follows_the_visitor_s_language(cut_off):
    page = cut_off.get("/q/abcdefghij?lang=km").get_data(as_text=True)
    assert "ប្រព័ន្ធកំពុងរអាក់រអួលបណ្ដោះអាសន្ន" in page


def test_a_kiosk_gets_a_json_503_and_keeps_its_rating(cut_off):
    answer = cut_off.post(
        "/api/v1/responses",
        json={"uuid": "0f8fad5b-d9cb-469f-a165-70867728950e"},
        headers={"Authorization": "Bearer some-device-credential", "Accept-Language": "en"},
    )
    assert answer.status_code == 503
    conforms(cut_off, answer)  # a status and body the OpenAPI document declares
    assert answer.headers["Retry-After"] == "5"
    assert answer.get_json() == {
        "error": "unavailable",
        "message": "The service is briefly unavailable. Send the rating again later.",
    }


def test_metrics_still_go_out_without_the_queue_length(cut_off):
    answer = cut_off.get("/metrics")
    assert answer.status_code == 200
    assert "survey_request_seconds" in answer.text
    assert "survey_uncounted_responses" not in answer.text
