"""Settings: defaults < instance file < SURVEY_* environment < overrides; secrets generated once."""

import os
import stat

from survey import create_app


def test_a_missing_secret_key_is_generated_into_the_instance_folder_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(instance))
    second = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(instance))
    key_file = instance / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_environment_overrides_the_instance_file(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('MIN_GROUP_SIZE = 7\nBASE_URL = "https://file.example"\n')
    monkeypatch.setenv("SURVEY_MIN_GROUP_SIZE", "10")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "from-environment")
    app = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(instance))
    assert app.config["MIN_GROUP_SIZE"] == 10
    assert app.config["BASE_URL"] == "https://file.example"
    assert app.config["SECRET_KEY"] == "from-environment"
    assert not (instance / "secret_key").exists()


def test_the_database_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SURVEY_DATABASE_URL", raising=False)
    app = create_app(instance_path=str(tmp_path / "instance"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/instance/survey.sqlite3"


def test_the_embedded_database_and_the_instance_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SURVEY_DATABASE_URL", raising=False)
    fresh = tmp_path / "fresh"
    create_app(instance_path=str(fresh))
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    assert stat.S_IMODE((fresh / "survey.sqlite3").stat().st_mode) == 0o600
    # Made by an older version, readable by all: closed at the next start.
    older = tmp_path / "older"
    older.mkdir(mode=0o755)
    (older / "survey.sqlite3").touch(mode=0o644)
    create_app(instance_path=str(older))
    assert stat.S_IMODE(older.stat().st_mode) == 0o700
    assert stat.S_IMODE((older / "survey.sqlite3").stat().st_mode) == 0o600


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_DATABASE_URL", "postgresql+psycopg://u@db.example/survey")
    app = create_app(instance_path=str(tmp_path / "instance"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/survey"


def test_every_response_carries_the_security_headers(client):
    for path in ["/", "/healthz", "/no-such-page"]:
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
