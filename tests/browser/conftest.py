"""Browser tests: the real pages in headless Chromium (Debian's ``chromium``) via Playwright.

Locally they are skipped, with the reason, when Chromium or axe-core (``npm ci``) is
missing; with ``SURVEY_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing one fails them.
The application runs in a thread on 127.0.0.1 with a random port, on a fresh SQLite file.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.serving import BaseWSGIServer, make_server

from survey.db import db
from tests.conftest import make_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _missing(what: str) -> None:
    if os.environ.get("SURVEY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SURVEY_REQUIRE_BROWSER=1 but {what}")
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _missing(f"Chromium not found at {CHROMIUM} (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        _missing(f"axe-core not found at {AXE} (run `npm ci`)")
    return AXE


@dataclass
class LiveServer:
    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        """Stop answering: a server gone down, as a kiosk sees it."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()


@pytest.fixture
def live_server(migrated_databases, tmp_path):
    database = tmp_path / "survey.sqlite3"
    shutil.copyfile(make_url(migrated_databases["sqlite"]).database, database)
    app = make_app(
        f"sqlite:///{database}",
        tmp_path / "instance",
        WTF_CSRF_ENABLED=True,
        KIOSK_THANKS_SECONDS=1,
        KIOSK_IDLE_SECONDS=30,
        KIOSK_COUNTDOWN_SECONDS=3,
        KIOSK_RETRY_BASE_SECONDS=0.2,
        KIOSK_RETRY_MAX_SECONDS=1,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live = LiveServer(app, f"http://127.0.0.1:{server.server_port}", server, thread)
    yield live
    live.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def new_context(browser):
    """Browser contexts closed at the end of the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        time.sleep(0.1)


def serious_violations(page, axe_script: Path) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
