"""``import-dossiers``, ``create-integration`` and ``revoke-integration``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from survey.collect.keys import dossier_key
from survey.db import write_session
from survey.dossiers.imports import HeaderRefused, ImportResult, import_dossiers, read_dossier_csv
from survey.dossiers.integrations import (
    IntegrationRefused,
    create_integration,
    revoke_integration,
)


@click.command("import-dossiers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change.")
@with_appcontext
def import_dossiers_command(file: Path, dry_run: bool) -> None:
    """Import dossiers from the one-stop system (CSV, see docs/DOSSIERS.md).

    The whole file or nothing; importing a file again updates the dossiers it names.
    """
    # English messages, like the rest of the command line (a request picks the language).
    with (
        current_app.test_request_context("/?lang=en"),
        file.open("rb") as stream,
        click.progressbar(
            length=os.fstat(stream.fileno()).st_size, label="Reading dossiers", file=sys.stderr
        ) as bar,
    ):

        def progress(_rows: int) -> None:
            bar.update(stream.tell() - bar.pos)

        try:
            result = import_dossiers(
                read_dossier_csv(stream),
                dossier_key(),
                dry_run=dry_run,
                source=f"file {file.name}",
                progress=progress,
            )
        except HeaderRefused as refused:
            result = ImportResult(errors=refused.errors, error_count=len(refused.errors))
        _report(result, dry_run)


def _report(result: ImportResult, dry_run: bool) -> None:
    if not result.is_valid:
        for error in result.errors:
            click.echo(str(error), err=True)
        more = result.error_count - len(result.errors)
        if more:
            click.echo(f"… and {more} more errors.", err=True)
        raise click.ClickException(
            f"{result.error_count} errors in {result.rows} rows: nothing was imported."
        )
    counts = (
        f"{result.rows} dossiers: {result.created} new, {result.updated} updated,"
        f" {result.unchanged} unchanged"
    )
    if dry_run:
        click.echo(f"Dry run, nothing written. {counts}.")
    else:
        click.echo(f"Imported {counts}.")


@click.command("create-integration")
@click.argument("name")
@with_appcontext
def create_integration_command(name: str) -> None:
    """Let a one-stop system send dossiers to POST /api/v1/dossiers; prints its key once."""
    try:
        with write_session() as session:
            created = create_integration(session, name)
    except IntegrationRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Integration {name!r} created. Its key, shown only this once:")
    click.echo(created.key)
    click.echo("Send it as 'Authorization: Bearer <key>'.", err=True)


@click.command("revoke-integration")
@click.argument("name")
@with_appcontext
def revoke_integration_command(name: str) -> None:
    """Stop an integration's key at once."""
    try:
        with write_session() as session:
            revoke_integration(session, name)
    except IntegrationRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Integration {name!r} revoked: its key is refused from now on.")


def init_app(app: Flask) -> None:
    for command in (
        import_dossiers_command,
        create_integration_command,
        revoke_integration_command,
    ):
        app.cli.add_command(command)
