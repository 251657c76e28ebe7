"""The daily reminders of feedback cases: ``flask --app survey cases remind``.

Each agency manager gets a digest of their agency's open cases due within two working
days and of those overdue; the reform office gets the overdue ones of every agency. Mail
goes through Flask-Mailman (``SURVEY_MAIL_*``). Without a server, the digests are printed
and nothing is sent. A digest is made afresh from the cases at every run, so one that a
refusing or absent server did not take is sent at the next run with the cases still
waiting; the command's exit status says which failed. No digest holds a phone number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts.models import Role, User
from survey.feedback.cases import Calendar
from survey.feedback.labels import case_source_label, case_state_label
from survey.feedback.models import OPEN_STATES, FeedbackCase
from survey.org.models import Agency

#: Cases due within this many working days are reminded before they are overdue.
DUE_SOON_WORKING_DAYS = 2


@dataclass
class Digest:
    """One recipient's reminder: the cases due soon and those overdue."""

    email: str
    due_soon: list[FeedbackCase] = field(default_factory=list)
    overdue: list[FeedbackCase] = field(default_factory=list)


def digests(session: Session, today: date) -> list[Digest]:
    """The digests to send today, one per recipient with something to read."""
    calendar = Calendar.load(session)
    horizon = calendar.add(today, DUE_SOON_WORKING_DAYS)
    cases = session.scalars(
        select(FeedbackCase)
        .where(FeedbackCase.state.in_(OPEN_STATES))
        .order_by(FeedbackCase.agency_id, FeedbackCase.id)
    ).all()
    managers: dict[int, list[str]] = defaultdict(list)
    reform_office: list[str] = []
    for user in session.scalars(select(User).where(User.is_active).order_by(User.email)):
        if user.role == Role.AGENCY_MANAGER and user.agency_id is not None:
            managers[user.agency_id].append(user.email)
        elif user.role == Role.REFORM_OFFICE:
            reform_office.append(user.email)
    by_email: dict[str, Digest] = {}

    def add(email: str, case: FeedbackCase, overdue: bool) -> None:
        digest = by_email.setdefault(email, Digest(email))
        (digest.overdue if overdue else digest.due_soon).append(case)

    for case in cases:
        due = case.due_date()
        assert due is not None, "an open case has a deadline"
        overdue = due < today
        if not overdue and due > horizon:
            continue
        for email in managers.get(case.agency_id, ()):
            add(email, case, overdue)
        if overdue:
            for email in reform_office:
                add(email, case, overdue)
    return [by_email[email] for email in sorted(by_email)]


def digest_text(digest: Digest, agency_names: dict[int, str]) -> str:
    """The mail's body, in Vietnamese (the officers' language); never a phone number."""
    lines = ["Kính gửi Quý cán bộ,", ""]
    base_url = current_app.config["BASE_URL"].rstrip("/")

    def describe(title: str, cases: Iterable[FeedbackCase]) -> None:
        cases = list(cases)
        if not cases:
            return
        lines.extend([f"{title} ({len(cases)}):", ""])
        for case in cases:
            due = case.due_date()
            lines.append(
                f"- #{case.id} {case_source_label(case.source)}, "
                f"{agency_names.get(case.agency_id, '')}, {case_state_label(case.state)}, "
                f"hạn {due:%d/%m/%Y}: {base_url}/officer/cases/{case.id}"
            )
        lines.append("")

    describe("Phản ánh, kiến nghị quá hạn", digest.overdue)
    describe("Phản ánh, kiến nghị sắp đến hạn", digest.due_soon)
    lines.append("Thư này được gửi tự động từ hệ thống Hài Lòng.")
    return "\n".join(lines)


def agency_names(session: Session) -> dict[int, str]:
    return {id_: name for id_, name in session.execute(select(Agency.id, Agency.name))}


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_digests(texts: dict[str, str]) -> list[tuple[str, str]]:
    """Send each ``{email: body}``; the (email, reason) of those the server did not take."""
    from flask_mailman import EmailMessage

    failed = []
    sender = current_app.config["MAIL_SENDER"]
    mail = current_app.extensions["mailman"]
    config = current_app.config
    try:
        # The settings as they are now (Flask-Mailman keeps those of the application's start).
        connection = mail.get_connection(
            # SMTP always: Flask-Mailman would keep test mail in memory in a testing app.
            backend="smtp",
            fail_silently=False,
            host=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            use_tls=config["MAIL_USE_TLS"],
            timeout=config["MAIL_TIMEOUT"],
        )
        connection.open()
    except OSError as error:  # down, refused, TLS or authentication failed
        return [(email, str(error) or type(error).__name__) for email in texts]
    with connection:
        for email, body in texts.items():
            message = EmailMessage(
                "[Hài Lòng] Phản ánh, kiến nghị sắp đến hạn và quá hạn",
                body,
                sender,
                [email],
                connection=connection,
            )
            try:
                message.send(fail_silently=False)
            except OSError as error:  # smtplib's errors are OSErrors
                failed.append((email, str(error) or type(error).__name__))
    return failed
