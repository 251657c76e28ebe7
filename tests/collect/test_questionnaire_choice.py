"""Which questionnaires a desk's QR code offers comes from the published definitions alone:
a new key works without a code change, and the longer questionnaire is the one offered."""

import copy
import re
import uuid

import pytest
from sqlalchemy import select

from survey.collect.models import Response
from survey.collect.submit import full_survey_key
from survey.db import db, write_session
from survey.questionnaires.definition import builtin_definitions
from survey.questionnaires.install import publish_definition
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from tests.factories import make_desk, make_published_version

HARBOUR_TITLE = "Đánh giá thủ tục tại cảng vụ"


def definition_like(builtin_key: str, key: str, title: str | None = None) -> dict:
    """A new questionnaire: a copy of a built-in one under another key."""
    data = copy.deepcopy(builtin_definitions()[builtin_key])
    data["key"] = key
    if title is not None:
        data["title"] = {"vi": title, "en": "Rate the harbour office"}
    return data


def publish(app, *definitions: dict, builtin=("onestop-quick", "sipas")) -> dict:
    with app.app_context(), write_session() as session:
        for key in builtin:
            make_published_version(session, key)
        for data in definitions:
            publish_definition(session, data)
        desk = make_desk(session, name="Quầy số 1")
        return {"code": desk.active_code.code, "agency_id": desk.agency_id}


def offered(page: str) -> list[str]:
    """The questionnaire keys the page's "answer more" link offers."""
    return re.findall(r'class="more"><a href="[^"]*[?&;]survey=([^&"]+)', page)


def test_a_third_questionnaire_works_from_its_definition_alone(app, client):
    desk = publish(app, definition_like("onestop-quick", "harbour-quick", HARBOUR_TITLE))
    page = client.get(f"/q/{desk['code']}?survey=harbour-quick").get_data(as_text=True)
    assert HARBOUR_TITLE in page
    assert "survey=harbour-quick" in page  # the form posts back to the same questionnaire
    assert offered(page) == ["sipas"]
    sent = client.post(
        f"/q/{desk['code']}?survey=harbour-quick",
        data={"submission_id": str(uuid.uuid4()), "a-overall_satisfaction": "3"},
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    assert "survey=harbour-quick" in sent.headers["Location"]
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert offered(thanks) == ["sipas"]
    with app.app_context():
        answered = db.session.scalar(
            select(Questionnaire.key)
            .join(QuestionnaireVersion)
            .join(Response, Response.questionnaire_version_id == QuestionnaireVersion.id)
        )
    assert answered == "harbour-quick"


def test_the_longest_published_questionnaire_is_the_one_offered(app, client):
    desk = publish(app, definition_like("sipas", "citizen-full"), builtin=("onestop-quick",))
    page = client.get(f"/q/{desk['code']}").get_data(as_text=True)
    assert offered(page) == ["citizen-full"]
    full = client.get(f"/q/{desk['code']}?survey=citizen-full").get_data(as_text=True)
    assert offered(full) == []
    with app.app_context():
        assert full_survey_key(db.session, desk["agency_id"]) == "citizen-full"


@pytest.mark.parametrize("asked", ["", "?survey=sipas", "?survey=no-such-questionnaire"])
def test_one_published_questionnaire_offers_nothing_more(app, client, asked):
    desk = publish(app, builtin=("onestop-quick",))
    response = client.get(f"/q/{desk['code']}{asked}")
    assert response.status_code == 200  # an unknown or unpublished key opens the default
    assert offered(response.get_data(as_text=True)) == []


def test_the_demo_pair_offers_the_sipas_survey_after_the_quick_rating_only(app, client):
    desk = publish(app)
    assert offered(client.get(f"/q/{desk['code']}").get_data(as_text=True)) == ["sipas"]
    assert offered(client.get(f"/q/{desk['code']}?survey=sipas").get_data(as_text=True)) == []
