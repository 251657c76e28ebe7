"""What an officer waits for on a million responses: the overview page, the PDF report and the
response-level CSV export (with its peak memory), against a bare GROUP BY in the same run;
and what a citizen waits for on the public results page, beside the plain `/sign-in` page.

    .venv/bin/python -m bench.report_pages [--responses 1000000] [--backends postgresql,sqlite]
        [--runs 3] [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--public-only]

The public page (anonymous client, year 2026, each questionnaire): first request with
nothing kept (its figures and the SIPAS intervals computed), then as kept in the process
until the data it shows changes (what keys it is read on every request in one statement:
the count tables' generation, the published versions, whether responses wait to be counted).

Data as in ``bench/reports.py`` (the demo province, bulk-loaded synthetic responses, counts
rebuilt). Requests go through the whole application (Flask test client, signed in as the
reform office, every agency): the overview page and the PDF over 12 whole months (from the
count tables), the one-stop page over the calendar year 2026 (every official's scores by
quarter), and the response-level CSV of the one-stop rating over the same 12 months,
streamed and read chunk by chunk. For the export it prints the rows written, the time, the
Python heap peak (tracemalloc) and the growth of the process's resident memory while it ran.
Each page: the median of ``--runs`` first requests (the SIPAS interval computed, nothing
kept) and of ``--runs`` more (the interval kept in the process, as it is until the
respondents it is computed from change). The export runs twice:
timed, then under tracemalloc for its heap peak. Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import text

from bench.reports import UNTIL, bulk_load, median_seconds
from survey import create_app
from survey.db import db, write_session
from survey.demo import seed_demo
from survey.results import overview
from survey.results.counts import rebuild_counts, vacuum_counts
from tests.conftest import PostgresServer, upgrade_to_head
from tests.factories import OFFICER_PASSWORD, make_user

FILTER = "first_day=01/11/2025&last_day=31/10/2026"


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def export(client, trace: bool) -> tuple[int, int, float, int]:
    """The response-level CSV read chunk by chunk: rows, bytes, seconds, resident growth."""
    resident_before = resident_peak = resident_bytes()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(
        f"/officer/results/responses.csv?{FILTER}&questionnaire=onestop-quick", buffered=False
    )
    rows = size = 0
    for number, chunk in enumerate(response.response):
        rows += chunk.count(b"\n")
        size += len(chunk)
        if number % 50 == 0:
            resident_peak = max(resident_peak, resident_bytes())
    response.close()
    seconds = time.perf_counter() - started
    resident_peak = max(resident_peak, resident_bytes())
    return rows - 1, size, seconds, resident_peak - resident_before


def measure(
    name: str,
    url: str,
    instance: Path,
    responses: int,
    runs: int,
    arrival_order: bool = True,
    public_only: bool = False,
) -> None:
    app = create_app(
        # No CSRF token to fetch: the bench signs in with a plain POST.
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "DOSSIER_HASH_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
        },
        instance_path=str(instance),
    )
    upgrade_to_head(app)
    with app.app_context():
        seed_demo(write_session, responses=0, until=UNTIL)
        load_seconds = bulk_load(url, responses, arrival_order)
        with write_session() as session:
            rebuild_counts(session)
            make_user(session, "reform_office", email="bench@hailong.example")
        vacuum_counts()  # as the rebuild-counts command does
        answers = db.session.scalar(text("SELECT count(*) FROM answers"))
        baseline = median_seconds(
            lambda: db.session.execute(
                text("SELECT item_key, value, count(*) FROM answers GROUP BY item_key, value")
            ).all(),
            runs,
        )
        db.session.rollback()
    client = app.test_client()
    signed_in = client.post(
        "/sign-in", data={"email": "bench@hailong.example", "password": OFFICER_PASSWORD}
    )
    assert signed_in.status_code == 302, signed_in.status_code

    def get(path: str) -> int:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return len(response.data)

    pages = {
        "overview page, SIPAS": f"/officer/results/?{FILTER}&questionnaire=sipas",
        "overview page, one-stop rating": f"/officer/results/?{FILTER}&questionnaire=onestop-quick",
        # A calendar year: each official's Circular 01 scores by quarter and for the year.
        "one-stop rating, year 2026 by quarter": (
            "/officer/results/?period=2026&questionnaire=onestop-quick"
        ),
        "PDF report, SIPAS": f"/officer/results/report.pdf?{FILTER}&questionnaire=sipas",
    }
    print(
        f"\n{name}: {responses:,} responses, {answers:,} answers (bulk load {load_seconds:.0f} s)"
    )
    print(f"  baseline (bare GROUP BY item_key, value over answers): {baseline * 1000:,.0f} ms")
    print(
        f"  {'request (12 months, whole province)':<44}{'first ms':>10}{'×':>7}"
        f"{'then ms':>10}{'×':>7}"
    )

    def first_view(path: str) -> int:
        overview._respondent_cache.clear()
        return get(path)

    measure_public(app, baseline, runs)
    if public_only:
        with app.app_context():
            db.engine.dispose()
        return
    for label, path in pages.items():
        # First: the SIPAS interval computed; then: as kept in the process (same data).
        first = median_seconds(lambda path=path: first_view(path), runs)
        seconds = median_seconds(lambda path=path: get(path), runs)
        print(
            f"  {label:<44}{first * 1000:>10,.0f}{first / baseline:>7.2f}"
            f"{seconds * 1000:>10,.0f}{seconds / baseline:>7.2f}"
        )

    rows, size, seconds, growth = export(client, trace=False)
    print(
        f"  response-level CSV export: {rows:,} rows, {size / 1e6:,.0f} MB in {seconds:,.1f} s, "
        f"{rows / seconds:,.0f} rows/s ({seconds / baseline:,.1f} × baseline); "
        f"resident memory growth {growth / 1e6:,.1f} MB"
    )
    # Again under tracemalloc for the heap peak (it slows Python several times over).
    _rows, _size, _seconds, _growth = export(client, trace=True)
    _current, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  export again under tracemalloc: Python heap peak {heap_peak / 1e6:,.1f} MB")
    with app.app_context():
        db.engine.dispose()


def measure_public(app, baseline: float, runs: int) -> None:
    """The public page (no sign-in) against the bare GROUP BY and a plain template page."""
    visitor = app.test_client()

    def get(path: str) -> None:
        response = visitor.get(path)
        assert response.status_code == 200, (path, response.status_code)

    def first_view(path: str) -> None:
        overview._respondent_cache.clear()
        app.extensions.pop("survey.public_figures", None)
        get(path)

    get("/sign-in")  # warm: the application's first request registers its views
    sign_in = median_seconds(lambda: get("/sign-in"), runs)
    print(f"  plain template page (GET /sign-in): {sign_in * 1000:,.1f} ms")
    print(f"  {'public page, year 2026':<44}{'ms':>10}{'× GROUP BY':>12}{'× /sign-in':>12}")
    for questionnaire in ("sipas", "onestop-quick"):
        path = f"/results?year=2026&questionnaire={questionnaire}"
        first = median_seconds(lambda path=path: first_view(path), runs)
        kept = median_seconds(lambda path=path: get(path), runs)
        for label, seconds in (("first request", first), ("then (figures kept)", kept)):
            print(
                f"  {questionnaire + ', ' + label:<44}{seconds * 1000:>10,.1f}"
                f"{seconds / baseline:>12.2f}{seconds / sign_in:>12.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per median")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument(
        "--public-only", action="store_true", help="only the public page and /sign-in"
    )
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    backends = arguments.backends.split(",")
    server = None
    with tempfile.TemporaryDirectory() as folder:
        try:
            if "postgresql" in backends:
                server = PostgresServer(arguments.server)
                url = server.create_database("bench_pages")
                measure(
                    "PostgreSQL",
                    url,
                    Path(folder) / "pg",
                    arguments.responses,
                    arguments.runs,
                    public_only=arguments.public_only,
                )
            if "sqlite" in backends:
                url = f"sqlite:///{folder}/pages.sqlite3"
                measure(
                    "SQLite",
                    url,
                    Path(folder) / "sqlite",
                    arguments.responses,
                    arguments.runs,
                    public_only=arguments.public_only,
                )
        finally:
            if server is not None:
                server.drop_all()


if __name__ == "__main__":
    main()
