"""Importing a year of dossiers on PostgreSQL, against a bare COPY of the same file.

    .venv/bin/python -m bench.dossier_import [--dossiers 1000000] [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Writes a CSV of N dossiers (the format of docs/DOSSIERS.md, 20 agencies, a third still
being handled), then measures in one run:

- the baseline: ``COPY … FROM STDIN (FORMAT csv)`` of the same file into a table of text
  columns, without a check, a hash or an index: the floor of any loader;
- the import (:func:`survey.dossiers.imports.import_dossiers`, what ``import-dossiers``
  runs): every line checked, each code hashed, staged with COPY, repeats looked for, then
  one upsert into ``dossiers``; and the same file imported again (every dossier
  unchanged);
- the process's peak memory after importing a tenth of the file and after the whole file:
  equal peaks mean memory does not grow with the file;
- the load average, and the import process's own CPU seconds beside the wall clock: on a
  shared machine the wall clock mostly measures the other processes.

Figures, not pass/fail: machines are noisy.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from survey import create_app
from survey.collect.keys import dossier_key
from survey.db import db
from survey.dossiers.imports import COLUMNS, import_dossiers, read_dossier_csv
from survey.dossiers.models import Dossier
from survey.org.models import Agency
from tests.conftest import PostgresServer, upgrade_to_head

AGENCIES = 20


def write_file(path: Path, dossiers: int, seed: int = 17) -> None:
    generator = random.Random(seed)
    start = date(2025, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for number in range(dossiers):
            received = start + timedelta(days=generator.randrange(365))
            due = received + timedelta(days=generator.choice((1, 3, 5, 7, 15)))
            returned = (
                ""
                if generator.random() < 0.3
                else (due + timedelta(days=generator.randint(-3, 2))).isoformat()
            )
            if returned and returned < received.isoformat():
                returned = received.isoformat()
            writer.writerow(
                [
                    f"000.00.{number % AGENCIES:02d}.H01-{number:09d}",
                    f"BENCH-{number % AGENCIES}",
                    "",
                    "",
                    "",
                    generator.choice(("direct", "online", "postal")),
                    f"{received.isoformat()}T{generator.randint(7, 16):02d}:00",
                    due.isoformat(),
                    returned,
                    generator.choice(("0", "0", "1", "")),
                    generator.choice(("1", "1", "2", "")),
                    generator.choice(("none", "none", "none", "other", "")),
                    generator.choice(("both", "both", "both", "partly", "")),
                    generator.choice(("full", "full", "full", "partial", "")),
                    generator.choice(("none", "none", "early", "on_time", "late", "")),
                    generator.choice(("full", "partial", "none", "")),
                ]
            )


def copy_seconds(url: str, path: Path) -> float:
    """The bare COPY of the file into text columns."""
    address = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(address) as connection:
        columns = ", ".join(f"{name} text" for name in COLUMNS)
        connection.execute(f"CREATE TABLE bare_dossiers ({columns})")
        started = time.perf_counter()
        statement = "COPY bare_dossiers FROM STDIN (FORMAT csv, HEADER true)"
        with (
            connection.cursor() as cursor,
            path.open("rb") as handle,
            cursor.copy(statement) as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        connection.commit()
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE bare_dossiers")
        connection.commit()
    return elapsed


def import_seconds(path: Path) -> tuple[float, float, int]:
    """Wall-clock seconds, this process's CPU seconds (reading, checking, hashing: what
    other processes on a loaded machine do not inflate) and the dossiers left unchanged."""
    started, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as stream:
        result = import_dossiers(read_dossier_csv(stream), dossier_key(), source="benchmark")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.written, [str(error) for error in result.errors[:5]]
    return elapsed, cpu, result.unchanged


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    server = PostgresServer(arguments.server)
    try:
        url = server.create_database("dossiers")
        with tempfile.TemporaryDirectory() as folder:
            run(url, Path(folder), arguments.dossiers)
    finally:
        server.drop_all()


def run(url: str, folder: Path, dossiers: int) -> None:
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "DOSSIER_HASH_KEY": "bench"},
        instance_path=str(folder / "instance"),
    )
    upgrade_to_head(app)
    small, large = folder / "small.csv", folder / "large.csv"
    write_file(small, max(dossiers // 10, 1), seed=1)
    write_file(large, dossiers)
    print(f"{dossiers:,} dossiers, {large.stat().st_size / 1e6:,.0f} MB of CSV")
    with app.app_context(), app.test_request_context("/?lang=en"):
        for number in range(AGENCIES):
            db.session.add(Agency(code=f"BENCH-{number}", name=f"Cơ quan {number}", kind="Sở"))
        db.session.commit()
        before = peak_megabytes()
        import_seconds(small)
        after_tenth = peak_megabytes()
        baseline = copy_seconds(url, large)
        seconds, cpu, _unchanged = import_seconds(large)
        after_whole = peak_megabytes()
        again, cpu_again, unchanged = import_seconds(large)
        stored = db.session.scalar(select(func.count()).select_from(Dossier))
        db.engine.dispose()
    print(f"load average: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")
    print(f"{'':<34}{'seconds':>10}{'rows/s':>12}{'× COPY':>9}{'CPU s':>8}")
    for label, elapsed, used in (
        ("bare COPY (text columns)", baseline, None),
        ("import (new dossiers)", seconds, cpu),
        ("import again (all unchanged)", again, cpu_again),
    ):
        print(
            f"{label:<34}{elapsed:>10.1f}{dossiers / elapsed:>12,.0f}{elapsed / baseline:>9.1f}"
            + (f"{used:>8.1f}" if used is not None else "")
        )
    print(f"dossiers stored: {stored:,}; unchanged on the second import: {unchanged:,}")
    print(
        f"peak memory: {before:,.0f} MB before, {after_tenth:,.0f} MB after a tenth of the file,"
        f" {after_whole:,.0f} MB after the whole file"
    )


if __name__ == "__main__":
    main()
