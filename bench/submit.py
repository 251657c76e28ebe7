"""Submission throughput and latency under gunicorn, against a bare endpoint in the same run.

    .venv/bin/python bench/submit.py [--seconds 15] [--clients 50] [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For SQLite and PostgreSQL in turn: starts gunicorn with the project's gunicorn.conf.py
(as `make run` does: one process with threads, rate limits in memory) on a fresh database
with the demo organisation, then
1. hammers a bare "hello world" route of the same application for ``--seconds``, then a
   bare route storing one row in one transaction (the floor any write sits on);
2. has ``--clients`` concurrent phones submit the quick rating for ``--seconds``;
3. submits again at half of that peak rate, on a fixed schedule (the latency budget's load);
and prints submits per second as a ratio to hello-world (target ≥ 0.5), the CPU each
request of steps 1 and 2 cost (gunicorn's master and workers, every PostgreSQL process on the
machine, this load generator: read from /proc, so Linux only), p50 and p95 latency at peak
and at half of it, errors by kind (including "database is locked", target
0), and the bytes and requests of the first load of ``/q/<code>`` (raw and gzip-compressed,
as a proxy sends it).
Figures, not pass/fail: machines are noisy. Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import PostgresServer  # noqa: E402

ANSWERS = {
    "a-overall_satisfaction": "3",
    "a-result_timeliness": "2",
    "a-extra_contacts": "1",
    "a-other_agencies": "1",
    "a-harassment": "2",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(url: str, instance: Path) -> list[str]:
    """Migrate, load the demo organisation (no responses), return the desks' public codes."""
    env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_INSTANCE_PATH": str(instance)}
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "survey"]

    def command(*arguments: str) -> str:
        done = subprocess.run([*flask, *arguments], env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(arguments)} failed:\n{done.stderr}")
        return done.stdout

    command("db", "upgrade")
    command("seed-demo", "--responses", "0")
    listing = command("qr-codes")
    return [line.split("\t")[0] for line in listing.splitlines() if "service point" in line]


def start_gunicorn(
    url: str, instance: Path, port: int, log: Path, settings: dict[str, str] | None = None
) -> subprocess.Popen:
    """gunicorn as `make run` starts it, but for ``settings`` (more environment variables)."""
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": url,
        "SURVEY_INSTANCE_PATH": str(instance),
        "SURVEY_BIND": f"127.0.0.1:{port}",
        "SURVEY_WTF_CSRF_ENABLED": "false",  # the load generator is not a browser
        # Every phone here is one cookie-less client on 127.0.0.1.
        "SURVEY_PHONE_SUBMIT_LIMIT": '"1000000 per hour"',
        "SURVEY_PHONE_ADDRESS_SUBMIT_LIMIT": '"1000000 per hour"',
        "SURVEY_ADDRESS_BURST_LIMIT": '"1000000 per hour"',
        **(settings or {}),
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--access-logfile",
            "/dev/null",
            "bench._bench_app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start; see {log}")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, list[str]]]:
    """Every process: its name and the fields of /proc/PID/stat after the name."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            found[int(entry.name)] = (name, text[text.rindex(")") + 2 :].split())
    return found


def tree_cpu_seconds(root: int, processes: dict[int, tuple[str, list[str]]]) -> float:
    """CPU seconds of ``root`` and its descendants, those that ended included (a parent is
    credited with the time of the children it waited for: gunicorn recycles its workers)."""
    children: dict[int, list[int]] = {}
    for pid, (_name, fields) in processes.items():
        children.setdefault(int(fields[1]), []).append(pid)
    ticks, pending = 0, [root] if root in processes else []
    while pending:
        pid = pending.pop()
        fields = processes[pid][1]
        ticks += sum(int(value) for value in fields[11:13])  # utime, stime
        ticks += sum(int(value) for value in fields[13:15])  # cutime, cstime (ended children)
        pending += children.get(pid, [])
    return ticks / CLOCK_TICKS


def cpu_snapshot(server: int, database: bool) -> dict[str, float]:
    """CPU seconds so far of gunicorn (master and workers), the database server (every
    PostgreSQL process on this machine) and this load generator."""
    processes = _processes()
    times = os.times()
    snapshot = {
        "gunicorn": tree_cpu_seconds(server, processes),
        "clients": times.user + times.system,
    }
    if database:
        postmasters = [
            pid
            for pid, (name, fields) in processes.items()
            if name == "postgres" and processes.get(int(fields[1]), ("",))[0] != "postgres"
        ]
        snapshot["PostgreSQL"] = sum(tree_cpu_seconds(pid, processes) for pid in postmasters)
    return snapshot


def cpu_per_request(before: dict, after: dict, requests: int) -> str:
    parts = {name: (after[name] - before[name]) * 1000 / max(requests, 1) for name in before}
    return (
        f"{sum(parts.values()):.2f} ms ("
        + ", ".join(f"{name} {milliseconds:.2f}" for name, milliseconds in parts.items())
        + ")"
    )


def hammer(
    port: int, seconds: float, clients: int, make_request, rate: float | None = None
) -> tuple[list[float], Counter]:
    """``clients`` threads, each with a keep-alive connection, for ``seconds``.

    As fast as they can; or, with ``rate``, at that many requests per second in all, each
    client on a fixed schedule and each latency counted from when the request was due (so
    a slow answer that delays the next request is not hidden).
    """
    latencies: list[float] = []
    outcomes: Counter = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    interval = clients / rate if rate else 0.0

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, kinds = [], Counter()
        due = time.perf_counter() + interval * number / clients
        while time.monotonic() < stop:
            if interval:
                time.sleep(max(0.0, due - time.perf_counter()))
            else:
                due = time.perf_counter()
            method, path, body, headers = make_request(number)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read()
                kinds[str(response.status)] += 1
                if b"database is locked" in text:
                    kinds["database is locked"] += 1
                mine.append(time.perf_counter() - due)
            except (OSError, http.client.HTTPException) as error:
                kinds[type(error).__name__] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            due += interval
        with lock:
            latencies.extend(mine)
            outcomes.update(kinds)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, outcomes


def first_load(port: int, code: str) -> tuple[int, int, int]:
    """Requests, raw bytes and gzip bytes of the phone form and everything it links to."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", f"/q/{code}")
    page = connection.getresponse().read()
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', page)
    bodies = [page]
    for asset in assets:
        connection.request("GET", asset.decode())
        bodies.append(connection.getresponse().read())
    return len(bodies), sum(map(len, bodies)), sum(len(gzip.compress(body)) for body in bodies)


def run(name: str, url: str, arguments) -> None:
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        codes = prepare(url, instance)
        port = free_port()
        log = instance / "gunicorn.log"
        server = start_gunicorn(url, instance, port, log)
        cpu: dict[str, str] = {}
        database_server = url.startswith("postgresql")

        def measured(label: str, make_request):
            """``hammer`` flat out, noting the CPU each request cost (``cpu[label]``)."""
            before = cpu_snapshot(server.pid, database_server)
            latencies, outcomes = hammer(port, arguments.seconds, arguments.clients, make_request)
            after = cpu_snapshot(server.pid, database_server)
            cpu[label] = cpu_per_request(before, after, len(latencies))
            return latencies, outcomes

        try:
            hello, hello_outcomes = measured(
                "hello world", lambda n: ("GET", "/bench/hello", None, {})
            )
            inserts, insert_outcomes = measured(
                "one-row insert",
                lambda n: (
                    "POST",
                    "/bench/insert",
                    urlencode({"body": f"client {n}"}),
                    {"Content-Type": "application/x-www-form-urlencoded"},
                ),
            )

            def submission(number: int):
                body = urlencode({"submission_id": str(uuid.uuid4()), **ANSWERS})
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": f"bench phone {number}",
                }
                return "POST", f"/q/{codes[number % len(codes)]}", body, headers

            submits, submit_outcomes = measured("submit", submission)
            half_rate = len(submits) / arguments.seconds / 2
            paced, paced_outcomes = hammer(
                port, arguments.seconds, arguments.clients, submission, rate=half_rate
            )
            requests, raw, compressed = first_load(port, codes[0])
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        server_log = log.read_text()
        locked_in_log = server_log.count("database is locked")
        # The exception line closing each traceback the workers logged (a 500's cause).
        exceptions = sorted(set(re.findall(r"^[\w.]+(?:Error|Exception)\b.*$", server_log, re.M)))
        hello_rate = len(hello) / arguments.seconds
        submit_rate = len(submits) / arguments.seconds
        quantiles = statistics.quantiles(submits, n=20)
        print(f"\n{name}")
        print(f"  hello world      {hello_rate:8.0f} requests/s   {dict(hello_outcomes)}")
        insert_rate = len(inserts) / arguments.seconds
        print(f"  one-row insert   {insert_rate:8.0f} requests/s   {dict(insert_outcomes)}")
        print(f"  submit           {submit_rate:8.0f} requests/s   {dict(submit_outcomes)}")
        print(f"  ratio submit / hello world: {submit_rate / hello_rate:.2f}  (target ≥ 0.5)")
        print(
            f"  ratio one-row insert / hello world: {insert_rate / hello_rate:.2f};"
            f" submit / one-row insert: {submit_rate / insert_rate:.2f}"
        )
        for label, spent in cpu.items():
            print(f"  CPU per request, {label}: {spent}")
        print(
            f"  submit latency p50 {statistics.median(submits) * 1000:.0f} ms,"
            f" p95 {quantiles[18] * 1000:.0f} ms at {arguments.clients} concurrent clients"
        )
        paced_quantiles = statistics.quantiles(paced, n=20)
        print(
            f"  at half of that peak ({half_rate:.0f} submissions/s): p50"
            f" {statistics.median(paced) * 1000:.0f} ms, p95 {paced_quantiles[18] * 1000:.0f} ms"
            f" (budget p95 ≤ 200 ms)   {dict(paced_outcomes)}"
        )
        locked = submit_outcomes["database is locked"] + paced_outcomes["database is locked"]
        print(f"  'database is locked': {locked + locked_in_log} (target 0)")
        for exception in exceptions[:5]:
            print(f"  server error logged: {exception[:300]}")
        print(
            f"  first load of /q/<code>: {requests} requests, {raw:,} bytes raw,"
            f" {compressed:,} bytes gzip (budget 50 KB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", arguments)
    server = PostgresServer(arguments.server)
    try:
        run("PostgreSQL", server.create_database("bench"), arguments)
    finally:
        server.drop_all()


if __name__ == "__main__":
    main()
