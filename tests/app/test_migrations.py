"""Migrations run from empty to the newest schema and back, on SQLite and PostgreSQL."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from survey.db import db
from tests.conftest import BACKENDS, alembic_config, make_app


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
