"""What an operator watches: structured request logs and Prometheus metrics at ``/metrics``.

Logs are one JSON object per request with no personal data: no address, no browser,
no query string, no form field. Metrics count submissions accepted, repeated and
rejected by reason, time every request, and tell how many stored responses wait to be
added to the report counts (``survey_uncounted_responses``: it should stay near zero; a
growing number means the background folds fail, see the logs); under gunicorn with several
workers set ``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py does) so that ``/metrics`` adds
up every worker. ``/metrics`` is served only to the addresses in ``METRICS_ALLOWED``
(loopback by default): put it behind the proxy's internal network, not the internet.
"""

from __future__ import annotations

import json
import logging
import os
import time

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
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from survey.db import db
from survey.results.models import UncountedResponse

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
    # The queue is in the database, the same for every worker: read once per scrape.
    queue = CollectorRegistry()
    queue.register(_UncountedResponses())
    return Response(
        generate_latest(registry) + generate_latest(queue), mimetype=CONTENT_TYPE_LATEST
    )


class _UncountedResponses:
    def collect(self):
        try:
            waiting = db.session.scalar(select(func.count()).select_from(UncountedResponse))
        except OperationalError:  # the database is unreachable: the rest still goes out
            db.session.rollback()
            return
        yield GaugeMetricFamily(
            "survey_uncounted_responses",
            "Stored responses not yet added to the report counts.",
            value=waiting,
        )


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
