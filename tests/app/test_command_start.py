"""What a command loads at its start, and what a server loads before it forks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from survey import REQUEST_MODULES

PROJECT = Path(__file__).resolve().parents[2]
#: Loaded by neither a command's start nor a server: Flask-Migrate and Alembic.
MIGRATIONS_ONLY = ("flask_migrate", "alembic")
#: Loaded with the views (survey.SurveyFlask): a server's, not a command's. numpy comes with
#: the statistics of the results pages, the forms with each blueprint's pages.
VIEWS_ONLY = (
    "numpy",
    "analysis",
    "survey.results.routes",
    "survey.results.forms",
    "survey.admin.forms",
    "survey.collect.forms",
    "survey.accounts.forms",
    "survey.feedback.forms",
)


def loaded_after(code: str, tmp_path) -> set[str]:
    """Which of the deferred modules are imported after ``code`` runs in a new process."""
    names = (*MIGRATIONS_ONLY, *REQUEST_MODULES, *VIEWS_ONLY)
    script = f"{code}\nimport sys\nprint(' '.join(n for n in {names!r} if n in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env={
            "PATH": "/usr/bin:/bin",
            "SURVEY_INSTANCE_PATH": str(tmp_path),
            "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path}/start.sqlite3",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def with_tables(then: str) -> str:
    """A script that creates the app and its tables, then runs the code ``then``."""
    return (
        "from survey import create_app\n"
        "from survey.db import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
        f"{then}\n"
    )


def test_a_command_starts_without_migrations_pdf_spreadsheets_or_statistics(tmp_path):
    assert loaded_after("from survey import create_app; create_app()", tmp_path) == set()


def test_a_simple_command_runs_without_views_forms_or_numpy(tmp_path):
    code = with_tables(
        "result = app.test_cli_runner().invoke(args=['qr-codes'])\n"
        "assert result.exit_code == 0, result.output"
    )
    assert loaded_after(code, tmp_path) == set()


def test_a_server_loads_what_requests_use_before_forking(tmp_path):
    assert loaded_after("import wsgi", tmp_path) == set(REQUEST_MODULES) | set(VIEWS_ONLY)


def test_the_views_load_when_first_needed(tmp_path):
    code = with_tables("assert app.test_client().get('/privacy').status_code == 200")
    assert set(VIEWS_ONLY) <= loaded_after(code, tmp_path)


def test_the_migration_commands_load_when_asked_for(app):
    runner = app.test_cli_runner()
    assert "migrate" not in app.extensions
    heads = runner.invoke(args=["db", "heads"])  # Alembic prints to the process's stdout
    assert heads.exit_code == 0, heads.output
    assert "migrate" in app.extensions
    assert "upgrade" in runner.invoke(args=["db", "--help"]).output
