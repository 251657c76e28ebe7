"""The officers' list of feedback cases at 100,000 cases: each page against a plain page of
the same application in the same run (QUALITY.md: lists that grow, ≤ 200 ms per page).

    .venv/bin/python -m bench.feedback_cases [--cases 100000] [--runs 5]
        [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

The demo province (200 ratings) with ``--cases`` synthetic cases spread over its agencies,
states and the last two years, bulk-inserted. Requests go through the whole application
(Flask test client): the reform office's first page, its 501st page (after 25,000
cases, reached by keyset as the "older cases" link does), its overdue filter (first and deep)
and a CSV-free filter by agency, and an agency manager's first page; the baseline is the
privacy page (a plain template). Medians of ``--runs`` requests. Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.reports import median_seconds
from survey import create_app
from survey.accounts.models import Role
from survey.db import db, write_session
from survey.demo import seed_demo
from survey.feedback.cases import new_receipt
from survey.feedback.forms import page_address_key
from survey.feedback.models import CaseSource, CaseState, FeedbackCase
from survey.org.models import Agency
from tests.conftest import PostgresServer, upgrade_to_head
from tests.factories import OFFICER_PASSWORD, make_user


def load_cases(count: int) -> list[int]:
    rng = random.Random(16)
    with write_session() as session:
        agencies = list(session.scalars(select(Agency.id).order_by(Agency.id)))
        today = date(2026, 12, 7)
        rows = []
        for _ in range(count):
            opened = datetime(2025, 1, 1) + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            rows.append(
                {
                    "receipt": new_receipt(),
                    "source": rng.choice(list(CaseSource)),
                    "state": rng.choice(list(CaseState)),
                    "agency_id": rng.choice(agencies),
                    "language": "vi",
                    "has_phone": False,
                    "is_agency_at_fault": False,
                    "opened_dt": opened,
                    "acknowledge_due": min(opened.date() + timedelta(days=3), today),
                    "answer_due": opened.date() + timedelta(days=14),
                    "version": 1,
                }
            )
        for start in range(0, count, 10_000):
            session.execute(insert(FeedbackCase), rows[start : start + 10_000])
    return agencies


def signed_in(app, role, agency_id=None):
    with app.app_context(), write_session() as session:
        agency = session.get(Agency, agency_id) if agency_id else None
        email = make_user(session, role, agency=agency).email
    client = app.test_client()
    client.post("/sign-in", data={"email": email, "password": OFFICER_PASSWORD})
    return client


def run(database_url: str, cases: int, runs: int) -> None:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "DOSSIER_HASH_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
        }
    )
    upgrade_to_head(app)
    with app.app_context():
        seed_demo(write_session, responses=200, until=date(2026, 12, 6))
        agencies = load_cases(cases)
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would soon after a bulk load: without statistics the planner
            # guesses the partial index of open cases away.
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE feedback_cases")
    with app.app_context():
        # A deep page: the one after the 25,000th case, where following "older cases" from
        # the first page arrives after 500 pages (keyset paging: the address says where).
        deep = db.session.execute(
            select(FeedbackCase.opened_dt, FeedbackCase.id)
            .order_by(FeedbackCase.opened_dt.desc(), FeedbackCase.id.desc())
            .offset(25_000 - 1)
            .limit(1)
        ).one()
    reform = signed_in(app, Role.REFORM_OFFICE)
    manager = signed_in(app, Role.AGENCY_MANAGER, agencies[len(agencies) // 2])
    pages = {
        "plain page (/privacy)": (reform, "/privacy"),
        "reform office, page 1": (reform, "/officer/cases/"),
        "reform office, page 501": (reform, f"/officer/cases/?after={page_address_key(deep)}"),
        "reform office, overdue, deep": (
            reform,
            f"/officer/cases/?overdue=y&after={page_address_key(deep)}",
        ),
        "reform office, overdue": (reform, "/officer/cases/?overdue=y"),
        "reform office, one agency": (reform, f"/officer/cases/?agency={agencies[3]}"),
        "agency manager, page 1": (manager, "/officer/cases/"),
    }
    baseline = None
    print(f"{database_url.split(':')[0]}, {cases:,} cases, median of {runs}")
    for label, (client, address) in pages.items():
        assert client.get(address).status_code == 200, address
        seconds = median_seconds(lambda c=client, a=address: c.get(a), runs)
        baseline = baseline or seconds
        print(f"  {label:28} {seconds * 1000:8.1f} ms  {seconds / baseline:5.1f} × plain page")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", arguments.cases, arguments.runs)
    if arguments.server:
        server = PostgresServer(arguments.server)
        try:
            run(server.create_database("bench"), arguments.cases, arguments.runs)
        finally:
            server.drop_all()


if __name__ == "__main__":
    main()
