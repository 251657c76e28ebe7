"""Hài Lòng: citizen satisfaction surveys for Vietnamese public administration."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import ScriptInfo
from flask_compress import Compress
from werkzeug.routing import Map

from survey.config import load_settings
from survey.db import close_reports_session, configure_engine, db

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent / "migrations")

#: Pages, style sheets, SVG and JSON go out compressed (zstd, Brotli or gzip) whenever the
#: client accepts it, from gunicorn alone as behind a proxy (``COMPRESS_*`` settings).
compress = Compress()


class SurveyFlask(Flask):
    """The application, whose views (every blueprint: its pages, forms, and the statistics
    and charts behind the results pages) are registered when first needed, not when it is
    made: a command starts without them.

    They are registered the first time the URL map or the view functions are read: by the
    first request (its URL is matched against the map), by a URL built outside a request, by
    ``flask routes``; a server registers them before it forks (``wsgi.py``:
    :meth:`load_views`). Every thread that reads the map while another registers them waits
    for it.
    """

    #: What registers the views, until they are registered (:meth:`defer_views`).
    _views: Callable[[Flask], None] | None = None
    _registering = False

    def defer_views(self, register: Callable[[Flask], None]) -> None:
        self._views_lock = threading.RLock()
        self._views = register

    def load_views(self) -> None:
        """Register the views now, if they are not registered yet."""
        if self._views is None:
            return
        with self._views_lock:  # re-entered while registering: their rules read the map
            if self._views is None or self._registering:
                return
            self._registering = True
            try:
                self._views(self)
                self._views = None
            finally:
                self._registering = False

    @property
    def url_map(self) -> Map:
        self.load_views()
        return self._url_map

    @url_map.setter
    def url_map(self, value: Map) -> None:
        self._url_map = value

    @property
    def view_functions(self) -> dict[str, Callable]:
        self.load_views()
        return self._view_functions

    @view_functions.setter
    def view_functions(self, value: dict[str, Callable]) -> None:
        self._view_functions = value


def create_app(
    config_overrides: dict | None = None, instance_path: str | None = None
) -> SurveyFlask:
    """Make the application: the only place one is made (``wsgi.py`` calls it for gunicorn).

    The instance folder (generated secrets, the embedded database, ``config.py``) is
    ``instance_path``, else ``$SURVEY_INSTANCE_PATH``, else ``instance/`` in the project.
    """
    app = SurveyFlask(
        __name__,
        instance_path=instance_path
        or os.environ.get("SURVEY_INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_settings(app, config_overrides)

    # Importing the models registers their tables on db.metadata (for Alembic, too).
    from survey import models  # noqa: F401

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)
    app.teardown_appcontext(close_reports_session)
    app.cli.add_command(_MigrationCommands("db", help="Database migrations (Flask-Migrate)."))
    compress.init_app(app)

    from survey import cli, feedback, i18n, observability, outage, security
    from survey.results import fold

    i18n.init_app(app)
    security.init_app(app)
    observability.init_app(app)
    # Reports fold the queue of new responses first, before anything reads in the request.
    fold.init_app(app)
    outage.init_app(app)
    cli.init_app(app)
    feedback.init_app(app)
    app.defer_views(register_views)
    return app


def register_views(app: Flask) -> None:
    """Register every blueprint on ``app`` (see :class:`SurveyFlask`)."""
    from survey import health, home

    app.register_blueprint(health.blueprint)
    app.register_blueprint(home.blueprint)

    from survey.collect import api as collect_api
    from survey.collect import kiosk as collect_kiosk
    from survey.collect import routes as collect_routes

    app.register_blueprint(collect_routes.blueprint)
    app.register_blueprint(collect_kiosk.blueprint)
    app.register_blueprint(collect_api.blueprint)

    from survey.dossiers import api as dossiers_api

    app.register_blueprint(dossiers_api.blueprint)

    from survey.accounts import routes as accounts_routes

    app.register_blueprint(accounts_routes.blueprint)

    from survey.results import late_dossiers  # noqa: F401 (its pages join the results blueprint)
    from survey.results import public as results_public
    from survey.results import routes as results_routes

    app.register_blueprint(results_routes.blueprint)
    app.register_blueprint(results_public.blueprint)

    from survey import admin
    from survey.dossiers import admin_page  # noqa: F401 (its page joins the admin blueprint)

    app.register_blueprint(admin.blueprint)
    from survey.admin import photos

    app.register_blueprint(photos.blueprint)
    from survey import feedback, start

    app.register_blueprint(start.blueprint)
    feedback.register_views(app)


def init_migrations(app: Flask) -> None:
    """Flask-Migrate for ``app``: for ``flask db …`` and Alembic's ``env.py`` only.

    Flask-Migrate imports Alembic, which every other command and every server process
    would otherwise load for nothing (measured in ``bench/command_start.py``).
    """
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=MIGRATIONS_DIRECTORY, render_as_batch=True, compare_type=True)


class _MigrationCommands(click.Command):
    """``flask db …``: stands for Flask-Migrate's command group, loaded when it is used
    (Click makes the context of the command it runs, and runs what that context names)."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        assert parent is not None, "a subcommand of flask"
        init_migrations(parent.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as commands  # type: ignore[import-untyped]

        return commands.make_context(info_name, args, parent=parent, **extra)


#: What some requests use but no command needs at its start, so ``create_app`` leaves it
#: to first use: PDF (fpdf2 and fontTools under it), spreadsheets, and the statistics
#: that ``analysis`` loads from scipy when first asked.
REQUEST_MODULES = (
    "fpdf",
    "openpyxl",
    "scipy.optimize",
    "scipy.sparse",
    "scipy.special",
    "scipy.stats",
    "survey.documents",
    "survey.results.downloads",
)


def preload_request_modules() -> None:
    """Import :data:`REQUEST_MODULES` now: ``wsgi.py`` does, so that gunicorn's workers
    inherit them from the preloaded application and no request waits for an import."""
    for name in REQUEST_MODULES:
        importlib.import_module(name)
