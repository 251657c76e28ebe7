"""The fold registers the length of its queue as a gauge read from the database."""

import re

from sqlalchemy.exc import OperationalError

from survey.observability import add_database_gauge


def unreachable() -> int:
    raise OperationalError("SELECT count(*) FROM uncounted_responses", {}, Exception("down"))


def test_the_queue_gauge_is_registered_by_the_fold(app):
    gauges = app.extensions["survey.database_gauges"]
    assert list(gauges) == ["survey_uncounted_responses"]
    with app.app_context():
        assert gauges["survey_uncounted_responses"][1]() == 0


def test_a_gauge_the_database_cannot_answer_is_left_out_and_the_others_go_out(app, client):
    add_database_gauge(app, "survey_unreachable", "Never answers.", unreachable)
    add_database_gauge(app, "survey_seven", "Always seven.", lambda: 7)
    text = client.get("/metrics").text
    assert "survey_unreachable" not in text
    assert re.search(r"^survey_seven 7\.0$", text, re.M)
    assert re.search(r"^survey_uncounted_responses 0\.0$", text, re.M)
