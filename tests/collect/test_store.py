"""A response is stored exactly once, whatever the retries; all its answers or none."""

import threading
import uuid

import pytest
from sqlalchemy import event, func, select

from survey.collect.models import Answer, Channel, Response, UncountedResponse
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


MIXED_ANSWERS = [
    {"item_key": "overall", "value": 3, "text": None, "is_not_applicable": False},
    {"item_key": "waiting", "value": None, "text": None, "is_not_applicable": True},
    {"item_key": "comment", "value": None, "text": "Cán bộ tận tình", "is_not_applicable": False},
    {"item_key": "other", "value": 1, "text": None, "is_not_applicable": False},
]


def stored_rows(response_id):
    response = db.session.get(Response, response_id)
    answers = db.session.execute(
        select(Answer.item_key, Answer.value, Answer.text, Answer.is_not_applicable)
        .where(Answer.response_id == response_id)
        .order_by(Answer.item_key)
    ).all()
    columns = {
        name: getattr(response, name)
        for name in Response.__table__.c.keys()  # noqa: SIM118 - the names
        if name not in ("id", "uuid", "received_dt")
    }
    return columns, answers, response.received_dt is not None


def test_one_response_alone_is_stored_as_a_batch_would_store_it(target):
    """On PostgreSQL one response goes in one statement, a batch through three: same rows."""
    alone, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    body = {"mixed": True}
    moment = utcnow()
    rows = {
        key: response_row(target["version_id"], target["agency_id"], key, body)
        | {"submitted_dt": moment}
        for key in (alone, first, second)
    }
    with write_session() as session:
        [created_alone] = store_responses(session, [rows[alone]], {alone: MIXED_ANSWERS}).values()
        batch = store_responses(
            session, [rows[first], rows[second]], {first: MIXED_ANSWERS, second: MIXED_ANSWERS}
        )
    assert created_alone.created and all(stored.created for stored in batch.values())
    reference = stored_rows(batch[first].id)
    assert stored_rows(created_alone.id) == reference == stored_rows(batch[second].id)
    assert reference[1][0] == ("comment", None, "Cán bộ tận tình", False)
    assert reference[1][3] == ("waiting", None, None, True)
    queued = set(db.session.scalars(select(UncountedResponse.response_id)))
    assert queued == {created_alone.id, batch[first].id, batch[second].id}


def test_answers_without_any_value_are_stored(target):
    """Every answer "not applicable" or free text: a column of NULL values only."""
    answers = [MIXED_ANSWERS[1], MIXED_ANSWERS[2]]
    stored = store(target, uuid.uuid4(), {"no values": True}, answers=answers)
    assert stored.created
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 2


def test_an_answer_without_its_not_applicable_flag_takes_the_default(target):
    stored = store(target, uuid.uuid4(), {"short": True}, [{"item_key": "overall", "value": 3}])
    assert db.session.scalar(select(Answer.is_not_applicable)) is False
    assert db.session.scalar(select(Response.received_dt).where(Response.id == stored.id))


def test_a_rating_on_postgresql_is_stored_in_one_statement(target, backend, app):
    seen = []

    def note(_connection, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        store(target, uuid.uuid4(), {"overall": 3})
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    writes = [statement for statement in seen if "INSERT" in statement]
    assert len(writes) == (1 if backend == "postgresql" else 3)


def test_the_queue_needs_nothing_but_the_response_id():
    """The one-statement insert writes only ``response_id`` into the queue: a new column of
    ``uncounted_responses`` needs a server default (or a change there)."""
    others = [c for c in UncountedResponse.__table__.c if c.name != "response_id"]
    assert all(c.default is None and (c.nullable or c.server_default is not None) for c in others)
