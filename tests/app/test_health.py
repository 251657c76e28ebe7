"""``/healthz`` says whether the database answers."""

from tests.conftest import make_app


def test_healthy_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unavailable_when_the_sqlite_file_cannot_be_opened(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing-folder/survey.sqlite3", tmp_path / "instance")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_unavailable_when_the_database_server_is_down(tmp_path):
    # Port 9 (discard) has no PostgreSQL server: the connection is refused at once.
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:9/none", tmp_path / "instance")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
