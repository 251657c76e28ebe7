"""A response is stored exactly once, whatever the retries; all its answers or none."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from survey.collect.models import Answer, Channel, Response
from survey.collect.store import UuidConflict, canonical_body_hash, dossier_hash, store_responses
from survey.db import db, utcnow, write_session
from tests.factories import make_desk, make_published_version


def response_row(version_id, agency_id, response_uuid, body):
    return {
        "uuid": response_uuid,
        "body_hash": canonical_body_hash(body),
        "questionnaire_version_id": version_id,
        "channel": Channel.QR,
        "agency_id": agency_id,
        "language": "vi",
        "submitted_dt": utcnow(),
    }


@pytest.fixture
def target(app_context):
    with write_session() as session:
        desk = make_desk(session)
        version = make_published_version(session)
        return {"version_id": version.id, "agency_id": desk.agency_id}


ANSWERS = [{"item_key": "overall", "value": 3, "text": None, "is_not_applicable": False}]


def store(target, response_uuid, body, answers=ANSWERS):
    row = response_row(target["version_id"], target["agency_id"], response_uuid, body)
    with write_session() as session:
        return store_responses(session, [row], {response_uuid: answers})[response_uuid]


def test_a_repeat_of_the_same_submission_is_acknowledged_not_stored_again(target):
    response_uuid = uuid.uuid4()
    first = store(target, response_uuid, {"overall": 3})
    second = store(target, response_uuid, {"overall": 3})
    assert first.created and not second.created
    assert first.id == second.id
    assert db.session.scalar(select(func.count(Response.id))) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_the_same_uuid_with_another_body_is_refused(target):
    response_uuid = uuid.uuid4()
    store(target, response_uuid, {"overall": 3})
    with pytest.raises(UuidConflict):
        store(target, response_uuid, {"overall": 1})
    stored = db.session.scalars(select(Answer.value)).all()
    assert stored == [3]


def test_twenty_parallel_copies_store_exactly_one_response(target, app):
    response_uuid = uuid.uuid4()
    results, errors = [], []
    barrier = threading.Barrier(20)

    def submit():
        with app.app_context():
            try:
                barrier.wait()
                results.append(store(target, response_uuid, {"overall": 3}))
            except Exception as error:  # any error is a failure of the guarantee
                errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(result.created for result in results) == 1
    assert len({result.id for result in results}) == 1
    assert db.session.scalar(select(func.count(Response.id))) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_a_failing_answer_leaves_no_response_behind(target):
    response_uuid = uuid.uuid4()
    broken = [{"item_key": "overall", "value": 3, "text": "both", "is_not_applicable": False}]
    with pytest.raises(Exception):  # noqa: B017 - the CHECK constraint, named differently per database
        store(target, response_uuid, {"overall": 3}, answers=broken)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_dossier_codes_match_whatever_the_spacing_and_case_but_are_not_readable():
    key = b"k"
    assert dossier_hash("000.00.07.H01-250101-0001", key) == dossier_hash(
        " 000.00.07.h01-250101-0001 ", key
    )
    assert dossier_hash("A-1", key) != dossier_hash("A-2", key)
    assert dossier_hash("A-1", key) != dossier_hash("A-1", b"other key")
    assert "A-1" not in dossier_hash("A-1", key)


def test_body_hash_ignores_key_order():
    assert canonical_body_hash({"a": 1, "b": "Bình"}) == canonical_body_hash({"b": "Bình", "a": 1})
    assert canonical_body_hash({"a": 1}) != canonical_body_hash({"a": 2})
