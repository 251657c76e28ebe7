"""What a kept public results page costs a request: one read of the data's state (the
responses waiting to be counted folded first), and the whole page kept for anonymous
visitors only."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event

from survey.db import db
from tests.results.dataset import province_total, queue_one_sipas_response

ADDRESS = "/results?year=2026"


def statements_during(app, request: Callable[[], object]) -> list[str]:
    """The SQL statements sent while ``request`` runs, but the settings' periodic read and
    the BEGIN sent on SQLite."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [s for s in sent if "FROM settings" not in s and not s.startswith("BEGIN")]


def test_a_kept_page_reads_the_database_once(app, client, results_world):
    first = client.get(ADDRESS).get_data(as_text=True)
    pages = []
    statements = statements_during(
        app, lambda: pages.append(client.get(ADDRESS).get_data(as_text=True))
    )
    assert pages == [first]
    assert len(statements) == 1, statements
    assert "counts_fold_state" in statements[0] and "uncounted_responses" in statements[0]


def test_a_response_waiting_to_be_counted_is_on_the_next_page(app, client, results_world):
    before = province_total(client.get(ADDRESS).get_data(as_text=True))
    with app.app_context():
        queue_one_sipas_response(results_world.organisation)
    assert province_total(client.get(ADDRESS).get_data(as_text=True)) == before + 1


def test_a_signed_in_officer_gets_their_own_navigation_around_the_kept_figures(
    client, officer, results_world
):
    anonymous = client.get(ADDRESS).get_data(as_text=True)
    signed_in = officer().get(ADDRESS).get_data(as_text=True)
    assert "Đăng xuất" in signed_in and "csrf_token" in signed_in
    assert "Đăng xuất" not in anonymous and "csrf_token" not in anonymous
    assert province_total(signed_in) == province_total(anonymous)
    assert client.get(ADDRESS).get_data(as_text=True) == anonymous


def test_the_year_is_shown_as_typed(client, results_world):
    client.get(ADDRESS)
    page = client.get("/results?year=+2026+").get_data(as_text=True)
    assert 'value=" 2026 "' in page
