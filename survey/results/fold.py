"""When the queue of uncounted responses is folded into the count tables.

- Before every request of the dashboards and downloads, and before a report from the command
  line: a report therefore counts every response stored before it began
  (:func:`survey.results.counts.fold_all`; an empty queue costs one read). The public results
  page folds when its one read of the data's state shows responses waiting
  (:func:`survey.results.public.data_state`), so that a kept page costs that read alone.
- Every ``COUNTS_FOLD_SECONDS`` in each gunicorn worker (``gunicorn.conf.py`` starts
  :class:`BackgroundFold`), so the queue stays short and a report seldom has much to fold.
- ``flask --app survey fold-counts``, for a scheduler or after a bulk import.

After each background fold, when the count tables changed (by this worker's fold or
another's: the count tables' generation, :func:`survey.results.counts.counts_generation`),
one worker (the first to claim those counts, :func:`survey.results.kept.claim`) decides the
current year's and the year before's units and officials ahead of the reports
(:func:`decide_ahead`): those decisions take seconds afresh, and the first report after new
responses then finds them kept, in whichever worker (:mod:`survey.results.kept`).

The length of the queue is published at ``/metrics`` (``survey_uncounted_responses``): it
should stay near zero; a growing number means the background folds fail (see the logs).

When reports read a replica (``REPORTS_DATABASE_URL``), the fold before a report runs on the
primary and the report reads the replica, which may lag. Each fold that empties the queue
records the time it read it (:func:`survey.results.counts.counted_through`), also when there
was nothing to fold (at most every ``COUNTS_FOLD_SECONDS``); a report reads that time in the
same snapshot as its numbers (:func:`counts_as_of`) and says "data as of" it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime

import click
from flask import Flask, current_app, request
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.collect.models import UncountedResponse
from survey.db import REPORTS_BIND, db, write_session
from survey.i18n import format_day
from survey.observability import add_database_gauge
from survey.results.counts import counted_through, counts_generation, fold_all
from survey.vietnam_calendar import VIETNAM_UTC_OFFSET, local_today

logger = logging.getLogger(__name__)

#: Blueprints whose requests read the count tables (the public page folds by itself).
REPORT_BLUEPRINTS = frozenset({"results"})


def init_app(app: Flask) -> None:
    app.before_request(_fold_before_reports)
    app.add_template_filter(as_of_moment, "as_of_moment")
    app.cli.add_command(fold_counts_command)
    add_database_gauge(
        app,
        "survey_uncounted_responses",
        "Stored responses not yet added to the report counts.",
        _queue_length,
    )


def _queue_length() -> int:
    return db.session.execute(select(func.count()).select_from(UncountedResponse)).scalar_one()


def _fold_before_reports() -> None:
    if request.blueprint in REPORT_BLUEPRINTS:
        fold_before_report()


def fold_before_report() -> int:
    """Fold the queue as a report does before it reads; returns how many were folded."""
    return fold_all(write_session, refresh_seconds=_refresh_seconds(current_app))


def _refresh_seconds(app: Flask) -> float | None:
    """How old the recorded fold time may grow while nothing is stored: only reports on a
    replica read it (on the main database a report folds first and is never behind)."""
    if not app.config.get("REPORTS_DATABASE_URL"):
        return None
    return float(app.config["COUNTS_FOLD_SECONDS"])


def counts_as_of(session) -> datetime | None:
    """When reports read a replica: the time (UTC) up to which the numbers read in
    ``session``'s transaction are complete, read in that transaction (its snapshot is the
    numbers' own: see :func:`survey.db.reports_session`). None on the main database."""
    if REPORTS_BIND not in db.engines:
        return None
    return counted_through(session)


def as_of_moment(moment: datetime) -> str:
    """A :func:`counts_as_of` time in Vietnam's time, as in "Data as of" 14:05 on 07/12/2026."""
    local = moment + VIETNAM_UTC_OFFSET
    return _("%(time)s on %(day)s", time=local.strftime("%H:%M"), day=format_day(local))


@click.command("fold-counts")
@with_appcontext
def fold_counts_command() -> None:
    """Add the responses stored since the last fold to the count tables."""
    started = time.perf_counter()
    folded = fold_all(write_session)
    elapsed = time.perf_counter() - started
    click.echo(f"{folded:,} responses added to the counts in {elapsed:.1f} s.")


class BackgroundFold:
    """A daemon thread folding the queue every ``COUNTS_FOLD_SECONDS`` (0 or less: never).

    A failure (the database restarting) is logged and tried again at the next tick: the
    queue keeps every response until a fold commits.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.seconds = float(app.config["COUNTS_FOLD_SECONDS"])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fold-counts", daemon=True)
        self._generation: int | None = None

    def start(self) -> BackgroundFold:
        if self.seconds > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                with self.app.app_context():
                    fold_all(write_session, refresh_seconds=_refresh_seconds(self.app))
            except Exception:
                logger.exception("folding responses into the count tables failed; will retry")
                continue
            try:
                with self.app.app_context():
                    self._decide_ahead_once()
            except Exception:
                logger.exception("deciding the current year's figures ahead failed")

    def _decide_ahead_once(self) -> None:
        """:func:`decide_ahead` when the count tables changed since this worker last looked,
        unless another worker claimed it for these counts first: it keeps the decisions for
        every worker (:mod:`survey.results.kept`)."""
        current = counts_generation(db.session())
        if current == self._generation:
            return
        # first: a failure is tried again when the counts change, not at every tick
        self._generation = current
        from survey.results.kept import claim  # imported here: numpy, SciPy (commands start fast)

        if claim(f"decide-ahead:{current}:{local_today().isoformat()}"):
            decide_ahead()


def decide_ahead(today: date | None = None) -> None:
    """Decide the units and officials of the calendar year of ``today`` (Vietnam's) and of
    the year before (the year an officer writes the annual report of in its first months),
    as every report of a period within them reads them
    (:func:`survey.results.overview.decided_in_year`: the year's decisions on the scopes'
    totals and on every official, seconds afresh; and the officials' dossiers,
    :func:`survey.results.official_periods.dossiers_ahead`), and keep them in this process
    and for every process (:mod:`survey.results.kept`).
    The year before is decided afresh only when its counts changed (the decisions are kept
    by content); once it has ended, its periods are decided at once
    (:func:`survey.results.period_units.decided_year`)."""
    # imported here: the reports import this module
    from survey.results.filters import Period, ReportFilter
    from survey.results.official_periods import dossiers_ahead
    from survey.results.overview import decided_in_year
    from survey.results.report import report_settings

    session = db.session()
    number = (today or local_today()).year
    minimum = report_settings()[0]
    for year in (Period.year(number), Period.year(number - 1)):
        decided_in_year(session, ReportFilter(year), minimum)
        dossiers_ahead(session, year, minimum)
