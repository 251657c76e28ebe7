"""A fleet of kiosks and phones under faults, shared by the short test run
(``tests/collect/test_fleet.py``) and the long benchmark (``bench/fleet.py``, which
describes the run).

Starts gunicorn on a fresh database with the demo organisation, pairs kiosks, runs
concurrent clients that send until acknowledged while the harness kills a worker,
restarts gunicorn and (optionally) PostgreSQL, then checks that every acknowledged
submission is stored exactly once and that the counts equal a recount.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from survey import create_app
from survey.collect.devices import pair_device, register_kiosk
from survey.collect.models import Answer, Response
from survey.db import db, write_session
from survey.demo import seed_demo
from survey.questionnaires.definition import builtin_definitions
from survey.results.counts import fold_counts
from survey.results.models import AnswerCount
from tests.conftest import upgrade_to_head

ROOT = Path(__file__).resolve().parent.parent

KIOSK_ANSWERS = {"overall_satisfaction": 3, "result_timeliness": 2, "harassment": 2}
PHONE_ANSWERS = {"a-overall_satisfaction": "2", "a-extra_contacts": "1"}
SUBMISSIONS_PER_CLIENT_LIMIT = 100_000
#: The fleet's phones are not browsers (no CSRF token, no cookie) and send far more than a
#: citizen may: this run is about losing nothing, not about limits
#: (tests/app/test_make_run_limits.py tests those).
FLEET_SETTINGS = {
    "SURVEY_WTF_CSRF_ENABLED": "false",
    "SURVEY_KIOSK_SUBMIT_LIMIT": '"1000000 per hour"',
    "SURVEY_PHONE_SUBMIT_LIMIT": '"1000000 per hour"',
    "SURVEY_PHONE_ADDRESS_SUBMIT_LIMIT": '"1000000 per hour"',
}


class Stop:
    """The end of the run. A submission still unacknowledged then gets ``GRACE_SECONDS`` more
    of retries, as a kiosk keeps its queue; only after that would it count as lost."""

    GRACE_SECONDS = 60.0

    def __init__(self):
        self._event = threading.Event()
        self._at = None

    def set(self) -> None:
        if self._at is None:
            self._at = time.monotonic()
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def given_up(self) -> bool:
        return self._at is not None and time.monotonic() > self._at + self.GRACE_SECONDS


@dataclass
class FleetReport:
    acknowledged: set = field(default_factory=set)
    attempted: set = field(default_factory=set)
    errors: Counter = field(default_factory=Counter)
    faults: list = field(default_factory=list)
    stored: int = 0
    duplicates: int = 0
    lost: int = 0
    unexpected: int = 0
    counts_match: bool = False
    seconds: float = 0.0
    #: Exceptions the server logged (the last line of each traceback), by kind.
    server_errors: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicates or self.unexpected) and self.counts_match

    def lines(self, name: str) -> list[str]:
        rate = len(self.acknowledged) / self.seconds if self.seconds else 0.0
        return [
            f"{name}",
            f"  faults: {', '.join(self.faults) or 'none'}",
            f"  sent (acknowledged) {len(self.acknowledged):,}   stored {self.stored:,}"
            f"   duplicates {self.duplicates}   lost {self.lost}   unexpected {self.unexpected}",
            f"  pre-aggregated counts equal a recount: {'yes' if self.counts_match else 'NO'}",
            f"  errors seen by clients (then retried): {dict(self.errors) or 'none'}",
            f"  exceptions logged by the server: {dict(self.server_errors) or 'none'}",
            f"  throughput {rate:,.0f} acknowledged submissions/s over {self.seconds:.0f} s",
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def logged_exceptions(log: str) -> Counter:
    """The last line of each traceback in a server log, shortened: what went wrong, by kind."""
    kinds: Counter = Counter()
    lines = log.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            following = lines[number + 1 :]
            end = next(
                (line for line in following if line and not line.startswith((" ", "\t"))),
                "(cut off)",
            )
            kinds[end[:160]] += 1
    return kinds


class Gunicorn:
    """The server under test, started, killed and restarted by the harness."""

    def __init__(self, database_url: str, instance: Path, port: int, settings: dict[str, str]):
        """``settings``: more environment variables over the database, instance and port
        (none: the server as `make run` starts it, with the embedded defaults)."""
        self.port = port
        self.log_path = instance / "gunicorn.log"
        self.log = self.log_path.open("a")
        self.env = {
            **os.environ,
            "SURVEY_DATABASE_URL": database_url,
            "SURVEY_INSTANCE_PATH": str(instance),
            "SURVEY_BIND": f"127.0.0.1:{port}",
            **settings,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                # Kiosks hold keep-alive connections: don't wait 30 s for them at each restart.
                "--graceful-timeout",
                "5",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill_a_worker(self) -> bool:
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        if not children:
            return False
        os.kill(int(random.choice(children)), signal.SIGKILL)
        return True


def restart_postgresql() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )


def prepare(database_url: str, instance: Path, kiosks: int) -> tuple[list[str], list[str]]:
    """Migrate, load the organisation, pair ``kiosks`` kiosks; return credentials and desk codes."""
    app = create_app({"DATABASE_URL": database_url}, instance_path=str(instance))
    upgrade_to_head(app)
    with app.app_context():
        seed_demo(write_session, responses=0)
        from survey.collect.submit import TargetUnavailable, target_of
        from survey.org.models import PublicCode

        codes = []
        for public_code in db.session.scalars(
            select(PublicCode).where(PublicCode.service_point_id.is_not(None))
        ):
            try:
                codes.append(target_of(public_code).public_code)
            except TargetUnavailable:
                continue
        credentials = []
        with write_session() as session:
            for number in range(kiosks):
                registration = register_kiosk(session, codes[number % len(codes)])
                credentials.append(pair_device(session, registration.pairing_token))
        db.engine.dispose()
    return credentials, codes


class Client(threading.Thread):
    """One kiosk or phone: each submission is resent until acknowledged."""

    def __init__(self, port, report, lock, stop, kiosk_credential=None, code=None):
        super().__init__(daemon=True)
        self.port, self.report, self.lock, self.stop = port, report, lock, stop
        self.kiosk_credential, self.code = kiosk_credential, code
        self.connection = None

    def _request(self, submission_id: str):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        if self.kiosk_credential:
            body = json.dumps(
                {
                    "uuid": submission_id,
                    "questionnaire": "onestop-quick",
                    "version": builtin_definitions()["onestop-quick"]["version"],
                    "answers": KIOSK_ANSWERS,
                    "language": "vi",
                    "submitted_at": datetime.now(UTC).isoformat(),
                }
            )
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.kiosk_credential}",
            }
            self.connection.request("POST", "/api/v1/responses", body=body, headers=headers)
            done = {200, 201}
        else:
            body = urlencode({"submission_id": submission_id, **PHONE_ANSWERS})
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": f"fleet phone {id(self)}",
            }
            self.connection.request("POST", f"/q/{self.code}", body=body, headers=headers)
            done = {303}
        response = self.connection.getresponse()
        response.read()
        return response.status, response.status in done

    def send_until_acknowledged(self, submission_id: str) -> None:
        delay = 0.05
        while not self.stop.given_up():
            try:
                status, acknowledged = self._request(submission_id)
                if acknowledged:
                    with self.lock:
                        self.report.acknowledged.add(submission_id)
                    return
                kind = f"HTTP {status}"
            except (OSError, http.client.HTTPException) as error:
                kind = type(error).__name__
                if self.connection is not None:
                    self.connection.close()
                self.connection = None
            with self.lock:
                self.report.errors[kind] += 1
            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 2.0)

    def run(self) -> None:
        for _ in range(SUBMISSIONS_PER_CLIENT_LIMIT):
            if self.stop.is_set():
                break
            submission_id = str(uuid.uuid4())
            with self.lock:
                self.report.attempted.add(submission_id)
            self.send_until_acknowledged(submission_id)
            if self.stop.is_set():
                break
            time.sleep(random.uniform(0.0, 0.05))


def verify(database_url: str, report: FleetReport) -> None:
    engine = create_engine(database_url)
    # What the workers' background folds had not yet added to the counts when they stopped.
    with Session(engine) as session, session.begin():
        while fold_counts(session):
            pass
    with engine.connect() as connection:
        stored = [str(value) for value in connection.scalars(select(Response.uuid))]
        recount = dict(
            connection.execute(
                select(Answer.item_key, func.count()).group_by(Answer.item_key)
            ).all()
        )
        counted = {
            key: int(total)
            for key, total in connection.execute(
                select(AnswerCount.item_key, func.sum(AnswerCount.count)).group_by(
                    AnswerCount.item_key
                )
            ).all()
        }
    engine.dispose()
    stored_set = set(stored)
    report.stored = len(stored)
    report.duplicates = len(stored) - len(stored_set)
    report.lost = len(report.acknowledged - stored_set)
    report.unexpected = len(stored_set - report.attempted)
    report.counts_match = recount == counted


def run_fleet(
    database_url: str, clients: int, seconds: float, restart_database: bool
) -> FleetReport:
    report, lock, stop = FleetReport(), threading.Lock(), Stop()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        kiosks = clients * 3 // 4
        credentials, codes = prepare(database_url, instance, kiosks)
        server = Gunicorn(database_url, instance, free_port(), FLEET_SETTINGS)
        server.start()
        fleet = [
            Client(server.port, report, lock, stop, kiosk_credential=credential)
            for credential in credentials
        ]
        fleet += [
            Client(server.port, report, lock, stop, code=codes[n % len(codes)])
            for n in range(clients - kiosks)
        ]
        started = time.monotonic()
        for client in fleet:
            client.start()
        try:
            schedule = [(0.25, "kill a worker"), (0.5, "restart gunicorn")]
            if restart_database:
                schedule.append((0.75, "restart PostgreSQL"))
            for fraction, fault in schedule:
                time.sleep(max(0.0, started + seconds * fraction - time.monotonic()))
                if fault == "kill a worker":
                    if server.kill_a_worker():
                        report.faults.append("SIGKILL to a worker")
                elif fault == "restart gunicorn":
                    server.stop()
                    server.start()
                    report.faults.append("gunicorn restarted")
                else:
                    restart_postgresql()
                    report.faults.append("PostgreSQL restarted")
            time.sleep(max(0.0, started + seconds - time.monotonic()))
            stop.set()
            for client in fleet:
                client.join(timeout=Stop.GRACE_SECONDS + 30)
            report.seconds = time.monotonic() - started
        finally:
            stop.set()
            server.stop()
            server.log.close()
            report.server_errors = logged_exceptions(server.log_path.read_text(errors="replace"))
        verify(database_url, report)
    return report
