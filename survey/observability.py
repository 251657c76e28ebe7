"""What an operator watches: structured request logs and Prometheus metrics at ``/metrics``.

Logs are one JSON object per request with no personal data: no address, no browser,
no query string, no form field. Metrics count submissions accepted, repeated and
rejected by reason, time every request, and publish the gauges other parts register with
:func:`add_database_gauge`, read from the database once per scrape (such as how many
stored responses wait to be added to the report counts, ``survey_uncounted_responses``,
registered by :mod:`survey.results.fold`). Under gunicorn with several workers set
``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py does) so that ``/metrics`` adds up every
worker. ``/metrics`` is served only to the addresses in ``METRICS_ALLOWED``
(loopback by default): put it behind the proxy's internal network, not the internet.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import OperationalError

from survey.db import db

SUBMISSIONS = Counter(
    "survey_submissions_total",
    "Submissions by channel and outcome (created, repeated, rejected, conflict).",
    ["channel", "outcome"],
)
REJECTIONS = Counter(
    "survey_submission_rejections_total",
    "Refused submissions by the reason given to the citizen.",
    ["reason"],
)
REQUEST_SECONDS = Histogram(
    "survey_request_seconds",
    "Time to answer a request, by route and status class.",
    ["endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0),
)

request_log = logging.getLogger("survey.requests")
blueprint = Blueprint("observability", __name__)


def count_submission(channel: str, outcome: str, reasons: list[str] | tuple = ()) -> None:
    SUBMISSIONS.labels(channel=channel, outcome=outcome).inc()
    for reason in reasons:
        REJECTIONS.labels(reason=reason).inc()


@blueprint.get("/metrics")
def metrics():
    if request.remote_addr not in current_app.config["METRICS_ALLOWED"]:
        abort(404)
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = DEFAULT_REGISTRY
    # Read from the database, the same for every worker: once per scrape, not per worker.
    database = CollectorRegistry()
    database.register(_DatabaseGauges(current_app.extensions.get(_GAUGES, {})))
    return Response(
        generate_latest(registry) + generate_latest(database), mimetype=CONTENT_TYPE_LATEST
    )


#: ``app.extensions`` key of the gauges read from the database: name -> (help, read).
_GAUGES = "survey.database_gauges"


def add_database_gauge(app: Flask, name: str, documentation: str, read: Callable[[], int]) -> None:
    """Publish ``read()`` (a query in the application's session) as the gauge ``name`` at
    every scrape of ``/metrics``.

    The parts that own the data register their gauges, so this module imports none of them.
    """
    app.extensions.setdefault(_GAUGES, {})[name] = (documentation, read)


class _DatabaseGauges:
    def __init__(self, gauges: dict[str, tuple[str, Callable[[], int]]]):
        self.gauges = gauges

    def collect(self):
        for name, (documentation, read) in self.gauges.items():
            try:
                value = read()
            except OperationalError:  # the database is unreachable: the rest still goes out
                db.session.rollback()
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    if not request_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        request_log.propagate = False

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_and_time(response):
        started = g.pop("request_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "unmatched"
        REQUEST_SECONDS.labels(
            endpoint=endpoint, status=f"{response.status_code // 100}xx"
        ).observe(seconds)
        request_log.info(
            json.dumps(
                {
                    "event": "request",
                    "method": request.method,
                    "endpoint": endpoint,
                    "status": response.status_code,
                    "ms": round(seconds * 1000, 1),
                    # Never measure a streamed body: that would read it all into memory.
                    "bytes": None if response.is_streamed else response.calculate_content_length(),
                },
                separators=(",", ":"),
            )
        )
        return response
