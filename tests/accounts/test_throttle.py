"""Sign-in pauses after repeated failures, per e-mail and per client address (memory, Redis)."""

from __future__ import annotations

import re
import statistics
import time
import uuid

import pytest
import redis

from survey.accounts.models import Role
from survey.db import db
from tests.accounts.conftest import audit_events
from tests.conftest import make_app
from tests.factories import OFFICER_PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/5"
PAUSED_VI = re.compile(
    r"Đăng nhập không thành công quá nhiều lần\. Để bảo đảm an toàn, chức năng đăng nhập tạm "
    r"dừng: vui lòng thử lại sau \d\d:\d\d\."
)


@pytest.fixture(params=["memory", "redis"])
def throttled_app(request, app, database_url, tmp_path):
    """The application with its throttle counters in memory, or in Redis under a unique prefix.

    ``app`` is requested for its clean-up of the database; this application replaces it.
    """
    if request.param == "memory":
        yield app
        return
    prefix = f"test-throttle-{uuid.uuid4().hex}"
    application = make_app(
        database_url,
        tmp_path / "redis-instance",
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
    )
    application.redis_key_pattern = f"LIMITS:LIMITER/{prefix}/*"
    yield application
    with application.app_context():
        db.engine.dispose()
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(match=application.redis_key_pattern):
        server.delete(key)
    server.close()


def sign_in_from(client, email, address="192.0.2.10", password=OFFICER_PASSWORD):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, email, times, address="192.0.2.10"):
    for _attempt in range(times):
        assert sign_in_from(client, email, address, "a wrong password").status_code == 401


def test_five_failures_pause_the_account_even_for_the_right_password(throttled_app, world):
    client = throttled_app.test_client()
    email = world.emails[Role.AGENCY_MANAGER]
    fail(client, email, 5)
    paused = sign_in_from(client, email)
    assert paused.status_code == 429
    assert PAUSED_VI.search(paused.get_data(as_text=True))
    assert 0 < int(paused.headers["Retry-After"]) <= 15 * 60
    assert client.get("/officer/").status_code == 302
    # From another network too: the account is paused, not only the address.
    assert sign_in_from(client, email, address="198.51.100.7").status_code == 429
    # Another officer on the same network is not affected.
    assert sign_in_from(client, world.emails[Role.VIEWER]).status_code == 302
    assert audit_events(throttled_app, "login.failed")[-1].details == {
        "email": email,
        "reason": "paused",
    }
    if throttled_app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        server = redis.Redis.from_url(REDIS_URL)
        assert len(list(server.scan_iter(match=throttled_app.redis_key_pattern))) >= 2
        server.close()


def test_an_unknown_email_is_paused_the_same_way(throttled_app, world):
    client = throttled_app.test_client()
    known, unknown = world.emails[Role.VIEWER], "nobody@hailong.example"
    fail(client, known, 5)
    fail(client, unknown, 5)
    answers = [sign_in_from(client, email) for email in (known, unknown)]
    assert [answer.status_code for answer in answers] == [429, 429]
    # The same page, but for the time of day (each pause started at its first failure).
    pages = [re.sub(r"\d\d:\d\d", "hh:mm", answer.get_data(as_text=True)) for answer in answers]
    assert pages[0].replace(known, unknown) == pages[1]
    assert all(PAUSED_VI.search(answer.get_data(as_text=True)) for answer in answers)


def test_failures_from_one_address_pause_every_email_from_it(throttled_app, world):
    throttled_app.config["SIGN_IN_FAILURES_PER_ADDRESS"] = "3 per 15 minutes"
    client = throttled_app.test_client()
    for number in range(3):
        fail(client, f"guess{number}@hailong.example", 1)
    assert sign_in_from(client, world.emails[Role.VIEWER]).status_code == 429
    assert sign_in_from(client, world.emails[Role.VIEWER], "198.51.100.7").status_code == 302


def test_successful_sign_ins_are_not_counted(throttled_app, world):
    throttled_app.config["SIGN_IN_FAILURES_PER_EMAIL"] = "2 per 15 minutes"
    client = throttled_app.test_client()
    email = world.emails[Role.REFORM_OFFICE]
    for _attempt in range(3):
        assert sign_in_from(client, email).status_code == 302
        client.post("/sign-out")
    fail(client, email, 1)
    assert sign_in_from(client, email).status_code == 302


def test_an_unknown_email_takes_as_long_to_refuse_as_a_wrong_password(app, client, world):
    """Without a password check for unknown e-mails, they would answer ~50 times faster."""
    app.config["SIGN_IN_FAILURES_PER_EMAIL"] = "100 per 15 minutes"
    app.config["SIGN_IN_FAILURES_PER_ADDRESS"] = "100 per 15 minutes"
    durations = {"known": [], "unknown": []}
    for _round in range(5):
        for kind, email in (("known", world.emails[Role.VIEWER]), ("unknown", "x@hailong.example")):
            started = time.perf_counter()
            assert sign_in_from(client, email, password="a wrong password").status_code == 401
            durations[kind].append(time.perf_counter() - started)
    ratio = statistics.median(durations["unknown"]) / statistics.median(durations["known"])
    assert 1 / 3 < ratio < 3
