"""The daily reminders, through a real SMTP server running in the test process (aiosmtpd)."""

from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from survey.accounts.models import Role
from survey.db import write_session
from survey.feedback.models import FeedbackCase
from tests.factories import make_user
from tests.feedback.conftest import all_cases, rate, send_feedback
from tests.fleet import free_port

#: Ports chosen free in each test process: the suite's parallel workers run the SQLite and
#: PostgreSQL cases of one test at once, and fixed ports made them collide.
SMTP_PORT = free_port()
CLOSED_PORT = free_port()  # nothing listens there: a mail server that is down


class Inbox:
    """Keeps every message the server accepted; refuses every recipient while ``refusing``."""

    def __init__(self):
        self.messages = []
        self.refusing = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "550 5.7.1 relaying refused"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted"

    def bodies(self, email):
        return [
            message.get_payload(decode=True).decode("utf-8")
            for recipients, message in self.messages
            if email in recipients
        ]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def people(app, desk):
    with app.app_context(), write_session() as session:
        from survey.org.models import Agency

        ward = session.get_one(Agency, desk["agency_id"])
        other = session.get_one(Agency, desk["other_agency_id"])
        make_user(session, Role.AGENCY_MANAGER, agency=ward, email="ward@hailong.example")
        make_user(session, Role.AGENCY_MANAGER, agency=other, email="commune@hailong.example")
        make_user(session, Role.REFORM_OFFICE, email="reform@hailong.example")
        make_user(session, Role.VIEWER, agency=ward, email="viewer@hailong.example")
    return desk


@pytest.fixture
def waiting_cases(app, client, people):
    """Three cases of the ward: one overdue, one due tomorrow, one due in a month."""
    for text in ("Quá hạn", "Sắp đến hạn", "Còn lâu"):
        send_feedback(
            client, people["code"], text=text, callback_consent="y", callback_phone="0912 345 678"
        )
    rate(client, people["code"], callback_consent="y", callback_phone="0987 654 321")
    today = date(2026, 12, 7)  # a Monday
    with app.app_context(), write_session() as session:
        cases = session.scalars(select(FeedbackCase).order_by(FeedbackCase.id)).all()
        cases[0].acknowledge_due = today - timedelta(days=3)
        cases[1].acknowledge_due = today + timedelta(days=1)
        cases[2].acknowledge_due = today + timedelta(days=30)
        cases[3].acknowledge_due = today + timedelta(days=30)
    return [case.id for case in all_cases(app)], today


def remind(app, today, monkeypatch, **mail):
    import survey.feedback.cli as cli

    monkeypatch.setattr(cli, "local_today", lambda: today)
    app.config.update(mail)
    return app.test_cli_runner().invoke(args=["cases", "remind"])


def test_managers_get_due_and_overdue_cases_and_the_reform_office_the_overdue(
    app, inbox, waiting_cases, monkeypatch
):
    ids, today = waiting_cases
    result = remind(
        app,
        today,
        monkeypatch,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=SMTP_PORT,
        MAIL_SENDER="hailong@tinh.example",
    )
    assert result.exit_code == 0, result.output
    assert "Sent 2 of 2 reminders." in result.output
    [ward] = inbox.bodies("ward@hailong.example")
    assert f"#{ids[0]}" in ward and f"#{ids[1]}" in ward and f"#{ids[2]}" not in ward
    assert ward.index("quá hạn") < ward.index(f"#{ids[0]}") < ward.index("sắp đến hạn")
    [reform] = inbox.bodies("reform@hailong.example")
    assert f"#{ids[0]}" in reform and f"#{ids[1]}" not in reform
    assert inbox.bodies("commune@hailong.example") == []
    assert inbox.bodies("viewer@hailong.example") == []
    for _recipients, message in inbox.messages:
        assert message["From"] == "hailong@tinh.example"
        assert "Phản ánh" in str(make_header(decode_header(message["Subject"])))
        # The decoded text a reader sees (the Message-ID's random digits may hold "0987").
        subject = str(make_header(decode_header(message["Subject"])))
        text = subject + message.get_payload(decode=True).decode("utf-8")
        assert "0912" not in text and "0987" not in text


def test_a_refusing_server_loses_nothing_the_next_run_sends_it(
    app, inbox, waiting_cases, monkeypatch
):
    ids, today = waiting_cases
    inbox.refusing = True
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": SMTP_PORT}
    result = remind(app, today, monkeypatch, **mail)
    assert result.exit_code == 1
    assert "Not sent to ward@hailong.example" in result.stderr
    assert "Not sent to reform@hailong.example" in result.stderr
    assert inbox.messages == []
    inbox.refusing = False
    result = remind(app, today + timedelta(days=1), monkeypatch, **mail)
    assert result.exit_code == 0
    assert len(inbox.bodies("ward@hailong.example")) == 1
    assert f"#{ids[0]}" in inbox.bodies("reform@hailong.example")[0]


def test_a_server_that_is_down_gives_a_failing_exit_status(app, waiting_cases, monkeypatch):
    _ids, today = waiting_cases
    result = remind(app, today, monkeypatch, MAIL_SERVER="127.0.0.1", MAIL_PORT=CLOSED_PORT)
    assert result.exit_code == 1
    assert result.stderr.count("It is sent again at the next run.") == 2
    assert "0912" not in result.output + result.stderr


def test_without_a_server_the_digests_are_printed_and_nothing_is_sent(
    app, waiting_cases, monkeypatch
):
    ids, today = waiting_cases
    result = remind(app, today, monkeypatch, MAIL_SERVER="")
    assert result.exit_code == 0
    assert "To: ward@hailong.example" in result.output and f"#{ids[0]}" in result.output
    assert "no mail was sent" in result.output
    assert "0912" not in result.output and "0987" not in result.output


def test_nothing_waiting_means_no_mail(app, people, monkeypatch):
    result = remind(
        app, date(2026, 12, 7), monkeypatch, MAIL_SERVER="127.0.0.1", MAIL_PORT=CLOSED_PORT
    )
    assert result.exit_code == 0 and "no reminder today" in result.output
