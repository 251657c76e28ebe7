"""The citizen pages keep what a code points at and which version it asks for a few seconds
(survey/collect/lookups.py): fewer statements per submission, yet a change made in this
process is seen at once, another process's within TARGETS_CACHE_SECONDS, and a new day's
dates are checked on the new day."""

from __future__ import annotations

import uuid
from contextlib import contextmanager, suppress
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select, update

import survey.collect.lookups as lookups
import survey.collect.submit as submit_module
from survey.accounts.models import Role
from survey.collect.models import Response
from survey.collect.submit import TargetUnavailable, current_version, resolve_code
from survey.db import db, utcnow, write_session
from survey.org.models import Agency, Official, PublicCode, ServicePoint
from survey.questionnaires.assignments import QuestionnaireAssignment
from survey.questionnaires.definition import builtin_definitions
from survey.questionnaires.install import publish_definition
from survey.vietnam_calendar import local_today
from tests.collect.test_phone import GOOD_ANSWERS
from tests.conftest import make_app
from tests.factories import make_desk, make_official, make_published_version, signed_in_client

#: Longer than any test: only an invalidation (or the moved clock) can refresh the cache.
FOREVER = 3600


@pytest.fixture
def app(app):
    app.config["TARGETS_CACHE_SECONDS"] = FOREVER
    return app


@pytest.fixture
def today(app) -> date:
    """Today in Vietnam (the machine's date may be yesterday's there)."""
    with app.app_context():
        return local_today()


@pytest.fixture
def place(app):
    with app.app_context(), write_session() as session:
        version = make_published_version(session, "onestop-quick")
        desk = make_desk(session, name="Quầy số 1")
        official = make_official(session, desk, name="Trần Thị Mai")
        return {
            "code": desk.active_code.code,
            "code_id": desk.active_code.id,
            "official_code": official.active_code.code,
            "desk_id": desk.id,
            "official_id": official.id,
            "agency_id": desk.agency_id,
            "version": version.version_number,
            "version_id": version.id,
            "questionnaire_id": version.questionnaire_id,
        }


def post(client, code, phone="phone"):
    body = {"submission_id": str(uuid.uuid4()), **GOOD_ANSWERS}
    return client.post(f"/q/{code}", data=body, headers={"User-Agent": phone})


@contextmanager
def statements(app):
    """Collects the SQL statements the application runs meanwhile."""
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def reads_of_the_lookups(seen: list[str]) -> list[str]:
    tables = ("public_codes", "questionnaire_assignments", "questionnaire_versions", "agencies")
    return [
        statement
        for statement in seen
        if statement.lstrip().upper().startswith(("SELECT", "WITH"))
        and any(table in statement for table in tables)
    ]


def test_a_second_submission_runs_fewer_statements_and_no_lookup(app, place):
    client = app.test_client()
    with statements(app) as first:
        assert post(client, place["code"], "phone 1").status_code == 303
    with statements(app) as second:
        assert post(client, place["code"], "phone 2").status_code == 303
    assert reads_of_the_lookups(first)  # the code and the version were read once...
    assert reads_of_the_lookups(second) == []  # ...and then kept
    assert len(second) < len(first)
    with statements(app) as page:
        assert client.get(f"/q/{place['code']}").status_code == 200
        assert client.get(f"/q/{place['code']}/thanks").status_code == 200
    assert reads_of_the_lookups(page) == []


def test_without_the_cache_time_every_request_reads_them_again(app, place):
    app.config["TARGETS_CACHE_SECONDS"] = 0
    client = app.test_client()
    assert post(client, place["code"], "phone 1").status_code == 303
    with statements(app) as second:
        assert post(client, place["code"], "phone 2").status_code == 303
    assert reads_of_the_lookups(second)


def revoke(session, place):
    session.get(PublicCode, place["code_id"]).revoked_dt = utcnow()


def close_desk(session, place):
    session.get(ServicePoint, place["desk_id"]).is_active = False


def close_agency(session, place):
    session.get(Agency, place["agency_id"]).valid_to = local_today() - timedelta(days=1)


def bulk_revoke(session, place):
    session.execute(
        update(PublicCode).where(PublicCode.id == place["code_id"]).values(revoked_dt=utcnow())
    )


@pytest.mark.parametrize("change", [revoke, close_desk, close_agency, bulk_revoke])
def test_a_change_committed_in_this_process_is_seen_at_once(app, place, change):
    client = app.test_client()
    assert client.get(f"/q/{place['code']}").status_code == 200  # now in the cache
    with app.app_context(), write_session() as session:
        change(session, place)
    assert client.get(f"/q/{place['code']}").status_code == 410
    assert post(client, place["code"]).status_code == 410
    assert "không còn được sử dụng" in client.get(f"/q/{place['code']}").get_data(as_text=True)


def test_an_official_ended_in_this_process_is_seen_at_once(app, place, today):
    client = app.test_client()
    assert client.get(f"/q/{place['official_code']}").status_code == 200
    with app.app_context():
        db.session.get(Official, place["official_id"]).active_to = today
        db.session.commit()
    assert post(client, place["official_code"]).status_code == 410


def test_the_administrator_s_changes_reach_the_citizen_pages_at_once(app, place):
    admin = signed_in_client(app, Role.ADMINISTRATOR)[0]
    citizen = app.test_client()
    assert citizen.get(f"/q/{place['official_code']}").status_code == 200
    assert citizen.get(f"/q/{place['code']}").status_code == 200
    officials_page = f"/admin/officials/{place['official_id']}/active"
    assert admin.post(officials_page, data={"active": "0"}).status_code == 303
    assert post(citizen, place["official_code"]).status_code == 410
    assert admin.post(f"/admin/qr/{place['code_id']}/replace").status_code == 302
    assert citizen.get(f"/q/{place['code']}").status_code == 410
    assert post(citizen, place["code"]).status_code == 410


def test_a_rolled_back_change_is_never_shared(app, place):
    with app.test_request_context():
        assert resolve_code(db.session, place["code"]).public_code == place["code"]
    with app.app_context(), pytest.raises(RuntimeError), write_session() as session:
        revoke(session, place)
        session.flush()
        # The writing transaction sees its own change...
        with pytest.raises(TargetUnavailable):
            resolve_code(session, place["code"])
        raise RuntimeError("rolled back")
    # ...which neither reached the cache nor emptied it for nothing.
    client = app.test_client()
    assert client.get(f"/q/{place['code']}").status_code == 200


def publish_title(session, title: str):
    definition = builtin_definitions()["onestop-quick"]
    title = {**definition["title"], "vi": title}
    definition = {**definition, "version": definition["version"] + 1, "title": title}
    return publish_definition(session, definition)


def test_a_version_published_or_assigned_in_this_process_is_used_at_once(app, place, today):
    client = app.test_client()
    assert "Phiếu mới" not in client.get(f"/q/{place['code']}").get_data(as_text=True)
    with app.app_context(), write_session() as session:
        publish_title(session, "Phiếu mới")
    assert "Phiếu mới" in client.get(f"/q/{place['code']}").get_data(as_text=True)
    with app.app_context(), write_session() as session:
        session.add(assignment(place, place["version_id"], today))
    assert "Phiếu mới" not in client.get(f"/q/{place['code']}").get_data(as_text=True)
    assert post(client, place["code"]).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Response.questionnaire_version_id)) == place["version_id"]


def assignment(place, version_id: int, valid_from: date) -> QuestionnaireAssignment:
    return QuestionnaireAssignment(
        agency_id=place["agency_id"],
        questionnaire_id=place["questionnaire_id"],
        version_id=version_id,
        valid_from=valid_from,
    )


@pytest.fixture
def other_process(app, database_url, tmp_path):
    """Another server process on the same database: its commits empty only its own cache."""
    other = make_app(database_url, tmp_path / "other-instance")
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(lookups, "monotonic", lambda: now[0])
    return now


def test_another_process_s_revocation_is_seen_once_the_cache_time_has_passed(
    app, place, other_process, clock
):
    client = app.test_client()
    assert client.get(f"/q/{place['code']}").status_code == 200
    with other_process.app_context(), write_session() as session:
        revoke(session, place)
    clock[0] += FOREVER - 1  # still within the cache time: what was read before
    assert client.get(f"/q/{place['code']}").status_code == 200
    clock[0] += 1
    assert client.get(f"/q/{place['code']}").status_code == 410
    assert post(client, place["code"]).status_code == 410


def test_another_process_s_new_version_is_used_once_the_cache_time_has_passed(
    app, place, other_process, clock
):
    client = app.test_client()
    assert "Phiếu mới" not in client.get(f"/q/{place['code']}").get_data(as_text=True)
    with other_process.app_context(), write_session() as session:
        publish_title(session, "Phiếu mới")
    assert "Phiếu mới" not in client.get(f"/q/{place['code']}").get_data(as_text=True)
    clock[0] += FOREVER
    assert "Phiếu mới" in client.get(f"/q/{place['code']}").get_data(as_text=True)


@pytest.fixture
def tomorrow(monkeypatch, today):
    """Moves the platform's "today" to tomorrow when called."""

    def move():
        monkeypatch.setattr(submit_module, "local_today", lambda: today + timedelta(days=1))

    return move


@pytest.mark.parametrize("ending", ["official", "agency"])
def test_dates_are_checked_on_the_day_not_when_read(app, place, today, tomorrow, ending):
    with app.app_context(), write_session() as session:
        if ending == "official":
            session.get(Official, place["official_id"]).active_to = today + timedelta(days=1)
        else:
            session.get(Agency, place["agency_id"]).valid_to = today + timedelta(days=1)
    client = app.test_client()
    assert client.get(f"/q/{place['code']}").status_code == 200
    assert client.get(f"/q/{place['official_code']}").status_code == 200
    tomorrow()  # nothing changed in the database; the cached dates now say no
    assert post(client, place["official_code"]).status_code == 410
    assert client.get(f"/q/{place['code']}").status_code == (410 if ending == "agency" else 200)


def test_an_assignment_from_tomorrow_is_used_tomorrow(app, place, today, tomorrow):
    with app.app_context(), write_session() as session:
        publish_title(session, "Phiếu mới")
        session.add(assignment(place, place["version_id"], today + timedelta(days=1)))
    client = app.test_client()
    assert "Phiếu mới" in client.get(f"/q/{place['code']}").get_data(as_text=True)
    tomorrow()
    assert "Phiếu mới" not in client.get(f"/q/{place['code']}").get_data(as_text=True)


def test_the_desk_s_officials_follow_changes_and_dates(app, place, today, tomorrow):
    def officials():
        with app.test_request_context():
            target = resolve_code(db.session, place["code"])
            return sorted(official.name for official in target.officials)

    assert officials() == ["Trần Thị Mai"]
    with app.app_context(), write_session() as session:
        desk = session.get(ServicePoint, place["desk_id"])
        make_official(session, desk, name="Lê Văn Bình").active_to = today + timedelta(1)
    assert officials() == ["Lê Văn Bình", "Trần Thị Mai"]
    tomorrow()
    assert officials() == ["Trần Thị Mai"]


def test_a_value_read_in_a_transaction_older_than_a_change_is_not_kept(app, place):
    client = app.test_client()
    with app.test_request_context():
        db.session.scalar(select(Agency.id))  # a read transaction begins (SQLite: its snapshot)
        with write_session() as session:  # meanwhile, another request revokes the code
            revoke(session, place)
        # The old transaction may still see the code as it was: fine for it, but not kept.
        with suppress(TargetUnavailable):
            resolve_code(db.session, place["code"])
    assert client.get(f"/q/{place['code']}").status_code == 410


def test_the_version_is_plain_data_usable_after_its_session(app, place):
    with app.test_request_context():
        version = current_version(db.session, "onestop-quick", place["agency_id"])
    with app.test_request_context():
        assert current_version(db.session, "onestop-quick", place["agency_id"]) is version
        assert version.version_number == place["version"]
