"""A short fleet run: kiosks and phones under gunicorn while a worker is killed and the
server restarted; every acknowledged rating is stored exactly once (bench/fleet.py runs
the long version, with a PostgreSQL restart too)."""

import pytest

from tests.fleet import run_fleet


@pytest.fixture
def fleet_database(backend, tmp_path, postgres_server):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/fleet.sqlite3"
    return postgres_server.create_database("fleet")


def test_a_short_fleet_under_faults_loses_nothing_and_counts_nothing_twice(fleet_database):
    report = run_fleet(fleet_database, clients=16, seconds=8, restart_database=False)
    assert report.faults == ["SIGKILL to a worker", "gunicorn restarted"]
    assert report.acknowledged  # ratings went through (how many depends on the machine)
    assert report.lost == 0 and report.duplicates == 0 and report.unexpected == 0
    assert report.stored == len(report.acknowledged)
    assert report.counts_match
