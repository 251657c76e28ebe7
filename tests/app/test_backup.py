"""Backups taken while ratings keep arriving restore into a fresh database, whole and consistent."""

import threading
import uuid

import pytest
from sqlalchemy import func, select, text

from survey.collect.models import Answer, Channel, Response
from survey.collect.store import canonical_body_hash, store_responses
from survey.db import db, utcnow, write_session
from survey.results.counts import fold_all
from survey.results.models import AnswerCount
from tests.conftest import make_app, upgrade_to_head
from tests.factories import make_desk, make_published_version

ANSWERS = [
    {"item_key": "overall_satisfaction", "value": 3, "text": None, "is_not_applicable": False},
    {"item_key": "result_timeliness", "value": 2, "text": None, "is_not_applicable": False},
    {"item_key": "comment", "value": None, "text": "Cán bộ tận tình", "is_not_applicable": False},
]


def store_one(version_id, agency_id):
    response_uuid = uuid.uuid4()
    row = {
        "uuid": response_uuid,
        "body_hash": canonical_body_hash({"n": str(response_uuid)}),
        "questionnaire_version_id": version_id,
        "channel": Channel.KIOSK,
        "agency_id": agency_id,
        "language": "vi",
        "submitted_dt": utcnow(),
    }
    with write_session() as session:
        store_responses(session, [row], {response_uuid: ANSWERS})


@pytest.fixture
def fresh_url(backend, tmp_path, postgres_server):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/restored.sqlite3"
    return postgres_server.create_database("restore")


def snapshot(app):
    """Responses with their answers, and the pre-aggregated counts against a recount.

    The queue of uncounted responses is folded first: a backup holds the counts and the
    queue as they were together, so after the fold the counts must equal the recount.
    """
    with app.app_context():
        fold_all(write_session)
        per_response = dict(
            db.session.execute(
                select(Response.uuid, func.count()).join(Answer).group_by(Response.uuid)
            ).all()
        )
        counted = int(db.session.scalar(select(func.coalesce(func.sum(AnswerCount.count), 0))))
        raw = db.session.scalar(select(func.count()).select_from(Answer))
        db.engine.dispose()
    return per_response, counted, raw


def test_a_backup_during_writes_restores_whole_and_consistent(app, backend, tmp_path, fresh_url):
    with app.app_context(), write_session() as session:
        desk = make_desk(session)
        version = make_published_version(session)
        target = (version.id, desk.agency_id)
    for _ in range(20):
        with app.app_context():
            store_one(*target)
    stop = threading.Event()

    def keep_writing():
        with app.app_context():
            while not stop.is_set():
                store_one(*target)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        backup_file = tmp_path / "survey.backup"
        result = app.test_cli_runner().invoke(args=["backup", str(backup_file)])
        assert result.exit_code == 0, result.output
    finally:
        stop.set()
        writer.join()
    before_restore, _, _ = snapshot(app)
    assert len(before_restore) > 20  # the writer was busy while the backup ran

    restored = make_app(fresh_url, tmp_path / "restored-instance")
    if backend == "postgresql":
        upgrade_to_head(restored)  # pg_restore --clean replaces an existing schema
    outcome = restored.test_cli_runner().invoke(args=["restore", "--yes", str(backup_file)])
    assert outcome.exit_code == 0, outcome.output
    responses, counted, raw = snapshot(restored)
    assert 20 <= len(responses) <= len(before_restore)
    # A consistent snapshot: every response restored has every one of its answers,
    # and the pre-aggregated counts agree with the restored answers.
    assert set(responses.values()) == {len(ANSWERS)}
    assert all(before_restore[key] == count for key, count in responses.items())
    assert counted == raw
    with restored.app_context():
        if backend == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        # The schema came back too: published versions are still frozen by the database.
        with pytest.raises(Exception, match="immutable"), write_session() as session:
            session.execute(text("UPDATE questionnaire_versions SET version_number = 9"))
        db.engine.dispose()


def test_backup_refuses_to_overwrite_and_restore_refuses_a_bad_file(app, runner, tmp_path):
    existing = tmp_path / "exists.backup"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_text() == "keep me"
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(b"\x00not a backup" * 100)
    result = runner.invoke(args=["restore", "--yes", str(garbage)])
    assert result.exit_code != 0
    missing = runner.invoke(args=["restore", "--yes", str(tmp_path / "missing")])
    assert missing.exit_code != 0 and "is not a file" in missing.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 0


def test_restore_asks_before_replacing_everything(runner, tmp_path):
    backup_file = tmp_path / "survey.backup"
    assert runner.invoke(args=["backup", str(backup_file)]).exit_code == 0
    result = runner.invoke(args=["restore", str(backup_file)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
