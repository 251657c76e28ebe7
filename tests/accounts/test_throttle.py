"""Sign-in pauses after repeated failures, per e-mail and per client address (memory, Redis)."""

from __future__ import annotations

import re
import statistics
import time

import redis

from survey.accounts.models import Role
from tests.accounts.conftest import audit_events
from tests.conftest import REDIS_URL
from tests.factories import OFFICER_PASSWORD

PAUSED_VI = re.compile(
    r"Đăng nhập không thành công quá nhiều lần\. Để bảo đảm an toàn, chức năng đăng nhập tạm "
    r"dừng: vui lòng thử lại sau \d\d:\d\d\."
)


def sign_in_from(client, email, address="192.0.2.10", password=OFFICER_PASSWORD):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, email, times, address="192.0.2.10"):
    for _attempt in range(times):
        assert sign_in_from(client, email, address, "a wrong password").status_code == 401


def test_five_failures_pause_the_account_even_for_the_right_password(limited_app, world):
    client = limited_app.test_client()
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
    assert audit_events(limited_app, "login.failed")[-1].details == {
        "email": email,
        "reason": "paused",
    }
    if limited_app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        server = redis.Redis.from_url(REDIS_URL)
        assert server.dbsize() >= 2  # the counters are in Redis, not in this process
        server.close()


def test_an_unknown_email_is_paused_the_same_way(limited_app, world):
    client = limited_app.test_client()
    known, unknown = world.emails[Role.VIEWER], "nobody@hailong.example"
    fail(client, known, 5)
    fail(client, unknown, 5)
    answers = [sign_in_from(client, email) for email in (known, unknown)]
    assert [answer.status_code for answer in answers] == [429, 429]
    # The same page, but for the time of day (each pause started at its first failure).
    pages = [re.sub(r"\d\d:\d\d", "hh:mm", answer.get_data(as_text=True)) for answer in answers]
    assert pages[0].replace(known, unknown) == pages[1]
    assert all(PAUSED_VI.search(answer.get_data(as_text=True)) for answer in answers)


def test_failures_from_one_address_pause_every_email_from_it(limited_app, world):
    limited_app.config["SIGN_IN_FAILURES_PER_ADDRESS"] = "3 per 15 minutes"
    client = limited_app.test_client()
    for number in range(3):
        fail(client, f"guess{number}@hailong.example", 1)
    assert sign_in_from(client, world.emails[Role.VIEWER]).status_code == 429
    assert sign_in_from(client, world.emails[Role.VIEWER], "198.51.100.7").status_code == 302


def test_successful_sign_ins_are_not_counted(limited_app, world):
    limited_app.config["SIGN_IN_FAILURES_PER_EMAIL"] = "2 per 15 minutes"
    client = limited_app.test_client()
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


def test_an_attacker_failing_an_email_does_not_lock_out_its_officer_on_their_own_browser(
    limited_app, world
):
    email = world.emails[Role.AGENCY_MANAGER]
    officer = limited_app.test_client()
    assert sign_in_from(officer, email).status_code == 302  # the browser they always use
    officer.post("/sign-out")
    attacker = limited_app.test_client()
    fail(attacker, email, 5, address="203.0.113.66")
    # The attacker, and any browser the officer never signed in from, are paused...
    assert sign_in_from(attacker, email, "203.0.113.66").status_code == 429
    assert sign_in_from(limited_app.test_client(), email).status_code == 429
    # ...but not the officer at their usual desk.
    assert sign_in_from(officer, email).status_code == 302
    officer.post("/sign-out")
    # The officer's browser has its own count: guessing from it is paused after five too.
    fail(officer, email, 5)
    assert sign_in_from(officer, email).status_code == 429


def test_the_trusted_browser_cookie_names_one_email_and_cannot_be_forged(limited_app, world):
    email, other = world.emails[Role.AGENCY_MANAGER], world.emails[Role.VIEWER]
    officer = limited_app.test_client()
    assert sign_in_from(officer, email).status_code == 302
    officer.post("/sign-out")
    fail(limited_app.test_client(), other, 5, address="203.0.113.66")
    # Trusted for its own officer's e-mail only.
    assert sign_in_from(officer, other).status_code == 429
    forged = limited_app.test_client()
    forged.set_cookie("hailong_officer_device", "W10.forged.signature")
    fail(limited_app.test_client(), email, 5, address="203.0.113.66")
    assert sign_in_from(forged, email).status_code == 429
