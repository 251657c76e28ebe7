"""An outsider at the officer pages added last: the officials' scores, the apology letter's
text editor and the questionnaire editor showing a draft's problems.

What the crawl (test_access_crawl.py) and the session tests (test_sessions.py) do not
already prove for them: a visitor without a cookie is sent to sign in and back (and a
form posted without one writes nothing); a copy of the cookie is worth nothing once its
officer has signed out, on a page and on a form; a copy shown by another browser is
refused and, as designed (survey/accounts/sessions.py), ends the session for its officer
too; a form posted without its security token is refused and writes nothing (the letter's
editor answers 400, tests/feedback/test_apology.py; the questionnaire editor, as every
administration form, 303 back to itself with a message).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from survey.accounts.models import OfficerSession, Role
from survey.db import db, write_session
from survey.feedback.models import ApologyTemplate
from tests.accounts.conftest import sign_in
from tests.admin.test_questionnaires import editor_fields, new_draft, versions
from tests.factories import make_published_version

OFFICIALS = "/officer/results/officials?period=2026-Q1"
#: A valid change of the draft's title; a problem (a question key used twice).
NEW_TITLE = {"text|title|vi": "Tiêu đề mới"}
A_PROBLEM = {"item|sections/1/items/0|key": "overall_satisfaction"}


@pytest.fixture
def pages(app, world, client):
    """``client`` signed in as the world's administrator, a draft to edit; the addresses
    and the forms an outsider would post."""
    with app.app_context(), write_session() as session:
        published = make_published_version(session, "onestop-quick").id
    sign_in(client, world.emails[Role.ADMINISTRATOR])
    draft_id = new_draft(client, f"version:{published}")
    editor = f"/admin/questionnaires/versions/{draft_id}"
    fields = editor_fields(client.get(editor).get_data(as_text=True))
    letter = f"/officer/cases/apology-letters/{world.agencies['ward']}"
    return {
        "get": [OFFICIALS, letter, editor],
        "fields": fields,
        "post": [
            (letter, {"text": "Kính gửi {ho_ten}: mã {ma_phieu}."}),
            (editor, {**fields, **NEW_TITLE}),
            (editor, {**fields, **A_PROBLEM}),
        ],
    }


def written(app) -> tuple:
    """What a form of these pages writes: the letter texts, the drafts, the sessions."""
    with app.app_context():
        texts = sorted(db.session.scalars(select(ApologyTemplate.text)))
    return texts, [version.definition for version in versions(app)]


def sent_to_sign_in(response, back_to: str | None = None) -> bool:
    location = response.headers.get("Location", "")
    if response.status_code != 302 or not location.startswith("/sign-in"):
        return False
    return back_to is None or parse_qs(urlsplit(location).query)["next"] == [back_to]


def copy_of(client, app):
    """Another client holding a copy of ``client``'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_without_a_cookie_each_page_sends_to_sign_in_and_a_form_writes_nothing(app, pages):
    before = written(app)
    stranger = app.test_client()
    for address in pages["get"]:
        assert sent_to_sign_in(stranger.get(address), back_to=address), address
    for address, data in pages["post"]:
        assert sent_to_sign_in(stranger.post(address, data=data)), address
    assert written(app) == before


def test_a_cookie_copied_before_signing_out_opens_nothing_after(app, client, pages):
    thief = copy_of(client, app)
    assert thief.get(OFFICIALS).status_code == 200  # the copy works while the session lasts
    before = written(app)
    assert client.post("/sign-out").status_code == 302
    for address in pages["get"]:
        assert sent_to_sign_in(thief.get(address)), address
    for address, data in pages["post"]:
        assert sent_to_sign_in(thief.post(address, data=data)), address
    assert written(app) == before


@pytest.mark.parametrize("visit", ["get", "post"])
def test_a_cookie_shown_by_another_browser_is_refused_and_ends_the_session(
    app, client, pages, visit
):
    before = written(app)
    thief = copy_of(client, app)
    browser = {"User-Agent": "Another browser/1.0"}
    if visit == "get":
        response = thief.get(pages["get"][0], headers=browser)
    else:
        address, data = pages["post"][0]
        response = thief.post(address, data=data, headers=browser)
    assert sent_to_sign_in(response)
    assert written(app) == before
    # The cookie has leaked: the officer's own browser is signed out as well, on every page.
    for address in pages["get"]:
        assert sent_to_sign_in(client.get(address)), address
    with app.app_context():
        ended = db.session.scalars(select(OfficerSession.ended_dt)).all()
    assert ended and all(moment is not None for moment in ended)


@pytest.mark.parametrize("change", [NEW_TITLE, A_PROBLEM, {"action": "add_item:0"}])
def test_the_editor_refuses_a_post_without_its_security_token(app, client, pages, change):
    """A save, a save with a problem to show, a button that adds a question: each refused
    before the posted draft is read. As every administration form (survey/admin/common.py),
    the editor answers 303 back to itself with a message rather than 400."""
    app.config["WTF_CSRF_ENABLED"] = True
    before = written(app)
    editor, fields = pages["get"][2], pages["fields"]
    response = client.post(f"{editor}?lang=vi", data={**fields, **change})
    assert (response.status_code, response.headers["Location"]) == (303, editor)
    assert written(app) == before
    page = client.get(editor).get_data(as_text=True)
    assert "Không có gì thay đổi" in page and "Tiêu đề mới" not in page
    assert 'class="error-summary"' not in page
    # The same post with the page's own token goes through: the token was all that was missing.
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answered = client.post(editor, data={**fields, **change, "csrf_token": token})
    expected = 302 if change is NEW_TITLE else 400 if change is A_PROBLEM else 200
    assert answered.status_code == expected
