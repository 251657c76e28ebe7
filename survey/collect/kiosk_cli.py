"""Kiosk tablets from the command line: ``register-kiosk`` and ``revoke-kiosk`` (the kiosk
page and its pairing are :mod:`survey.collect.kiosk`)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from survey.accounts.models import AuditEvent
from survey.collect.devices import RegistrationError, register_kiosk, revoke_kiosk
from survey.db import write_session


@click.command("register-kiosk")
@click.option(
    "--service-point",
    "public_code",
    required=True,
    help="The desk's active public code (see `flask --app survey qr-codes`).",
)
@click.option("--name", default=None, help="A name to recognise the tablet by.")
@with_appcontext
def register_kiosk_command(public_code: str, name: str | None) -> None:
    """Register a kiosk tablet for a desk and print its one-time pairing link."""
    with write_session() as session:
        try:
            registration = register_kiosk(session, public_code, name)
        except RegistrationError as error:
            raise click.ClickException(str(error)) from None
        device = registration.device
        session.add(
            AuditEvent(
                action="kiosk.registered",
                target=f"kiosk:{device.id}",
                details={"service_point": device.service_point_id, "via": "command line"},
            )
        )
    base_url = current_app.config["BASE_URL"].rstrip("/")
    click.echo(f"Kiosk {device.id} ({device.name}) registered.")
    click.echo("Open this link on the tablet within 24 hours; it works once:")
    click.echo(f"{base_url}/kiosk/pair/{registration.pairing_token}")


@click.command("revoke-kiosk")
@click.argument("device_id", type=int)
@with_appcontext
def revoke_kiosk_command(device_id: int) -> None:
    """Revoke a kiosk tablet: it can no longer submit, at once."""
    with write_session() as session:
        device = revoke_kiosk(session, device_id)
        if device is None:
            raise click.ClickException(f"no kiosk has the id {device_id}")
        session.add(AuditEvent(action="kiosk.revoked", target=f"kiosk:{device_id}", details=None))
    click.echo(f"Kiosk {device_id} revoked.")
