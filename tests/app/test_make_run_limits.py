"""Phone limits under gunicorn started as `make run` starts it (gunicorn.conf.py, embedded
defaults: SQLite, rate limits in memory), so every request is counted by the same limits
whichever thread or process serves it."""

from __future__ import annotations

import http.client
import re
import subprocess
import tempfile
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from survey.collect.models import Response
from survey.org.models import PublicCode
from tests.fleet import ROOT, Gunicorn, free_port, prepare


class Browser:
    """A phone's browser: keeps its cookies (or not, when ``forget`` is called)."""

    def __init__(self, port: int, user_agent: str):
        self.port, self.user_agent = port, user_agent
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"User-Agent": self.user_agent}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        connection.close()
        return response.status, text

    def rate(self, code: str, comment: str) -> tuple[int, str]:
        """Open the form (its token) and send a new rating (the form offers the last one sent
        again for half an hour: a person rating again sends it anew)."""
        status, page = self.request("GET", f"/q/{code}")
        assert status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page).group(1)
        fields = {
            "csrf_token": token,
            "submission_id": str(uuid.uuid4()),
            "a-overall_satisfaction": "2",
            "a-comment": comment,
        }
        return self.request("POST", f"/q/{code}", fields)


@pytest.fixture(scope="module")
def server():
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = f"sqlite:///{folder}/survey.sqlite3"
        _credentials, codes = prepare(url, instance, kiosks=0)
        gunicorn = Gunicorn(url, instance, free_port(), settings={})
        gunicorn.start()
        try:
            yield gunicorn, url, codes
        finally:
            gunicorn.stop()


def stored(url: str, code_index: int, codes, flagged: bool) -> int:

    engine = create_engine(url)
    with Session(engine) as session:
        desk = session.scalar(
            select(PublicCode.service_point_id).where(PublicCode.code == codes[code_index])
        )
        count = session.scalar(
            select(func.count()).where(
                Response.service_point_id == desk, Response.is_flagged.is_(flagged)
            )
        )
    engine.dispose()
    return count


def test_make_run_serves_with_one_process_whose_threads_share_the_limits(server):
    gunicorn, _url, _codes = server

    def workers() -> list[str]:
        found = subprocess.run(["pgrep", "-P", str(gunicorn.process.pid)], capture_output=True)
        return found.stdout.decode().split()

    # Sampled for a few seconds: on a loaded machine the master may be between a worker's
    # exit and its replacement at any one instant (CI once saw none), never more than one.
    samples = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        samples.append(len(workers()))
        time.sleep(0.25)
    assert max(samples) == 1


def test_sixty_fresh_browsers_from_one_address_leave_at_most_the_device_limit_unflagged(server):
    """Each post from a new browser (new cookies, User-Agent and comment): no limit per device
    applies, but one address sending that many ratings of one code is a burst."""
    gunicorn, url, codes = server
    statuses = [
        Browser(gunicorn.port, f"Phone model {number}").rate(codes[0], f"comment {number}")[0]
        for number in range(60)
    ]
    assert set(statuses) <= {303, 429}
    unflagged = stored(url, 0, codes, flagged=False)
    assert 0 < unflagged <= 20  # PHONE_SUBMIT_LIMIT, the per-device limit
    # The rest were kept for review, or refused: never counted.
    assert unflagged + stored(url, 0, codes, flagged=True) == statuses.count(303)


def test_a_phone_keeping_its_cookie_is_refused_politely_after_the_device_limit(server):
    gunicorn, _url, codes = server
    phone = Browser(gunicorn.port, "One phone")
    answers = [phone.rate(codes[1], f"again {number}") for number in range(24)]
    assert [status for status, _page in answers] == [303] * 20 + [429] * 4
    assert "hiện đã nhận đủ đánh giá từ điện thoại này" in answers[-1][1]


def test_several_processes_with_limits_in_memory_are_refused(tmp_path):
    done = subprocess.run(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "SURVEY_WORKERS": "3",
            "SURVEY_INSTANCE_PATH": str(tmp_path),
            "SURVEY_BIND": f"127.0.0.1:{free_port()}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "would each count rate limits and sign-in failures alone" in done.stderr


def test_sign_in_failures_are_counted_once_for_every_request(server):
    gunicorn, _url, _codes = server
    statuses = []
    for _attempt in range(10):
        browser = Browser(gunicorn.port, "Attacker")  # new connection, no cookie
        _status, page = browser.request("GET", "/sign-in")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page).group(1)
        fields = {"csrf_token": token, "email": "admin@hailong.example", "password": "wrong guess"}
        statuses.append(browser.request("POST", "/sign-in", fields)[0])
    assert statuses == [401] * 5 + [429] * 5  # SIGN_IN_FAILURES_PER_EMAIL: 5 per 15 minutes
