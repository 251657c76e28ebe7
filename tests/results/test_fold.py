"""The queue of uncounted responses: folded into the count tables exactly once, and always
before a report reads them."""

from __future__ import annotations

import random
import threading
import time
from datetime import date

from sqlalchemy import func, select

from survey.collect.models import Answer, Response, UncountedResponse
from survey.collect.store import store_responses
from survey.db import db, reports_session, utcnow, write_session
from survey.results import disclosure
from survey.results.counts import (
    counted_through,
    counts_generation,
    fold_all,
    fold_counts,
    rebuild_counts,
)
from survey.results.filters import Period, ReportFilter
from survey.results.fold import BackgroundFold, counts_as_of, decide_ahead
from survey.results.models import AnswerCount
from survey.results.overview import decided_in_year
from survey.results.queries import onestop_points_counts, response_count
from survey.results.report import ReportRequest, build_report
from tests.results.dataset import build_organisation, random_submission, submit
from tests.results.test_counts import assert_counts_equal_a_recount


def store(organisation, numbers) -> None:
    """Store the dataset's responses ``numbers`` in one transaction, without folding."""
    drawn = [random_submission(random.Random(n), organisation, n) for n in numbers]
    with write_session() as session:
        store_responses(
            session, [row for row, _ in drawn], {row["uuid"]: answers for row, answers in drawn}
        )


def queued() -> int:
    return db.session.scalar(select(func.count()).select_from(UncountedResponse))


def counted_answers() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(AnswerCount.count), 0))))


def test_a_stored_response_is_queued_then_folded_once(app_context):
    organisation = build_organisation()
    store(organisation, range(10))
    assert queued() == 10
    assert counted_answers() == 0
    raw_answers = db.session.scalar(select(func.count()).select_from(Answer))
    db.session.rollback()

    assert fold_all(write_session, batch=4) == 10  # three transactions: 4, 4, 2
    assert queued() == 0
    assert counted_answers() == raw_answers
    assert fold_all(write_session) == 0  # nothing left: nothing counted twice
    assert counted_answers() == raw_answers
    assert_counts_equal_a_recount()


def test_folds_running_at_once_with_writers_count_every_response_once(app_context):
    organisation = build_organisation()
    app = app_context
    errors = []

    def writer(first: int) -> None:
        try:
            with app.app_context():
                for start in range(first, first + 60, 6):
                    store(organisation, range(start, start + 6))
        except Exception as error:  # reported below
            errors.append(error)

    def folder(stop: threading.Event) -> None:
        try:
            with app.app_context():
                while not stop.is_set():
                    fold_all(write_session, batch=7)
        except Exception as error:  # reported below
            errors.append(error)

    stop = threading.Event()
    folders = [threading.Thread(target=folder, args=(stop,)) for _ in range(3)]
    writers = [threading.Thread(target=writer, args=(first,)) for first in (0, 1000)]
    for thread in folders + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in folders:
        thread.join()
    assert errors == []
    fold_all(write_session)

    assert db.session.scalar(select(func.count()).select_from(Response)) == 120
    assert queued() == 0
    assert counted_answers() == db.session.scalar(select(func.count()).select_from(Answer))
    db.session.rollback()
    assert_counts_equal_a_recount()


def test_a_report_request_folds_the_queue_before_it_reads(app, client):
    with app.app_context():
        organisation = build_organisation()
        store(organisation, range(25))
        assert queued() == 25
    response = client.get("/results?year=2026")
    assert response.status_code == 200
    with app.app_context():
        assert queued() == 0
        assert_counts_equal_a_recount()


def test_citizen_pages_do_not_fold(app, client):
    with app.app_context():
        organisation = build_organisation()
        store(organisation, range(3))
    assert client.get("/privacy").status_code == 200
    with app.app_context():
        assert queued() == 3


def test_the_command_line_report_counts_responses_stored_just_before(app, runner, tmp_path):
    with app.app_context():
        organisation = build_organisation()
        store(organisation, range(40))
    output = tmp_path / "report.csv"
    result = runner.invoke(
        args=["report", "--period", "2026", "--questionnaire", "onestop-quick", "-o", output]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert queued() == 0


def test_fold_counts_command(app, runner):
    with app.app_context():
        organisation = build_organisation()
        store(organisation, range(12))
    result = runner.invoke(args=["fold-counts"])
    assert result.exit_code == 0, result.output
    assert "12 responses added to the counts" in result.output
    with app.app_context():
        assert queued() == 0
        assert_counts_equal_a_recount()


def test_rebuild_counts_empties_the_queue_and_counts_each_response_once(app_context):
    organisation = build_organisation()
    store(organisation, range(8))
    fold_all(write_session, batch=3)  # some folded, then more stored
    store(organisation, range(100, 105))
    with write_session() as session:
        rebuild_counts(session)
    assert queued() == 0
    assert fold_all(write_session) == 0
    assert response_count(db.session, _everything()) == 13
    assert onestop_points_counts(db.session, _everything()) == onestop_points_counts(
        db.session, _everything(), use_counts=False
    )


def _everything() -> ReportFilter:
    return ReportFilter(Period.custom(date(2025, 1, 1), date(2026, 12, 31)), include_flagged=True)


def test_the_background_fold_keeps_the_queue_short(app):
    app.config["COUNTS_FOLD_SECONDS"] = 0.05
    with app.app_context():
        organisation = build_organisation()
        store(organisation, range(15))
    fold = BackgroundFold(app).start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with app.app_context():
                if queued() == 0:
                    break
            time.sleep(0.05)
    finally:
        fold.stop()
    with app.app_context():
        assert queued() == 0
        assert_counts_equal_a_recount()


def test_no_background_fold_when_turned_off(app):
    app.config["COUNTS_FOLD_SECONDS"] = 0
    fold = BackgroundFold(app).start()
    assert not fold._thread.is_alive()
    fold.stop()


def test_an_empty_queue_is_checked_without_waiting_for_writers(app_context):
    """A report must not queue behind citizens' submissions when there is nothing to fold
    (on SQLite a write transaction would wait for the one holding the write lock)."""
    app = app_context
    outcome = []

    def report_fold() -> None:
        with app.app_context():
            outcome.append(fold_all(write_session))

    with write_session() as session:
        session.execute(select(func.count()).select_from(UncountedResponse))
        session.connection().execute(UncountedResponse.__table__.delete())  # holds the lock
        reader = threading.Thread(target=report_fold)
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive(), "the fold waited for the write transaction"
    assert outcome == [0]


def recorded_fold_time():
    with db.engine.connect() as connection:
        return counted_through(connection)


def test_a_fold_that_empties_the_queue_records_when_it_read_it(app_context):
    organisation = build_organisation()
    assert recorded_fold_time() is None  # never folded
    store(organisation, range(6))
    before = utcnow()
    assert fold_all(write_session, batch=4) == 6
    folded = recorded_fold_time()
    assert before <= folded <= utcnow()

    # Partial folds (the queue not yet empty) record nothing: their counts are incomplete.
    store(organisation, range(6, 16))
    with write_session() as session:
        assert fold_counts(session, batch=4) == 4
    assert recorded_fold_time() == folded

    # An empty queue: one read and no write, unless the recorded time is too old.
    assert fold_all(write_session) == 6
    emptied = recorded_fold_time()
    assert fold_all(write_session, refresh_seconds=3600) == 0
    assert recorded_fold_time() == emptied
    assert fold_all(write_session, refresh_seconds=0) == 0
    assert recorded_fold_time() > emptied

    with write_session() as session:
        rebuild_counts(session)
    assert recorded_fold_time() > emptied


def test_reports_on_the_main_database_name_no_fold_time(app):
    """On the main database a report folds first: it is never behind, and says nothing."""
    with app.test_request_context("/"):
        assert counts_as_of(reports_session()) is None


def test_the_current_years_decisions_are_made_ahead_of_the_reports(app, monkeypatch):
    """After a fold that changed the counts, the year's decisions on the scopes' totals and
    on every official (seconds afresh) are made and kept, so the first report of a month
    of that year finds them; on the same counts nothing is decided again."""
    app.config["MIN_GROUP_SIZE"] = 5
    with app.app_context():
        submit(build_organisation(), responses=200, seed=3)
    for kept in (disclosure._periods_table_kept, disclosure._periods_kept, disclosure._sums_kept):
        kept.clear()
    audits, sums = [], []  # the year's decisions on officials; any on sums of cells
    for name, made in (("_hidden_by_period", audits), ("_hidden_sums", sums)):
        original = getattr(disclosure, name)
        monkeypatch.setattr(
            disclosure,
            name,
            lambda *a, made=made, original=original: made.append(1) or original(*a),
        )
    with app.app_context():
        decide_ahead(today=date(2026, 5, 20))
        assert audits  # the officials' year decisions were made
        made = len(audits)
        decide_ahead(today=date(2026, 5, 20))
        assert len(audits) == made  # the same counts: nothing decided again
        decided_in_year(db.session, ReportFilter(Period.parse("2026-03")), 5)
        assert len(audits) == made  # the month's report finds the year's decisions kept
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(period=Period.parse("2026-03"), questionnaire_key="onestop-quick")
        report = build_report(db.session, request, None, date(2026, 5, 20), with_comments=False)
    assert report.official_scores  # its officials' dossiers too
    assert len(audits) == made
    decided = len(sums)
    with app.test_request_context("/?lang=vi"):  # a month of the year before (ended), too
        request = ReportRequest(period=Period.parse("2025-11"), questionnaire_key="onestop-quick")
        report = build_report(db.session, request, None, date(2026, 5, 20), with_comments=False)
    assert report.overview.responses and report.official_scores
    assert len(audits) == made
    assert len(sums) == decided  # the ended year's decision on all its periods, kept


def test_the_background_fold_decides_the_year_ahead(app):
    app.config["COUNTS_FOLD_SECONDS"] = 0.05
    with app.app_context():
        store(build_organisation(), range(15))
    fold = BackgroundFold(app).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and fold._generation is None:
            time.sleep(0.05)
    finally:
        fold.stop()
    with app.app_context():
        assert queued() == 0
        assert fold._generation == counts_generation(db.session) > 0
