"""How fast the province overview is on a million responses, against a bare GROUP BY.

    .venv/bin/python -m bench.reports [--responses 1000000] [--backends postgresql,sqlite]
        [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each database (a fresh PostgreSQL database with a unique name, dropped afterwards, and
a SQLite file in a temporary folder) it loads the demo organisation and questionnaires,
bulk-loads ``--responses`` synthetic responses with their answers (COPY on PostgreSQL,
``executemany`` in big batches on SQLite: the per-request write path is measured by
``bench/submit.py``) with ids in the order of their submission times, as a real database
stores them (``--shuffled-times`` spreads the times over the ids: the worst case for the raw
edge days), runs ``rebuild-counts``, then prints medians of several runs of:

- the satisfaction overview of the whole province over the last 12 whole months, for the
  one-stop quick rating and for the SIPAS survey (from the count tables);
- the same overviews over a period one day shorter, which is not whole months: its eleven
  whole months come from the count tables and its last month but one day from the raw tables;
- the same overviews filtered by a procedure field (from the count tables by procedure, the
  officials' comparison from the raw tables);
- the baseline: ``SELECT item_key, value, count(*) FROM answers GROUP BY item_key, value``;

and each overview as a ratio to the baseline measured in the same run. Figures, never a
pass/fail: machines are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select, text

from survey import create_app
from survey.db import db, write_session
from survey.demo import seed_demo
from survey.org.models import Agency, ServicePoint, official_service_points
from survey.org.tree import AgencyTree
from survey.questionnaires.definition import load_definition
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.results import overview as overview_module
from survey.results.counts import rebuild_counts, vacuum_counts
from survey.results.filters import Period, ReportFilter
from survey.results.overview import satisfaction_overview
from tests.conftest import PostgresServer, upgrade_to_head

UNTIL = date(2026, 11, 26)
MONTHS = 18
CHUNK = 50_000
RESPONSE_COLUMNS = (
    "id",
    "uuid",
    "body_hash",
    "questionnaire_version_id",
    "channel",
    "agency_id",
    "service_point_id",
    "official_id",
    "procedure_id",
    "respondent_type",
    "language",
    "submitted_dt",
    "received_dt",
    "is_flagged",
)
ANSWER_COLUMNS = ("response_id", "item_key", "value", "text", "is_not_applicable")


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class Generator:
    """Synthetic responses over the demo organisation, vectorised with numpy."""

    def __init__(self, session, total: int, arrival_order: bool = True, seed: int = 2026):
        self.rng = np.random.default_rng(seed)
        self.total = total
        self.arrival_order = arrival_order
        desks = session.execute(select(ServicePoint.id, ServicePoint.agency_id)).all()
        self.desk_ids = np.array([desk for desk, _ in desks])
        self.desk_agencies = np.array([agency for _, agency in desks])
        officials: dict[int, list[int]] = {}
        for official, desk in session.execute(select(official_service_points)):
            officials.setdefault(desk, []).append(official)
        self.desk_officials = [officials.get(desk, []) for desk in self.desk_ids]
        self.procedure_ids = np.array(session.scalars(text("SELECT id FROM procedures")).all())
        self.versions = {}
        for version_id, key, definition in session.execute(
            select(
                QuestionnaireVersion.id, Questionnaire.key, QuestionnaireVersion.definition
            ).join(Questionnaire)
        ):
            self.versions[key] = (version_id, load_definition(definition))
        self.start = datetime.combine(
            UNTIL - timedelta(days=round(MONTHS * 30.44)), datetime.min.time()
        )
        self.span_minutes = int(
            (datetime.combine(UNTIL, datetime.min.time()) - self.start).total_seconds() // 60
        )

    def chunk(self, first_id: int, size: int):
        rng = self.rng
        ids = np.arange(first_id, first_id + size)
        is_sipas = rng.random(size) < 0.15
        desk = rng.integers(0, len(self.desk_ids), size)
        if self.arrival_order:
            # Stored as they arrive: ids follow the time, as the application assigns them.
            low = (first_id - 1) * self.span_minutes // self.total
            high = (first_id - 1 + size) * self.span_minutes // self.total
            minutes = np.sort(rng.integers(low, max(high, low + 1), size))
        else:
            minutes = rng.integers(0, self.span_minutes, size)
        quality = rng.normal(1.0, 0.8, size)
        flagged = rng.random(size) < 0.005
        channel = np.where(
            is_sipas,
            np.where(rng.random(size) < 0.7, "web", "paper"),
            np.where(rng.random(size) < 0.55, "qr", "kiosk"),
        )
        respondent = rng.choice(
            np.array(["citizen", "organisation", ""]), size, p=[0.8, 0.12, 0.08]
        )
        procedure = self.procedure_ids[rng.integers(0, len(self.procedure_ids), size)]
        responses, answers = [], []
        for n in range(size):
            officials = self.desk_officials[desk[n]]
            official = (
                officials[rng.integers(len(officials))]
                if officials and rng.random() < 0.8
                else None
            )
            submitted = self.start + timedelta(minutes=int(minutes[n]))
            key = "sipas" if is_sipas[n] else "onestop-quick"
            version_id, definition = self.versions[key]
            responses.append(
                (
                    int(ids[n]),
                    uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | int(ids[n]), version=4),
                    f"{int(ids[n]):064x}",
                    version_id,
                    str(channel[n]),
                    int(self.desk_agencies[desk[n]]),
                    int(self.desk_ids[desk[n]]),
                    official,
                    int(procedure[n]),
                    respondent[n] or None,
                    "vi",
                    submitted,
                    submitted,
                    bool(flagged[n]),
                )
            )
            answers.extend(self._answers(int(ids[n]), definition, quality[n]))
        return responses, answers

    def _answers(self, response_id: int, definition, quality: float):
        rng = self.rng
        rolls = rng.random(len(definition.items))
        latent = quality + rng.logistic(0.0, 1.0, len(definition.items))
        for item, roll, value in zip(definition.items, rolls, latent, strict=True):
            if roll < 0.08:
                continue
            if item.type == "text":
                if roll < 0.14:
                    yield (response_id, item.key, None, "Góp ý thử nghiệm", False)
                continue
            if item.allow_not_applicable and roll < 0.11:
                yield (response_id, item.key, None, None, True)
                continue
            levels = sorted(item.scale.values)
            position = int(np.clip(np.floor((value + 2.0) / 4.0 * len(levels)), 0, len(levels) - 1))
            yield (response_id, item.key, levels[position], None, False)


def bulk_load(url: str, responses: int, arrival_order: bool = True) -> float:
    """Insert ``responses`` responses and their answers directly; returns the seconds taken.

    ``arrival_order``: ids follow submission times, as in a real database (stored as they
    arrive); otherwise times are shuffled over the ids, the worst case for reading a few
    days' answers (they are then spread over the whole table).
    """
    engine = db.engine
    generator = Generator(db.session, responses, arrival_order)
    db.session.rollback()
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        for first in range(1, responses + 1, CHUNK):
            rows, answers = generator.chunk(first, min(CHUNK, responses - first + 1))
            if url.startswith("postgresql"):
                with connection.cursor() as cursor:
                    _copy(cursor, "responses", RESPONSE_COLUMNS, rows)
                    _copy(cursor, "answers", ANSWER_COLUMNS, answers)
            else:
                cursor = connection.cursor()
                cursor.execute("BEGIN")
                cursor.executemany(
                    _insert_sql("responses", RESPONSE_COLUMNS), [_sqlite_row(row) for row in rows]
                )
                cursor.executemany(_insert_sql("answers", ANSWER_COLUMNS), answers)
                cursor.execute("COMMIT")
            if url.startswith("postgresql"):
                connection.commit()
        if url.startswith("postgresql"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval('responses_id_seq', (SELECT max(id) FROM responses))")
                cursor.execute("ANALYZE")
            connection.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _sqlite_row(row: tuple) -> tuple:
    # As SQLAlchemy stores them on SQLite: uuid as 32 hex digits, datetimes as ISO text.
    values = list(row)
    values[1] = values[1].hex
    values[11] = values[12] = values[11].strftime("%Y-%m-%d %H:%M:%S.%f")
    return tuple(values)


def measure(
    name: str, url: str, instance: Path, responses: int, runs: int, arrival_order: bool = True
) -> None:
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "DOSSIER_HASH_KEY": "bench"},
        instance_path=str(instance),
    )
    upgrade_to_head(app)
    with app.app_context():
        seed_demo(write_session, responses=0, until=UNTIL)
        load_seconds = bulk_load(url, responses, arrival_order)
        started = time.perf_counter()
        with write_session() as session:
            rows = rebuild_counts(session)
        vacuum_counts()  # as the rebuild-counts command does
        rebuild_seconds = time.perf_counter() - started
        session = db.session
        answers = session.scalar(text("SELECT count(*) FROM answers"))
        root = session.scalar(
            select(Agency.id).where(Agency.parent_id.is_(None)).order_by(Agency.id)
        )
        province = AgencyTree.load(session).rolled_up(root, UNTIL)
        year = Period(date(2025, 11, 1), date(2026, 11, 1))
        shorter = Period(year.start, year.end - timedelta(days=1))
        definitions = {
            key: load_definition(definition)
            for key, definition in session.execute(
                select(Questionnaire.key, QuestionnaireVersion.definition).join(Questionnaire)
            )
        }
        settings = {
            "min_group_size": app.config["MIN_GROUP_SIZE"],
            "min_ratings_for_ranking": app.config["MIN_RATINGS_FOR_RANKING"],
        }

        field = session.scalar(text("SELECT field FROM procedures ORDER BY id LIMIT 1"))

        def overview(key, period, procedure_field=None):
            report_filter = ReportFilter(
                period, agency_ids=province, procedure_field=procedure_field
            )

            def run():
                # Measure the computation, not the SIPAS interval kept from the previous run.
                overview_module._respondent_cache.clear()
                satisfaction_overview(session, report_filter, definitions[key], **settings)

            return run

        baseline = median_seconds(
            lambda: session.execute(
                text("SELECT item_key, value, count(*) FROM answers GROUP BY item_key, value")
            ).all(),
            runs,
        )
        print(f"\n{name}: {responses:,} responses, {answers:,} answers")
        print(f"  bulk load {load_seconds:.1f} s; rebuild-counts {rebuild_seconds:.1f} s")
        print("  count table rows: " + ", ".join(f"{table} {n:,}" for table, n in rows.items()))
        print(f"  baseline (bare GROUP BY item_key, value over answers): {baseline * 1000:,.0f} ms")
        print(f"  {'province overview, 12 months':<44}{'ms':>9}{'× baseline':>12}")
        for key in ("onestop-quick", "sipas"):
            for label, period, procedure_field in (
                ("counts", year, None),
                ("counts + raw edge days", shorter, None),
                ("procedure field", year, field),
            ):
                seconds = median_seconds(overview(key, period, procedure_field), runs)
                row_label = f"{key} ({label})"
                print(f"  {row_label:<44}{seconds * 1000:>9,.0f}{seconds / baseline:>12.2f}")
        session.rollback()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="runs per median")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument(
        "--shuffled-times",
        action="store_true",
        help="submission times shuffled over the ids (the worst case for raw edge days)",
    )
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    backends = arguments.backends.split(",")
    server = None
    with tempfile.TemporaryDirectory() as folder:
        try:
            if "postgresql" in backends:
                try:
                    server = PostgresServer(arguments.server)
                    url = server.create_database("bench_reports")
                except Exception as error:  # no server: report SQLite only
                    print(f"PostgreSQL skipped: {type(error).__name__}: {error}")
                else:
                    measure(
                        "PostgreSQL",
                        url,
                        Path(folder) / "pg",
                        arguments.responses,
                        arguments.runs,
                        not arguments.shuffled_times,
                    )
            if "sqlite" in backends:
                url = f"sqlite:///{folder}/reports.sqlite3"
                measure(
                    "SQLite",
                    url,
                    Path(folder) / "sqlite",
                    arguments.responses,
                    arguments.runs,
                    not arguments.shuffled_times,
                )
        finally:
            if server is not None:
                server.drop_all()


if __name__ == "__main__":
    main()
