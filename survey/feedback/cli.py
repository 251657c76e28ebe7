"""The ``flask --app survey cases`` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from survey.db import db
from survey.vietnam_calendar import local_today

cases_group = AppGroup("cases", help="Feedback cases.")


@cases_group.command("remind")
def remind_command() -> None:
    """E-mail each agency manager the cases due within 2 working days and overdue, and the
    reform office the overdue ones (run it daily). Exit status 1 if a mail was not sent."""
    from survey.feedback.reminders import (
        agency_names,
        digest_text,
        digests,
        mail_configured,
        send_digests,
    )

    session = db.session()
    found = digests(session, local_today())
    names = agency_names(session)
    with force_locale("vi"):  # the officers' language, as the report's
        texts = {digest.email: digest_text(digest, names) for digest in found}
    if not texts:
        click.echo("No case is due soon or overdue: no reminder today.")
        return
    if not mail_configured():
        for email, text in texts.items():
            click.echo(f"To: {email}\n{text}\n")
        click.echo(
            f"No mail server is configured (SURVEY_MAIL_SERVER): {len(texts)} reminders "
            "printed above, no mail was sent."
        )
        return
    failed = send_digests(texts)
    click.echo(f"Sent {len(texts) - len(failed)} of {len(texts)} reminders.")
    for email, reason in failed:
        click.echo(f"Not sent to {email}: {reason}. It is sent again at the next run.", err=True)
    if failed:
        raise SystemExit(1)
