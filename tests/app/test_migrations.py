"""Migrations run from empty to the newest schema and back, on SQLite and PostgreSQL."""

import random

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.orm import Session

from survey.collect.models import UncountedResponse
from survey.collect.store import store_responses
from survey.db import db, write_session
from survey.results import counts
from survey.results.counts import fill_new_tables, fold_all
from survey.results.models import (
    AgencyAnswerCount,
    AnswerCount,
    AnswerVector,
    OfficialOnestopPointCount,
    OnestopPointCount,
    ProcedureResponseCount,
    ResponseCount,
)
from tests.conftest import BACKENDS, alembic_config, make_app
from tests.results.dataset import build_organisation, random_submission
from tests.results.test_counts import assert_counts_equal_a_recount


@pytest.fixture(params=BACKENDS)
def empty_database_app(request, tmp_path, postgres_server):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/fresh.sqlite3"
    else:
        url = postgres_server.create_database("migrations")
    app = make_app(url, tmp_path / "instance")
    with app.app_context():
        yield app
        db.engine.dispose()


def table_names():
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_to_head_then_down_to_base_and_up_again(empty_database_app):
    config = alembic_config(empty_database_app)
    assert table_names() == set()
    command.upgrade(config, "head")
    assert table_names() == set(db.metadata.tables)
    command.downgrade(config, "base")
    assert table_names() == set()
    command.upgrade(config, "head")
    assert table_names() == set(db.metadata.tables)


def test_upgrade_is_idempotent(empty_database_app):
    config = alembic_config(empty_database_app)
    command.upgrade(config, "head")
    command.upgrade(config, "head")
    assert table_names() == set(db.metadata.tables)


def test_the_models_and_the_migrations_describe_the_same_schema(empty_database_app):
    command.upgrade(alembic_config(empty_database_app), "head")
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_flask_db_upgrade_command_brings_a_fresh_database_to_head(empty_database_app):
    runner = empty_database_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert table_names() == set(db.metadata.tables)
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert table_names() == set()


def test_the_count_migrations_count_the_responses_already_counted_and_no_other(
    empty_database_app,
):
    """Tables added by a migration get the responses the others count; the queued ones
    are added to every table by the next fold, once."""
    config = alembic_config(empty_database_app)
    # Before the tables by procedure, the answer vectors and the point tables by agency and
    # official: each migration fills its tables on the way.
    command.upgrade(config, "b51d0c7e2a93")
    # That revision has no counts_fold_state, whose generation a new agency or official
    # moves on (the public page's key): the units are written as the revision knew them.
    event.remove(Session, "before_flush", counts._units_changed)
    try:
        organisation = build_organisation()
    finally:
        event.listen(Session, "before_flush", counts._units_changed)

    def store(numbers):
        drawn = [random_submission(random.Random(n), organisation, n) for n in numbers]
        with write_session() as session:
            store_responses(
                session, [row for row, _ in drawn], {row["uuid"]: answers for row, answers in drawn}
            )

    store(range(60))
    with write_session() as session:  # folded into the count tables of that revision
        session.execute(delete(UncountedResponse))
        fill_new_tables(session, (ResponseCount, AnswerCount, AgencyAnswerCount, OnestopPointCount))
    store(range(100, 110))  # still queued
    command.upgrade(config, "head")

    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(UncountedResponse)) == 10
        by_procedure = connection.scalar(select(func.sum(ProcedureResponseCount.count)))
        vectors = connection.scalar(select(func.count()).select_from(AnswerVector))
        official_points = connection.scalar(select(func.sum(OfficialOnestopPointCount.count)))
    assert by_procedure == 60 and vectors > 0 and official_points > 0
    assert fold_all(write_session) == 10
    assert_counts_equal_a_recount()
