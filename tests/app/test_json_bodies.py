"""A JSON body posted to an HTML form is answered by the form, never by a server error.

Flask-WTF fills a form from a JSON body when there are no form fields; a body that is not a
JSON object, or is nested deeper than Python's recursion limit, used to fail inside it with a
500 (the fuzz test of the phone form found ``0`` with ``application/json``). The public forms
are the ones anyone can post to: the citizen's form and the sign-in page.
"""

from __future__ import annotations

import pytest

from tests.collect.kiosk_helpers import make_kiosk_desk
from tests.collect.test_fuzz import totals

BODIES = [
    b"0",
    b"[1, 2]",
    b'"text"',
    b"null",
    b'{"website": ""}',
    b"[" * 5000 + b"]" * 5000,
    b"{not json",
]


@pytest.mark.parametrize("body", BODIES, ids=lambda body: body[:12].decode())
def test_the_citizen_form_refuses_a_json_body_and_stores_nothing(app, body):
    desk = make_kiosk_desk(app)
    before = totals(app)
    response = app.test_client().post(f"/q/{desk.code}", data=body, content_type="application/json")
    assert response.status_code == 400
    assert totals(app) == before


@pytest.mark.parametrize("body", BODIES, ids=lambda body: body[:12].decode())
def test_the_sign_in_page_refuses_a_json_body(client, body):
    response = client.post("/sign-in", data=body, content_type="application/json")
    assert response.status_code == 400
    assert 'name="email"' in response.get_data(as_text=True)  # the form again, to fill in
