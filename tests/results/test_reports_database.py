"""Reports can read from a separate database (a read replica) while writes go to the main one."""

import pytest
from sqlalchemy import func, select

from survey.collect.models import Response
from survey.db import db, reports_engine
from tests.conftest import make_app, upgrade_to_head


@pytest.fixture
def replica_url(backend, tmp_path, postgres_server):
    url = (
        f"sqlite:///{tmp_path}/replica.sqlite3"
        if backend == "sqlite"
        else postgres_server.create_database("replica")
    )
    replica = make_app(url, tmp_path / "replica-instance")
    upgrade_to_head(replica)  # an empty copy of the schema: a replica that lags behind
    with replica.app_context():
        db.engine.dispose()
    return url


def test_reports_read_the_replica_and_writes_go_to_the_main_database(
    app, database_url, replica_url, results_world, tmp_path
):
    both = make_app(database_url, tmp_path / "both-instance", REPORTS_DATABASE_URL=replica_url)
    on_main = app.test_client().get("/results?year=2026").get_data(as_text=True)
    on_replica = both.test_client().get("/results?year=2026").get_data(as_text=True)
    assert "Tỉnh thử nghiệm" in on_main
    assert "Tỉnh thử nghiệm" not in on_replica  # the replica has no data yet
    with both.app_context():
        assert str(reports_engine().url) != str(db.engine.url)
        # Everything else, citizens' submissions included, still uses the main database.
        assert db.session.scalar(select(func.count(Response.id))) == len(results_world.responses)
        for engine in db.engines.values():
            engine.dispose()


def test_without_a_replica_reports_read_the_main_database(app):
    with app.app_context():
        assert reports_engine() is db.engine
