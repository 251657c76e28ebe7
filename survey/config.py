"""Deployment settings, the operator's: defaults here, overridden by ``instance/config.py``,
overridden by ``SURVEY_*`` environment variables; read once, when the application starts.

Three modules are called "settings"; this one holds what the operator sets when installing
(database, secret keys, addresses, time zone). The rules an administrator changes while the
platform runs are stored in the database (:mod:`survey.settings`, falling back to the values
here), and :mod:`survey.admin.settings` is the web page that edits them.

An operator sets ``SURVEY_DATABASE_URL`` and ``SURVEY_SECRET_KEY`` in production;
everything else has a safe default. Environment values are parsed as JSON when
they can be (``SURVEY_MIN_GROUP_SIZE=10`` is the integer 10).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from survey.languages import DEFAULT_LANGUAGE, LANGUAGES


class Defaults:
    # The embedded database for one office; a province runs PostgreSQL (README: Production).
    DATABASE_URL = None  # None: instance/survey.sqlite3
    # Reports read from this database when set (a PostgreSQL read replica); else from the main one.
    REPORTS_DATABASE_URL = None
    # Absolute address of the platform, printed under QR codes and in `flask qr-codes`.
    BASE_URL = "http://127.0.0.1:8000"
    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = DEFAULT_LANGUAGE
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    # Citizen forms may stay open for hours on a kiosk: their CSRF token never expires by
    # itself, and an invalid one re-shows the form with the answers kept.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Set to true in production (served over HTTPS): the cookie then never travels in clear.
    SESSION_COOKIE_SECURE = False
    # Flask-Login: a session cookie replayed from another address or browser is dropped.
    SESSION_PROTECTION = "strong"
    # Officers are signed out after this long without a request, and this long after signing in.
    OFFICER_SESSION_IDLE_MINUTES = 30
    OFFICER_SESSION_MAX_HOURS = 12
    # Failed sign-ins tolerated per e-mail address and per client address before sign-in pauses
    # (the `limits` notation; counted in RATELIMIT_STORAGE_URI, so shared by every worker).
    SIGN_IN_FAILURES_PER_EMAIL = "5 per 15 minutes"
    SIGN_IN_FAILURES_PER_ADDRESS = "20 per 15 minutes"
    MAX_CONTENT_LENGTH = 256 * 1024
    # How many reverse proxies stand in front of gunicorn (their X-Forwarded-* are trusted).
    PROXY_COUNT = 0
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # The same rating of the same official or desk from one device or phone more often than
    # this is kept but flagged for review (a burst), never silently counted or dropped.
    BURST_LIMIT = "5 per 10 minutes"
    # More ratings of one QR code than this from one address, whatever the browser, cookie or
    # comment, are kept but flagged for review (survey/collect/phone_limits.py).
    ADDRESS_BURST_LIMIT = "10 per 10 minutes"
    # Submissions per kiosk device; per QR code and phone (its device cookie: a centre's kiosks
    # and its visitors' phones may share one address); per QR code and address for browsers
    # that refuse the cookie.
    KIOSK_SUBMIT_LIMIT = "120 per hour"
    PHONE_SUBMIT_LIMIT = "20 per hour"
    PHONE_ADDRESS_SUBMIT_LIMIT = "60 per hour"
    # Addresses allowed to read /metrics (the monitoring system's, via the internal network).
    METRICS_ALLOWED = ("127.0.0.1", "::1")
    # Call-back phone numbers are deleted this many days after the citizen gave them.
    CONTACT_RETENTION_DAYS = 90
    # Feedback cases (survey/feedback/): which submissions open one, and the deadlines in
    # working days. Local regulation decides the deadlines; these are the usual defaults.
    FEEDBACK_CASE_FROM_CALLBACK = True
    FEEDBACK_CASE_FROM_LOW_RATING = True
    FEEDBACK_CASE_FROM_HARASSMENT = True
    FEEDBACK_ACKNOWLEDGE_WORKING_DAYS = 2
    FEEDBACK_ANSWER_WORKING_DAYS = 10
    # The answers that report harassment or troublesome handling ("nhũng nhiễu, gây phiền
    # hà"), as (item key, value) pairs (both built-in questionnaires: 1 = yes).
    FEEDBACK_HARASSMENT_ANSWERS = (("harassment", 1), ("integrity_harassment", 1))
    # Standalone feedback (/q/<code>/feedback) per desk code and phone, and receipt lookups
    # (/feedback/<receipt>) per phone: a receipt code cannot be guessed by trying many.
    FEEDBACK_SUBMIT_LIMIT = "5 per hour"
    # Mail for the daily reminders of feedback cases (`flask --app survey cases remind`), read
    # by Flask-Mailman. No server: the command prints the digests and sends nothing.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False
    MAIL_SENDER = "hailong@localhost"
    MAIL_TIMEOUT = 30
    RECEIPT_LOOKUP_LIMIT = "30 per hour"
    # How long a process keeps the settings an administrator stored (survey/settings.py):
    # other processes see a change within this time.
    SETTINGS_CACHE_SECONDS = 5
    # How long a process keeps what each public code points at (desk or official, agency)
    # and which questionnaire version a desk asks (survey/collect/lookups.py): read on every
    # citizen page and submission. A change is seen at once by the process that made it, by
    # the others within this time.
    TARGETS_CACHE_SECONDS = 5
    # Each server process adds newly stored responses to the report counts this often
    # (survey/results/fold.py); reports also do before they read, so they are never behind.
    COUNTS_FOLD_SECONDS = 5
    # The day reports take as today to tell a calendar year that has ended (its figures are
    # then decided together, survey/results/period_units.py) from the current one: None is
    # Vietnam's today; an ISO date fixes it (the tests do, so their results never change
    # with the calendar).
    REPORTS_TODAY = None
    # Groups smaller than this are suppressed in every aggregate that leaves the system.
    MIN_GROUP_SIZE = 5
    # Officials with fewer ratings are shown as "too few ratings" and never ranked.
    MIN_RATINGS_FOR_RANKING = 30
    # Desks whose share of dossiers rated is below this percentage are listed in reports.
    DOSSIER_COVERAGE_PERCENT = 5
    # The strata of the satisfaction weighted to the dossiers returned (survey/results/
    # weighting.py): "agency_procedure_field" or "agency".
    WEIGHTING_STRATA = "agency_procedure_field"
    # Publish official-level results on the public results page (Decree 61/2018 Art. 32 leaves
    # it to the province): off until an administrator turns it on.
    PUBLISH_OFFICIAL_RESULTS = False
    # Sent compressed when the client accepts it (Flask-Compress): text, never files such as
    # CSV, XLSX or PDF (the response-level CSV streams, and PDF and XLSX are compressed).
    COMPRESS_MIMETYPES = (
        "text/html",
        "text/css",
        "image/svg+xml",
        "text/javascript",
        "application/javascript",
        "application/json",
    )
    # The place name written before the date on reports and letters ("An Giang, ngày …",
    # Decree 30/2020/NĐ-CP); None leaves a dotted line to fill in by hand.
    DOCUMENT_PLACE = None


def load_settings(app: Flask, overrides: dict | None) -> None:
    """Fill ``app.config``: defaults < instance file < environment < ``overrides``."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SURVEY")
    if overrides:
        app.config.update(overrides)
    url = app.config.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(_private_file(Path(app.instance_path) / "survey.sqlite3"))
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if app.config.get("REPORTS_DATABASE_URL"):  # a read replica for reports (docs/PRODUCTION.md)
        app.config["SQLALCHEMY_BINDS"] = {"reports": app.config["REPORTS_DATABASE_URL"]}
    # A server connection may have been dropped (database restart, idle timeout): test it
    # before use. Pointless for a SQLite file, which waits for locks itself (busy_timeout).
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": not url.startswith("sqlite")}
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(app, "secret_key")


def instance_secret(app: Flask, name: str) -> str:
    """Read a generated secret from the instance folder, creating it (mode 0600) on first use.

    The instance folder is never committed, so a newcomer gets a key of their own
    and a production server keeps its key across restarts.
    """
    path = Path(app.instance_path) / name
    if path.exists():
        return path.read_text().strip()
    _private_folder(path.parent)
    value = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    return value


def _private_folder(folder: Path) -> None:
    """The instance folder: readable by the server's account only (mode 0700), also when an
    older version created it readable by all."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid == os.getuid():
        folder.chmod(0o700)


def _private_file(path: Path) -> Path:
    """The embedded database holds call-back numbers and password hashes: mode 0600, created so
    before SQLite opens it (SQLite gives its journal files the same mode)."""
    _private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(descriptor)
    if path.stat().st_uid == os.getuid():
        path.chmod(0o600)
    return path
