"""Fixtures: an application on each database, a client, a CLI runner, and small factories.

Every test that takes ``app`` runs on SQLite, and also on PostgreSQL when
``SURVEY_TEST_DATABASE_URL`` names a server (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``). The suite then creates
a database with a unique name on that server, migrates it once, empties it after
each test, and drops it at the end, so runs never see each other's data.

The cases on a streaming replica of that server (tests/results/test_replica.py) exist only
when ``SURVEY_TEST_REPLICA_URL`` names it (``.ci/replica`` starts one); with
``SURVEY_REQUIRE_REPLICA=1`` (set by ``.ci/run``) a missing one fails the run.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey import MIGRATIONS_DIRECTORY, create_app
from survey.db import db

#: The Redis the rate-limit tests use: a database number of its own for each test worker,
#: emptied before and after each test (the limiter is one object per process, so keys of
#: earlier applications in the same process would otherwise be seen).
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_URL = f"redis://127.0.0.1:6379/{5 + _WORKER % 10}"

SERVER_URL = os.environ.get("SURVEY_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if SERVER_URL else ["sqlite"]
REPLICA_URL = os.environ.get("SURVEY_TEST_REPLICA_URL")
#: The day the tests' reports take as today (survey.vietnam_calendar.reports_today): 2025,
#: the first year of the test data set, has ended; 2026 has not.
REPORTS_TODAY = "2026-12-08"


def pytest_collection_modifyitems(config, items):
    """Without a replica (and its primary) the cases that need one are not collected."""
    if REPLICA_URL and SERVER_URL:
        return
    if os.environ.get("SURVEY_REQUIRE_REPLICA") == "1":
        raise pytest.UsageError(
            "SURVEY_REQUIRE_REPLICA=1 needs SURVEY_TEST_REPLICA_URL and SURVEY_TEST_DATABASE_URL"
        )
    needing = [item for item in items if "replica" in getattr(item, "fixturenames", ())]
    if needing:
        config.hook.pytest_deselected(items=needing)
        items[:] = [item for item in items if item not in needing]


def alembic_config(app) -> Config:
    """The Alembic configuration Flask-Migrate uses, for tests that migrate by hand."""
    config = Config(os.path.join(MIGRATIONS_DIRECTORY, "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS_DIRECTORY)
    return config


def make_app(database_url: str, instance_path, **overrides):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "DOSSIER_HASH_KEY": "test-dossier-key",
            "WTF_CSRF_ENABLED": False,
            # the tests' data's years end when the tests say, not with the calendar
            "REPORTS_TODAY": REPORTS_TODAY,
            **overrides,
        },
        instance_path=str(instance_path),
    )


def upgrade_to_head(app) -> None:
    with app.app_context():
        command.upgrade(alembic_config(app), "head")


class PostgresServer:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self, server_url: str):
        self.server_url = make_url(server_url)
        # pool_pre_ping: the fleet benchmark restarts the server under this engine.
        self.engine = create_engine(
            self.server_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True
        )
        self.created: list[str] = []

    def create_database(self, purpose: str) -> str:
        name = f"hailong_{purpose}_{uuid.uuid4().hex[:12]}"
        with self.engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.engine.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    if not SERVER_URL:
        yield None
        return
    server = PostgresServer(SERVER_URL)
    yield server
    server.drop_all()


class Replica:
    """The streaming replica of the test server: its databases' addresses, waiting for it to
    replay what the primary wrote, pausing and resuming its replay."""

    def __init__(self, replica_url: str, primary: PostgresServer):
        self.url = make_url(replica_url)
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.primary = primary

    def database_url(self, primary_url: str) -> str:
        """The address on the replica of the primary's database ``primary_url``."""
        name = make_url(primary_url).database
        return self.url.set(database=name).render_as_string(hide_password=False)

    def catch_up(self, timeout: float = 60) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with self.primary.engine.connect() as connection:
            position = connection.scalar(text("SELECT pg_current_wal_lsn()"))
        deadline = time.monotonic() + timeout
        replayed = text("SELECT pg_last_wal_replay_lsn() >= CAST(:position AS pg_lsn)")
        with self.engine.connect() as connection:
            while not connection.scalar(replayed, {"position": position}):
                assert time.monotonic() < deadline, "the replica did not catch up"
                time.sleep(0.1)

    def pause(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_pause()"))

    def resume(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_resume()"))


@pytest.fixture(scope="session")
def replica_server(postgres_server) -> Iterator[Replica]:
    assert REPLICA_URL and postgres_server is not None
    server = Replica(REPLICA_URL, postgres_server)
    yield server
    server.resume()  # so that it replays the drop of the test databases too
    server.engine.dispose()


@pytest.fixture
def replica(replica_server) -> Iterator[Replica]:
    """The replica, to one test at a time of every test process (one pauses its replay while
    another waits for it): only requested by cases collected with a replica
    (:func:`pytest_collection_modifyitems`)."""
    with open(os.path.join(tempfile.gettempdir(), "hailong-test-replica.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield replica_server
        finally:
            replica_server.resume()


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory, postgres_server) -> dict[str, str]:
    """One migrated database per backend: a SQLite template file, a PostgreSQL database."""
    databases = {}
    template = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    databases["sqlite"] = f"sqlite:///{template}"
    if postgres_server is not None:
        databases["postgresql"] = postgres_server.create_database("test")
    instance = tmp_path_factory.mktemp("instance")
    for url in databases.values():
        app = make_app(url, instance)
        upgrade_to_head(app)
        with app.app_context():
            db.engine.dispose()
    return databases


def _empty_postgres(app) -> None:
    with app.app_context():
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        # A test that left a transaction open (a request served inside the test's own
        # application context keeps its session) would make TRUNCATE wait for ever: end
        # every other connection to this test database first.
        db.engine.dispose()
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, migrated_databases, tmp_path) -> str:
    if backend == "sqlite":
        copy = tmp_path / "survey.sqlite3"
        shutil.copyfile(make_url(migrated_databases["sqlite"]).database, copy)
        return f"sqlite:///{copy}"
    return migrated_databases["postgresql"]


@pytest.fixture
def app(database_url, backend, tmp_path):
    application = make_app(database_url, tmp_path / "instance")
    yield application
    if backend == "postgresql":
        _empty_postgres(application)
    else:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, app, database_url, tmp_path):
    """The application with its rate-limit counters in memory, or in Redis.

    For the tests of sign-in throttling, submission limits and bursts, which must hold with
    either storage (Redis is what several workers or hosts share). ``app`` is requested for
    its database and clean-up: both applications see the same data.
    """
    if request.param == "memory":
        yield app
        return
    server = redis.Redis.from_url(REDIS_URL)
    _delete_own_counters(server)
    application = make_app(
        database_url,
        tmp_path / "redis-instance",
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=LIMITS_PREFIX,
    )
    yield application
    with application.app_context():
        db.engine.dispose()
    _delete_own_counters(server)
    server.close()


#: This test process's rate-limit counters in Redis. One prefix per process, not per test:
#: Flask-Limiter keeps the first prefix its (module-level) limiter is given. Each xdist worker
#: has a Redis database of its own (REDIS_URL), but another suite run on the same server (a
#: second checkout) shares it: only this process's counters are deleted, never the database.
LIMITS_PREFIX = f"test-limits-{uuid.uuid4().hex}"


def _delete_own_counters(server: redis.Redis) -> None:
    own_keys = list(server.scan_iter(match=f"*{LIMITS_PREFIX}*"))
    if own_keys:
        server.delete(*own_keys)
