"""``flask --app survey rebuild-counts``: recompute the count tables from the raw responses."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from survey.db import write_session
from survey.results.counts import rebuild_counts


@click.command("rebuild-counts")
@with_appcontext
def rebuild_counts_command() -> None:
    """Recompute the pre-aggregated counts from the raw responses, in one transaction.

    Needed only if responses were changed or deleted outside the application, or after
    restoring a backup made without the count tables; reports keep reading the old
    counts until the new ones are committed.
    """
    started = time.perf_counter()
    with write_session() as session:
        rows = rebuild_counts(session)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{table} {count:,} rows" for table, count in rows.items())
    click.echo(f"Counts rebuilt in {elapsed:.1f} s: {summary}.")
