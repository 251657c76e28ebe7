"""POST /api/v1/responses: every status a kiosk can get, and nothing stored on a refusal."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from sqlalchemy import func, select

from survey.collect.devices import revoke_kiosk
from survey.collect.models import Answer, Channel, KioskDevice, Response
from survey.db import db, write_session
from survey.org.models import PublicCode, ServicePoint
from survey.questionnaires.definition import builtin_definitions
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from tests.collect.kiosk_helpers import (
    database_state,
    make_kiosk_desk,
    paired_client,
    submission,
)
from tests.conftest import make_app
from tests.factories import make_published_version

URL = "/api/v1/responses"
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def desk(app):
    return make_kiosk_desk(app)


@pytest.fixture
def kiosk(app, desk):
    client, device_id, credential = paired_client(app, desk.code)
    return client, device_id, credential


def response_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Response.id)))


def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def conforms(client, answer) -> None:
    """The answer is one the OpenAPI document declares, with a body of the declared shape."""
    spec = document(client)
    declared = spec["paths"]["/responses"]["post"]["responses"]
    assert str(answer.status_code) in declared, answer.status_code
    assert answer.mimetype == "application/json"
    schema = declared[str(answer.status_code)]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    jsonschema.validate(answer.get_json(), spec["components"]["schemas"][name])


def post(client, body, headers=ENGLISH, **options):
    answer = client.post(URL, json=body, headers=headers, **options)
    conforms(client, answer)
    return answer


def refused(client, body_or_data, status, error, field=None, message=None, **options):
    """Post, expect a refusal, and check that nothing in the database changed."""
    before = database_state(client.application)
    if isinstance(body_or_data, dict):
        answer = post(client, body_or_data, **options)
    else:
        options.setdefault("headers", {**ENGLISH, "Content-Type": "application/json"})
        answer = client.post(URL, data=body_or_data, **options)
        conforms(client, answer)
    assert answer.status_code == status, answer.get_json()
    payload = answer.get_json()
    assert payload["error"] == error
    if field is not None:
        assert field in payload["fields"], payload
        if message is not None:
            assert payload["fields"][field] == message
    elif message is not None:
        assert payload["message"] == message
    assert database_state(client.application) == before
    return payload


# --------------------------------------------------------------------------- accepted


def test_a_new_rating_is_stored_once_for_the_desk_and_device(app, kiosk, desk):
    client, device_id, _ = kiosk
    with app.app_context(), write_session() as session:
        session.get(KioskDevice, device_id).created_dt -= timedelta(days=30)
    moment = datetime.now(UTC) - timedelta(days=3)  # waited three days in the queue
    body = submission(
        official_code=desk.official_code,
        submitted_at=moment.isoformat(timespec="seconds"),
        answers={"overall_satisfaction": 2, "harassment": 2, "result_timeliness": "na"},
    )
    answer = post(client, body)
    assert answer.status_code == 201
    assert answer.get_json() == {"uuid": body["uuid"], "status": "created", "receipt": None}
    with app.app_context():
        stored = db.session.scalar(select(Response))
        assert stored.uuid == uuid.UUID(body["uuid"])
        assert stored.channel is Channel.KIOSK
        assert stored.kiosk_device_id == device_id
        assert stored.service_point_id == desk.desk_id
        assert stored.official_id == desk.official_id
        assert stored.submitted_dt == moment.replace(tzinfo=None, microsecond=0)
        answers = {a.item_key: (a.value, a.is_not_applicable) for a in stored.answers}
        assert answers == {
            "overall_satisfaction": (2, False),
            "harassment": (2, False),
            "result_timeliness": (None, True),
        }
        assert db.session.get(KioskDevice, device_id).last_seen_dt is not None


def test_a_repeat_of_the_same_rating_answers_200_and_stores_nothing_more(app, kiosk):
    client, _, _ = kiosk
    body = submission()
    assert post(client, body).status_code == 201
    again = post(client, body)
    assert again.status_code == 200
    assert again.get_json()["status"] == "already_received"
    assert response_count(app) == 1


def test_a_rating_that_opens_a_case_answers_with_its_receipt(app, kiosk):
    from survey.feedback.models import FeedbackCase

    client, _, _ = kiosk
    plain = post(client, submission())
    assert plain.get_json()["receipt"] is None
    conforms(client, plain)
    reported = post(client, submission(answers={"overall_satisfaction": 3, "harassment": 1}))
    assert reported.status_code == 201
    conforms(client, reported)
    with app.app_context():
        [case] = db.session.scalars(select(FeedbackCase)).all()
        assert reported.get_json()["receipt"] == case.receipt


def test_the_same_uuid_with_other_answers_is_a_conflict(app, kiosk):
    client, _, _ = kiosk
    body = submission()
    post(client, body)
    changed = {**body, "answers": {"overall_satisfaction": 1}}
    refused(
        client,
        changed,
        409,
        "uuid_conflict",
        message="A different rating was already sent with this identifier.",
    )
    with app.app_context():
        overall = select(Answer.value).where(Answer.item_key == "overall_satisfaction")
        assert db.session.scalars(overall).all() == [3]


def test_the_credential_also_works_as_a_bearer_token(app, kiosk):
    _, _, credential = kiosk
    stranger = app.test_client()  # no cookie
    answer = post(stranger, submission(), headers={"Authorization": f"Bearer {credential}"})
    assert answer.status_code == 201


def test_a_kiosk_paired_long_ago_still_submits(app, kiosk):
    client, device_id, _ = kiosk
    with app.app_context(), write_session() as session:
        device = session.get(KioskDevice, device_id)
        device.created_dt -= timedelta(days=800)
        device.paired_dt -= timedelta(days=800)
    assert post(client, submission()).status_code == 201


def test_invisible_and_control_characters_are_removed_from_text(app, kiosk):
    client, _, _ = kiosk
    comment = "Cán\u200b bộ\u202e tận\u0000 tình\u2066"
    answer = post(client, submission(answers={"overall_satisfaction": 3, "comment": comment}))
    assert answer.status_code == 201
    with app.app_context():
        comment = db.session.scalar(select(Answer.text).where(Answer.item_key == "comment"))
    assert comment == "Cán bộ tận tình"


def test_twenty_parallel_copies_store_exactly_one_response(database_url, kiosk, tmp_path):
    # Twenty requests at once each hold a reading and a writing connection: a pool that large.
    app = make_app(
        database_url,
        tmp_path / "parallel",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 45, "max_overflow": 0},
    )
    _, _, credential = kiosk
    body = submission()
    statuses = []
    barrier = threading.Barrier(20)

    def send():
        client = app.test_client()
        barrier.wait()
        answer = client.post(URL, json=body, headers={"Authorization": f"Bearer {credential}"})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 19 + [201]
    assert response_count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 2
        db.engine.dispose()


# --------------------------------------------------------------------------- authentication


def test_no_credential_is_401(app, desk):
    client = app.test_client()
    payload = refused(client, submission(), 401, "not_registered")
    assert "not registered" in payload["message"]


def test_an_unknown_credential_is_401(app, desk):
    client = app.test_client()
    refused(
        client,
        submission(),
        401,
        "not_registered",
        headers={**ENGLISH, "Authorization": "Bearer not-a-real-credential"},
    )


def test_a_revoked_device_is_401(app, kiosk):
    client, device_id, _ = kiosk
    with app.app_context(), write_session() as session:
        revoke_kiosk(session, device_id)
    refused(
        client,
        submission(),
        401,
        "device_revoked",
        message="This device is no longer registered as a kiosk.",
    )


# --------------------------------------------------------------------------- the body


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        (None, b"{}"),
        ("text/plain", b"{}"),
        ("application/x-www-form-urlencoded", b"uuid=1"),
        ("multipart/form-data; boundary=x", b"--x--"),
        ("application/json; charset=latin-1", b"{}"),
    ],
)
def test_anything_but_json_is_415(kiosk, content_type, data):
    client, _, _ = kiosk
    headers = dict(ENGLISH)
    if content_type:
        headers["Content-Type"] = content_type
    payload = refused(client, data, 415, "unsupported_media_type", headers=headers)
    assert "JSON" in payload["message"]


def test_an_oversized_body_is_413(kiosk):
    client, _, _ = kiosk
    body = submission(answers={"overall_satisfaction": 3, "comment": "x" * 40_000})
    refused(client, json.dumps(body).encode(), 413, "too_large")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"uuid": "a\xff\xfe"}', "The request body is not valid UTF-8."),
        (b'{"uuid": ', "The request body is not valid JSON."),
        (b'{"uuid": "a\x00b"}', "The request body is not valid JSON."),
        (b'{"version": NaN}', "The request body is not valid JSON."),
        (b"[1, 2]", "The request body must be a JSON object."),
        (b'{"version": 1, "version": 1}', "The field version is repeated."),
    ],
)
def test_malformed_bodies_are_400(kiosk, data, message):
    client, _, _ = kiosk
    refused(client, data, 400, "malformed", message=message)


@pytest.mark.parametrize("value", [0, 6, -1, 3.5, "abc", True, "", [3], {"v": 3}, "3.0", "٣"])
def test_a_value_that_is_not_a_level_is_422(kiosk, value):
    client, _, _ = kiosk
    body = submission(answers={"overall_satisfaction": 3, "extra_contacts": value})
    if value == "":
        # An empty answer is "not answered", which an optional item allows: refuse the
        # required one instead, which cannot be empty.
        body = submission(answers={"overall_satisfaction": ""})
        refused(
            client,
            body,
            422,
            "invalid_submission",
            field="answers.overall_satisfaction",
            message="Please answer this question.",
        )
        return
    refused(
        client,
        body,
        422,
        "invalid_submission",
        field="answers.extra_contacts",
        message="Please choose one of the answers shown.",
    )


def test_not_applicable_where_the_question_does_not_allow_it_is_422(kiosk):
    client, _, _ = kiosk
    body = submission(answers={"overall_satisfaction": "na"})
    refused(client, body, 422, "invalid_submission", field="answers.overall_satisfaction")


def test_an_unknown_question_is_422(kiosk):
    client, _, _ = kiosk
    body = submission(answers={"overall_satisfaction": 3, "salary_of_official": 3})
    refused(
        client,
        body,
        422,
        "invalid_submission",
        field="answers.salary_of_official",
        message="This question is not part of the form.",
    )


def test_a_missing_required_answer_is_422(kiosk):
    client, _, _ = kiosk
    body = submission(answers={"harassment": 2})
    refused(
        client,
        body,
        422,
        "invalid_submission",
        field="answers.overall_satisfaction",
        message="Please answer this question.",
    )


def test_far_too_many_answers_is_422(kiosk):
    client, _, _ = kiosk
    answers = {f"item_{number}": 1 for number in range(500)}
    body = submission(answers={"overall_satisfaction": 3, **answers})
    payload = refused(client, body, 422, "invalid_submission", field="answers")
    assert payload["fields"]["answers"] == "Too many answers: at most 60 are accepted."


def test_an_unknown_field_is_422(kiosk):
    client, _, _ = kiosk
    body = submission(is_flagged=False)
    refused(
        client,
        body,
        422,
        "invalid_submission",
        field="is_flagged",
        message="This field is not accepted.",
    )


@pytest.mark.parametrize(
    "missing", ["uuid", "questionnaire", "version", "answers", "language", "submitted_at"]
)
def test_a_missing_field_is_422(kiosk, missing):
    client, _, _ = kiosk
    body = submission()
    del body[missing]
    refused(
        client,
        body,
        422,
        "invalid_submission",
        field=missing,
        message="This field is required.",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uuid", "not-a-uuid"),
        ("uuid", 12),
        ("version", "1"),
        ("version", 0),
        ("language", "fr"),
        ("answers", [3]),
        ("official_code", "ab cd"),
        ("dossier_code", "HS-001\u200b"),
        ("dossier_code", "HS\u202e-001"),
        ("dossier_code", "HS\x00001"),
        ("dossier_code", "=HYPERLINK(1)"),
        ("submitted_at", "yesterday"),
        ("submitted_at", "2026-11-26T09:00:00"),  # no offset: which day was it?
    ],
)
def test_an_invalid_field_is_422(kiosk, field, value):
    client, _, _ = kiosk
    refused(
        client,
        submission(**{field: value}),
        422,
        "invalid_submission",
        field=field,
        message="This value is not valid.",
    )


@pytest.mark.parametrize(
    "moment",
    [
        datetime.now(UTC) + timedelta(hours=2),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime.now(UTC) - timedelta(days=2),  # before the kiosk was registered
    ],
)
def test_an_absurd_time_is_422(kiosk, moment):
    client, _, _ = kiosk
    refused(
        client,
        submission(submitted_at=moment.isoformat()),
        422,
        "invalid_submission",
        field="submitted_at",
        message="The time of the rating is not plausible. Check the device's clock.",
    )


@pytest.mark.parametrize(
    "moment",
    [
        "2026-02-30T10:00:00+07:00",
        "0001-01-01T00:00:00+00:01",  # before year 1 in UTC (found by schemathesis)
        "9999-12-31T23:59:59-00:01",  # after year 9999 in UTC
    ],
)
def test_an_impossible_date_is_422(kiosk, moment):
    client, _, _ = kiosk
    refused(
        client,
        submission(submitted_at=moment),
        422,
        "invalid_submission",
        field="submitted_at",
    )


def test_an_unknown_official_is_422(kiosk):
    client, _, _ = kiosk
    refused(
        client,
        submission(official_code="zzzzzzzzzz"),
        422,
        "invalid_submission",
        field="official_code",
        message="Please choose one of the officials shown.",
    )


def test_an_official_of_another_desk_is_422(kiosk, desk):
    client, _, _ = kiosk
    refused(
        client,
        submission(official_code=desk.other_official_code),
        422,
        "invalid_submission",
        field="official_code",
        message="Please choose one of the officials shown.",
    )


def test_a_revoked_official_code_is_422(app, kiosk, desk):
    client, _, _ = kiosk
    with app.app_context(), write_session() as session:
        code = session.scalar(select(PublicCode).where(PublicCode.code == desk.official_code))
        code.revoked_dt = datetime.now(UTC).replace(tzinfo=None)
    refused(
        client,
        submission(official_code=desk.official_code),
        422,
        "invalid_submission",
        field="official_code",
    )


@pytest.mark.parametrize(("key", "version"), [("onestop-quick", 99), ("no-such-survey", 1)])
def test_a_closed_or_unknown_questionnaire_is_422(kiosk, key, version):
    client, _, _ = kiosk
    refused(
        client,
        submission(questionnaire=key, version=version),
        422,
        "questionnaire_closed",
        field="questionnaire",
        message="This questionnaire is not open for ratings.",
    )


def test_an_unpublished_draft_version_is_422(app, kiosk):
    client, _, _ = kiosk
    draft = builtin_definitions()["onestop-quick"]
    draft["version"] += 1
    with app.app_context(), write_session() as session:
        questionnaire = session.scalar(
            select(Questionnaire).where(Questionnaire.key == "onestop-quick")
        )
        session.add(
            QuestionnaireVersion(
                questionnaire=questionnaire, version_number=draft["version"], definition=draft
            )
        )
    refused(client, submission(version=draft["version"]), 422, "questionnaire_closed")


def test_a_desk_no_longer_in_service_is_422(app, kiosk, desk):
    client, _, _ = kiosk
    with app.app_context(), write_session() as session:
        session.get(ServicePoint, desk.desk_id).is_active = False
    refused(
        client,
        submission(),
        422,
        "desk_unavailable",
        message="This desk no longer takes ratings. Please ask the staff.",
    )


def test_a_second_rating_of_the_same_dossier_is_422(kiosk):
    client, _, _ = kiosk
    assert post(client, submission(dossier_code="HS-2026-001")).status_code == 201
    refused(
        client,
        submission(dossier_code="hs-2026-001 "),
        422,
        "invalid_submission",
        field="dossier_code",
        message="This dossier has already been rated. Thank you: each dossier is rated once.",
    )


# --------------------------------------------------------------------------- language, limits


def test_messages_follow_accept_language_and_lang(kiosk):
    client, _, _ = kiosk
    body = submission(answers={})
    vietnamese = refused(client, body, 422, "invalid_submission", headers={})
    assert vietnamese["message"] == "Đánh giá chưa được tiếp nhận. Xin xem lỗi ở từng mục."
    english = refused(client, body, 422, "invalid_submission", headers=ENGLISH)
    assert english["message"] == "The rating was not accepted. See the problems by field."
    khmer = refused(client, body, 422, "invalid_submission", headers={"Accept-Language": "km"})
    assert khmer["message"] not in (vietnamese["message"], english["message"])
    chosen = client.post(URL + "?lang=en", json=body, headers={"Accept-Language": "vi"})
    assert chosen.get_json()["message"] == english["message"]


@pytest.mark.parametrize(
    ("query", "accept_language"),
    [
        ("?lang=" + "x" * 5000, "vi"),
        ("?lang=%3Cscript%3E", "*;q=abc, ,;;, en-US;q=2"),
        ("?lang=km%00", "\u202e" + "zz" * 2000),
    ],
)
def test_absurd_language_requests_fall_back_to_vietnamese(kiosk, query, accept_language):
    client, _, _ = kiosk
    before = database_state(client.application)
    answer = client.post(
        URL + query, json=submission(answers={}), headers={"Accept-Language": accept_language}
    )
    assert answer.status_code == 422
    assert answer.get_json()["message"] in (
        "Đánh giá chưa được tiếp nhận. Xin xem lỗi ở từng mục.",
        "The rating was not accepted. See the problems by field.",
    )
    assert database_state(client.application) == before


def test_each_device_has_its_own_rate_limit(limited_app, desk):
    limited_app.config["KIOSK_SUBMIT_LIMIT"] = "2 per minute"
    first, _, _ = paired_client(limited_app, desk.code)
    second, _, _ = paired_client(limited_app, desk.code)
    assert post(first, submission()).status_code == 201
    assert post(first, submission()).status_code == 201
    payload = refused(first, submission(), 429, "too_many_requests")
    assert payload["message"] == "Too many ratings from this device. Please try later."
    assert post(second, submission()).status_code == 201


def test_other_methods_and_addresses_answer_json(kiosk):
    client, _, _ = kiosk
    answer = client.get(URL, headers=ENGLISH)
    assert answer.status_code == 405
    assert answer.get_json()["error"] == "method_not_allowed"
    missing = client.get("/api/v1/nothing", headers=ENGLISH)
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "not_found"


# --------------------------------------------------------------------------- the document

OPENAPI_STRUCTURE = {
    "type": "object",
    "required": ["openapi", "info", "paths", "components"],
    "properties": {
        "openapi": {"type": "string", "pattern": "^3\\.1\\.[0-9]+$"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {"title": {"type": "string"}, "version": {"type": "string"}},
        },
        "paths": {
            "type": "object",
            "propertyNames": {"pattern": "^/"},
            "additionalProperties": {
                "type": "object",
                "propertyNames": {"enum": ["get", "post", "put", "patch", "delete", "parameters"]},
                "additionalProperties": {
                    "type": "object",
                    "required": ["responses"],
                    "properties": {
                        "requestBody": {
                            "type": "object",
                            "required": ["content"],
                            "properties": {
                                "content": {
                                    "type": "object",
                                    "additionalProperties": {
                                        "type": "object",
                                        "required": ["schema"],
                                    },
                                }
                            },
                        },
                        "responses": {
                            "type": "object",
                            "minProperties": 1,
                            "propertyNames": {"pattern": "^[1-5][0-9][0-9]$"},
                            "additionalProperties": {
                                "type": "object",
                                "required": ["description"],
                            },
                        },
                    },
                },
            },
        },
        "components": {
            "type": "object",
            "properties": {"schemas": {"type": "object"}, "securitySchemes": {"type": "object"}},
        },
    },
}


def test_the_openapi_document_is_well_formed_and_describes_the_api(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    spec = answer.get_json()
    jsonschema.validate(spec, OPENAPI_STRUCTURE)
    for schema in spec["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    operation = spec["paths"]["/responses"]["post"]
    assert set(operation["responses"]) == {
        "200",
        "201",
        "400",
        "401",
        "409",
        "413",
        "415",
        "422",
        "429",
        "503",
    }
    request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema == {"$ref": "#/components/schemas/Submission"}
    submission_schema = spec["components"]["schemas"]["Submission"]
    jsonschema.validate(submission(), submission_schema)
    jsonschema.validate(submission(official_code="abc234", dossier_code="HS-1"), submission_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(submission(extra=1), submission_schema)
    references = {scheme for requirement in operation["security"] for scheme in requirement}
    assert references <= set(spec["components"]["securitySchemes"])


def test_a_rating_without_any_rating_is_422(app, kiosk):
    client, _, _ = kiosk
    with app.app_context(), write_session() as session:
        make_published_version(session, "sipas")
    for answers in ({"comment": "Không có gì"}, {"respondent_type": 1}, {"access_signs": "na"}):
        body = submission(questionnaire="sipas", version=3, answers=answers)
        refused(
            client,
            body,
            422,
            "invalid_submission",
            field="answers",
            message="Please rate the service in at least one question before sending the form.",
        )
    body = submission(answers={})
    refused(
        client,
        body,
        422,
        "invalid_submission",
        field="answers",
        message="Please rate the service in at least one question before sending the form.",
    )


def test_too_long_a_text_is_refused_as_too_long(kiosk):
    client, _, _ = kiosk
    for length in (1001, 4001):
        body = submission(answers={"overall_satisfaction": 3, "comment": "x" * length})
        payload = refused(client, body, 422, "invalid_submission", field="answers.comment")
        assert payload["fields"]["answers.comment"].startswith("Please shorten this to at most")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 5000 + b"]" * 5000, "The JSON is nested more than 32 levels deep."),
        (b'{"answers": {"x": ' + b"1" * 5001 + b"}}", "A number has more than 30 digits."),
        (b'{"answers": {"x": 1.' + b"5" * 5001 + b"}}", "A number has more than 30 digits."),
    ],
    ids=["deep", "integer", "decimal"],
)
def test_absurd_json_is_refused_before_it_is_parsed(kiosk, body, message):
    client, _device_id, _credential = kiosk
    refused(client, body, 400, "malformed", message=message)
