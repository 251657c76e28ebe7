"""/metrics counts submissions by outcome; logs no personal data."""

import json
import logging
import re
import uuid

from survey.db import write_session
from survey.results.counts import fold_all
from tests.factories import make_desk, make_published_version

GOOD = {"a-overall_satisfaction": "3"}


def metric(client, name, **labels):
    text = client.get("/metrics").get_data(as_text=True)
    selector = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    found = re.search(rf"^{name}\{{{selector}\}} ([0-9.e+]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_metrics_count_submissions_by_outcome_and_reason(app, client):
    with app.app_context(), write_session() as session:
        make_published_version(session)
        code = make_desk(session).active_code.code
    before = {
        outcome: metric(client, "survey_submissions_total", channel="qr", outcome=outcome)
        for outcome in ("created", "repeated", "rejected")
    }
    rejected_before = metric(client, "survey_submission_rejections_total", reason="not_a_level")
    submission_id = str(uuid.uuid4())
    for _ in range(2):
        client.post(f"/q/{code}", data={"submission_id": submission_id, **GOOD})
    client.post(
        f"/q/{code}", data={"submission_id": str(uuid.uuid4()), "a-overall_satisfaction": "9"}
    )
    assert (
        metric(client, "survey_submissions_total", channel="qr", outcome="created")
        == before["created"] + 1
    )
    assert (
        metric(client, "survey_submissions_total", channel="qr", outcome="repeated")
        == before["repeated"] + 1
    )
    assert (
        metric(client, "survey_submissions_total", channel="qr", outcome="rejected")
        == before["rejected"] + 1
    )
    assert (
        metric(client, "survey_submission_rejections_total", reason="not_a_level")
        == rejected_before + 1
    )
    assert (
        metric(
            client,
            "survey_request_seconds_count",
            endpoint="collect.submit_questionnaire",
            status="3xx",
        )
        >= 2
    )


def test_metrics_are_not_for_the_internet(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 404


def test_request_logs_are_json_without_addresses_or_answers(app, client, caplog):
    logger = logging.getLogger("survey.requests")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="survey.requests"):
            client.get(
                "/healthz?secret=1",
                headers={"User-Agent": "Phone 123"},
                environ_base={"REMOTE_ADDR": "198.51.100.23"},
            )
    finally:
        logger.removeHandler(caplog.handler)
    lines = [json.loads(record.getMessage()) for record in caplog.records]
    assert lines and lines[-1]["endpoint"] == "health.healthz" and lines[-1]["status"] == 200
    text = caplog.text
    assert "198.51.100.23" not in text and "Phone 123" not in text and "secret" not in text


def test_metrics_tell_how_many_responses_wait_for_the_report_counts(app, client):
    with app.app_context(), write_session() as session:
        make_published_version(session)
        code = make_desk(session).active_code.code
    assert re.search(r"^survey_uncounted_responses 0\.0$", client.get("/metrics").text, re.M)
    for _ in range(3):
        client.post(f"/q/{code}", data={"submission_id": str(uuid.uuid4()), **GOOD})
    assert metric_value(client, "survey_uncounted_responses") == 3
    with app.app_context():
        fold_all(write_session)
    assert metric_value(client, "survey_uncounted_responses") == 0


def metric_value(client, name):
    found = re.search(rf"^{name} ([0-9.e+]+)$", client.get("/metrics").text, re.M)
    return float(found.group(1))
