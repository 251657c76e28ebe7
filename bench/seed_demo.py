"""How long seeding the demo takes, on SQLite and (when reachable) PostgreSQL.

    .venv/bin/python bench/seed_demo.py [--responses 100000] [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints seconds and responses per second for each database, and the ratio of each
to a same-run baseline: inserting the same number of bare rows (uuid + one integer)
into a scratch table of the same database, the floor any loader pays. Figures, not
pass/fail: machines are noisy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, Uuid, create_engine, insert, text

from survey import create_app
from survey.db import db, write_session
from survey.demo import seed_demo
from tests.conftest import PostgresServer, upgrade_to_head


def baseline_seconds(url: str, rows: int) -> float:
    """Insert ``rows`` bare rows in batches of 1,000, one transaction per batch."""
    engine = create_engine(url)
    table = Table(
        "bench_baseline",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("uuid", Uuid, unique=True),
        Column("value", Integer),
    )
    table.create(engine)
    started = time.perf_counter()
    for start in range(0, rows, 1000):
        with engine.begin() as connection:
            connection.execute(
                insert(table),
                [
                    {"uuid": uuid.uuid4(), "value": number % 5}
                    for number in range(start, min(start + 1000, rows))
                ],
            )
    elapsed = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_baseline"))
    engine.dispose()
    return elapsed


def seed_seconds(url: str, instance: Path, responses: int) -> float:
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "DOSSIER_HASH_KEY": "bench"},
        instance_path=str(instance),
    )
    upgrade_to_head(app)
    with app.app_context():
        started = time.perf_counter()
        seed_demo(write_session, responses=responses, until=date(2026, 11, 26))
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        targets = {
            "SQLite": (f"sqlite:///{folder}/seed.sqlite3", f"sqlite:///{folder}/base.sqlite3")
        }
        server = None
        try:
            server = PostgresServer(arguments.server)
            targets["PostgreSQL"] = (
                server.create_database("bench"),
                server.create_database("bench"),
            )
        except Exception as error:  # no server: report SQLite only
            print(f"PostgreSQL skipped: {type(error).__name__}: {error}")
        try:
            print(f"Seeding {arguments.responses:,} demo responses (with their answers)")
            print(
                f"{'database':<12}{'seconds':>10}{'responses/s':>14}{'baseline s':>12}{'ratio':>8}"
            )
            for name, (url, baseline_url) in targets.items():
                seconds = seed_seconds(url, Path(folder) / name, arguments.responses)
                baseline = baseline_seconds(baseline_url, arguments.responses)
                print(
                    f"{name:<12}{seconds:>10.1f}{arguments.responses / seconds:>14,.0f}"
                    f"{baseline:>12.1f}{seconds / baseline:>8.1f}"
                )
        finally:
            if server is not None:
                server.drop_all()


if __name__ == "__main__":
    main()
