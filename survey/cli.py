"""Command-line tools: ``flask --app survey <command>``.

``db upgrade|downgrade|revision`` come from Flask-Migrate (Alembic underneath).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any, cast

import click
from babel.messages.frontend import CommandLineInterface as BabelCommandLine
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import CursorResult, delete, select

from survey.accounts.models import AuditEvent, Role, User
from survey.accounts.rules import (
    MINIMUM_PASSWORD_LENGTH,
    email_is_taken,
    is_email_address,
    is_guessable_password,
    needs_agency,
    normalized_email,
)
from survey.backup import BackupError, backup, restore
from survey.collect.models import CallbackRequest
from survey.collect.submit import TargetUnavailable, target_of
from survey.db import db, utcnow, write_session
from survey.languages import TRANSLATED_LANGUAGES
from survey.org.models import Agency, Official, PublicCode, ServicePoint
from survey.org.tree import AgencyTree
from survey.vietnam_calendar import local_today

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = PROJECT_ROOT / "translations"


@click.command("seed-demo")
@click.option(
    "--responses",
    default=20_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="How many synthetic responses to generate.",
)
@click.option(
    "--seed",
    default=2025,
    show_default=True,
    type=int,
    help="Random seed: the same seed and end date give the same data.",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the 18 months of responses (default: today).",
)
@with_appcontext
def seed_demo_command(responses: int, seed: int, until) -> None:
    """Load the An Giang demo: agencies, desks, officials, questionnaires and responses.

    Running it again adds nothing that is already there.
    """
    from survey.collect.keys import dossier_key
    from survey.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, seed_demo

    with click.progressbar(length=responses, label="Generating responses") as bar:
        report = seed_demo(
            write_session,
            responses=responses,
            seed=seed,
            until=until.date() if until else None,
            dossier_key=dossier_key(),
            progress=bar.update,
        )
    click.echo(
        f"Demo data: {report.agencies} agencies, {report.service_points} service points,"
        f" {report.officials} officials, {report.procedures} procedures;"
        f" {report.responses_created} responses added, {report.responses_present} in the database;"
        f" {report.dossiers_created} one-stop dossiers added."
    )
    click.echo(f"Demo administrator: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")


def _read_password() -> str:
    """From the terminal with confirmation, or one line of standard input (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="What the officer may do.",
)
@click.option(
    "--agency",
    "agency_code",
    default=None,
    help="Code of the agency whose subtree the officer sees (required for scoped roles).",
)
@with_appcontext
def create_user_command(email: str, role: str, agency_code: str | None) -> None:
    """Create an officer account. The password is read from a prompt or standard input."""
    email = normalized_email(email)
    if not is_email_address(email):
        raise click.BadParameter(f"{email!r} is not an e-mail address", param_hint="EMAIL")
    role_value = Role(role)
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.BadParameter(
                f"no agency has the code {agency_code!r}", param_hint="--agency"
            )
    elif needs_agency(role_value):
        raise click.BadParameter(f"the role {role} needs an agency", param_hint="--agency")
    if email_is_taken(db.session(), email):
        raise click.ClickException(f"an account for {email} already exists")
    password = _read_password()
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise click.ClickException(
            f"the password must have at least {MINIMUM_PASSWORD_LENGTH} characters"
        )
    if is_guessable_password(password):
        raise click.ClickException(
            "the password is among those attackers try first (on lists of leaked passwords, "
            "or repeating or counting characters): choose another"
        )
    user = User(email=email, role=role_value, agency_id=agency.id if agency else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    db.session.add(
        AuditEvent(
            action="user.created",
            target=f"user:{user.id}",
            details={"email": email, "role": role, "agency": agency_code, "via": "command line"},
        )
    )
    db.session.commit()
    click.echo(f"Created {role} account {email}" + (f" for {agency_code}" if agency_code else ""))


@click.command("qr-codes")
@click.option(
    "--agency",
    "agency_code",
    default=None,
    help="Only the codes of this agency's subtree as of today.",
)
@with_appcontext
def qr_codes_command(agency_code: str | None) -> None:
    """List active public codes: code, what it points to, and the address to print."""
    statement = (
        select(PublicCode)
        .where(PublicCode.revoked_dt.is_(None))
        .outerjoin(PublicCode.service_point)
        .outerjoin(PublicCode.official)
        .order_by(PublicCode.id)
    )
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.BadParameter(
                f"no agency has the code {agency_code!r}", param_hint="--agency"
            )
        members = AgencyTree.load(db.session()).subtree(agency.id, local_today())
        statement = statement.where(
            ServicePoint.agency_id.in_(members) | Official.agency_id.in_(members)
        )
    base_url = current_app.config["BASE_URL"].rstrip("/")
    for public_code in db.session.scalars(statement):
        try:
            target = target_of(public_code)
        except TargetUnavailable:  # its desk, official or agency no longer takes ratings
            continue
        if target.official is None:
            assert target.service_point is not None, "a code points at a desk or an official"
            description = f"service point: {target.agency.name} / {target.service_point.name}"
        else:
            description = f"official: {target.official.name} ({target.agency.name})"
        click.echo(f"{public_code.code}\t{description}\t{base_url}/q/{public_code.code}")


@click.command("purge-contacts")
@with_appcontext
def purge_contacts_command() -> None:
    """Delete call-back phone numbers whose retention period has ended (run it daily), also
    those of feedback cases still open (the case then says that the number was deleted)."""
    from survey.feedback.cases import purge_case_contacts

    now = utcnow()
    with write_session() as session:
        # Before the call-back numbers go: their cases are marked by the numbers' responses.
        deleted = purge_case_contacts(session, now)
        # A DELETE's result is a CursorResult, which has the row count; typed as a Result.
        deleted += cast(
            CursorResult[Any],
            session.execute(delete(CallbackRequest).where(CallbackRequest.delete_after_dt <= now)),
        ).rowcount
        if deleted:
            session.add(AuditEvent(action="contacts.purged", details={"deleted": deleted}))
    click.echo(f"Deleted {deleted} call-back phone numbers past their retention period.")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent backup of the database to TARGET, even while it is in use."""
    try:
        backup(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {target} ({target.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's contents with the backup SOURCE (stop the application first)."""
    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    db.engine.dispose()  # no pooled connection may hold the old database open
    try:
        restore(source, current_app.config["SQLALCHEMY_DATABASE_URI"])
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored the database from {source}.")


@click.group("translate")
def translate_group() -> None:
    """The Babel workflow: extract the strings, start or update the catalogs, compile them."""


def _babel(*arguments: str) -> None:
    BabelCommandLine().run(["pybabel", "-q", *arguments])


def _extract(output: Path) -> None:
    # babel.cfg's patterns are relative to the project root (dot-folders such as .venv are skipped).
    _babel(
        "extract",
        "-F",
        str(PROJECT_ROOT / "babel.cfg"),
        "-k",
        "_l",
        "--no-location",  # stable catalogs: no absolute paths or line numbers
        "--sort-output",
        "--no-wrap",
        "--project",
        "Hai Long",
        "-o",
        str(output),
        str(PROJECT_ROOT),
    )


@translate_group.command("extract")
def translate_extract() -> None:
    """Write translations/messages.pot from the code and templates."""
    _extract(TRANSLATIONS / "messages.pot")


@translate_group.command("init")
@click.argument("language")
def translate_init(language: str) -> None:
    """Start the catalog of a new LANGUAGE, declared first in survey/languages.py."""
    if language not in TRANSLATED_LANGUAGES:
        raise click.ClickException(
            f"{language!r} is not declared: add it to LANGUAGE_NAMES in survey/languages.py first"
        )
    if (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").exists():
        raise click.ClickException(
            f"translations/{language} already exists: `translate update` adds the new strings"
        )
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "messages.pot"
        _extract(template)
        _babel("init", "-i", str(template), "-d", str(TRANSLATIONS), "-l", language, "--no-wrap")
    click.echo(
        f"Created translations/{language}/LC_MESSAGES/messages.po: translate it, then compile."
    )


@translate_group.command("update")
def translate_update() -> None:
    """Extract, then merge the new strings into every language's catalog."""
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "messages.pot"
        _extract(template)
        for language in TRANSLATED_LANGUAGES:
            _babel(
                "update",
                "-i",
                str(template),
                "-d",
                str(TRANSLATIONS),
                "-l",
                language,
                "--no-wrap",
                "--ignore-obsolete",
                # A guessed translation of a similar string is worse than none: it is
                # wrong, and it can break compilation with mismatched placeholders.
                "--no-fuzzy-matching",
            )


@translate_group.command("compile")
def translate_compile() -> None:
    """Build the .mo files the application reads (they are not committed)."""
    _babel("compile", "-d", str(TRANSLATIONS), "--statistics")


def init_app(app: Flask) -> None:
    from survey.collect.kiosk_cli import register_kiosk_command, revoke_kiosk_command
    from survey.dossiers import cli as dossiers_cli
    from survey.results.cli import rebuild_counts_command, report_command

    for command in (
        seed_demo_command,
        create_user_command,
        qr_codes_command,
        purge_contacts_command,
        backup_command,
        restore_command,
        translate_group,
    ):
        app.cli.add_command(command)
    app.cli.add_command(rebuild_counts_command)
    app.cli.add_command(report_command)
    app.cli.add_command(register_kiosk_command)
    app.cli.add_command(revoke_kiosk_command)
    dossiers_cli.init_app(app)
