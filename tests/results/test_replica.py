"""Reports on a real streaming replica: the fold writes on the primary, reports read the
replica, and a report read while the replica lags says how fresh its numbers are.

Collected only with ``SURVEY_TEST_REPLICA_URL`` (``.ci/replica`` starts the replica in CI).
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from survey.db import db, reports_session, write_session
from survey.results.counts import counted_through
from survey.results.fold import as_of_moment
from tests.accounts.conftest import sign_in
from tests.conftest import make_app, upgrade_to_head
from tests.factories import make_user
from tests.results.dataset import build_organisation, submit
from tests.results.test_downloads import QUERY, summary_rows

EMAIL = "replica-reader@hailong.example"


@pytest.fixture
def apps(replica, postgres_server, tmp_path):
    """``(primary, on_replica)``: the same database, its reports read on the primary and on
    the replica; a migrated primary database with an organisation and an officer."""
    primary_url = postgres_server.create_database("replica")
    primary = make_app(primary_url, tmp_path / "primary", COUNTS_FOLD_SECONDS=3600)
    upgrade_to_head(primary)
    with primary.app_context():
        organisation = build_organisation()
        with write_session() as session:
            make_user(session, "reform_office", email=EMAIL)
    replica.catch_up()  # the new database is on the replica too
    on_replica = make_app(
        primary_url,
        tmp_path / "on-replica",
        REPORTS_DATABASE_URL=replica.database_url(primary_url),
        COUNTS_FOLD_SECONDS=3600,  # no refresh of the fold time behind the test's back
    )
    yield primary, on_replica, organisation
    for application in (primary, on_replica):
        with application.app_context():
            for engine in db.engines.values():
                engine.dispose()


def report_csv(app) -> dict[str, str]:
    client = app.test_client()
    assert sign_in(client, EMAIL).status_code == 302
    response = client.get(f"/officer/results/report.csv?{QUERY}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    return {**dict(row for row in rows if len(row) == 2), **summary_rows(rows)}


def fold_time(app):
    with app.app_context(), db.engine.connect() as connection:
        return counted_through(connection)


def in_vietnamese(app, moment) -> str:
    with app.test_request_context("/?lang=vi"):
        return as_of_moment(moment)


def test_a_report_on_a_lagging_replica_shows_its_older_numbers_and_says_how_old(apps, replica):
    primary, on_replica, organisation = apps
    with primary.app_context():
        submit(organisation, responses=150, seed=3)  # stored and folded on the primary
    first_fold = fold_time(primary)
    first = report_csv(primary)
    replica.catch_up()
    assert report_csv(on_replica) == {
        **first,
        "Số liệu tính đến": in_vietnamese(primary, first_fold),
    }

    replica.pause()
    with primary.app_context():
        submit(organisation, responses=150, seed=4)
    second_fold = fold_time(primary)
    second = report_csv(primary)
    assert second_fold > first_fold and second["Số phiếu"] != first["Số phiếu"]
    assert "Số liệu tính đến" not in second  # the primary is never behind: no such line

    # Replication lags: the replica's report has the first numbers, and says they are older.
    lagging = report_csv(on_replica)
    assert lagging["Số phiếu"] == first["Số phiếu"]
    assert lagging["Số liệu tính đến"] == in_vietnamese(primary, first_fold)

    replica.resume()
    replica.catch_up()
    caught_up = report_csv(on_replica)
    assert caught_up["Số phiếu"] == second["Số phiếu"]
    assert caught_up["Số liệu tính đến"] == in_vietnamese(primary, second_fold)


def test_every_format_and_page_says_how_fresh_the_replicas_numbers_are(apps, replica):
    primary, on_replica, organisation = apps
    with primary.app_context():
        submit(organisation, responses=60, seed=5)
    replica.catch_up()
    replica.pause()
    with primary.app_context():
        submit(organisation, responses=60, seed=6)  # folded later than the replica has seen
    stale = in_vietnamese(primary, _replica_fold_time(on_replica))
    client = on_replica.test_client()
    assert sign_in(client, EMAIL).status_code == 302

    page = client.get(f"/officer/results/?{QUERY}").get_data(as_text=True)
    assert "Số liệu tính đến" in page and stale in page
    workbook = load_workbook(
        io.BytesIO(client.get(f"/officer/results/report.xlsx?{QUERY}").data), read_only=True
    )
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(values_only=True)}
    assert summary["Số liệu tính đến"] == stale
    pdf = client.get(f"/officer/results/report.pdf?{QUERY}").data
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Số liệu tính đến {stale}" in text  # under the title
    assert f"Số liệu tính đến: {stale}" in text  # among the filters used
    start = client.get("/officer/").get_data(as_text=True)  # this quarter's headline
    assert f"Số liệu tính đến {stale}" in start
    public = on_replica.test_client().get("/results?year=2026&lang=vi").get_data(as_text=True)
    assert f"Số liệu tính đến {stale}" in public


def _replica_fold_time(app):
    """The fold time as the replica has it, read as a report reads it."""
    with app.test_request_context("/"):
        session = reports_session()
        # One snapshot for the whole report (numbers and their time alike).
        assert session.connection().get_isolation_level() == "REPEATABLE READ"
        return counted_through(session)


def test_the_replica_is_a_replica(replica):
    with replica.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_is_in_recovery()").scalar() is True
