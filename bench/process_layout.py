"""One process with threads (the single-host default) against several processes sharing
their rate limits through Redis, on the embedded SQLite database.

    .venv/bin/python bench/process_layout.py [--seconds 10] [--clients 30] [--redis redis://127.0.0.1:6379/15]

Rate limits, sign-in throttling and burst detection kept in memory are one process's, so
`make run` starts one process with 8 threads (gunicorn.conf.py). This measures what that
costs: for each layout in turn, a fresh database with the demo organisation, then
``--clients`` phones submitting the quick rating as fast as they can for ``--seconds``, and
prints submissions per second, p95 latency and the ratio of each layout to the first,
measured in the same run. Figures, not pass/fail: machines are noisy.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.submit import ANSWERS, free_port, hammer, prepare, start_gunicorn

LAYOUTS = {
    "1 process x 8 threads, limits in memory (make run)": {},
    "5 processes x 2 threads, limits in Redis": {"SURVEY_WORKERS": "5", "SURVEY_THREADS": "2"},
}


def measure(settings: dict[str, str], arguments) -> tuple[float, float, dict]:
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = f"sqlite:///{folder}/bench.sqlite3"
        codes = prepare(url, instance)
        port = free_port()
        server = start_gunicorn(url, instance, port, instance / "gunicorn.log", settings)

        def submission(number: int):
            body = urlencode({"submission_id": str(uuid.uuid4()), **ANSWERS})
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return "POST", f"/q/{codes[number % len(codes)]}", body, headers

        try:
            latencies, outcomes = hammer(port, arguments.seconds, arguments.clients, submission)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    return len(latencies) / arguments.seconds, p95, dict(outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    arguments = parser.parse_args()
    baseline = None
    for name, settings in LAYOUTS.items():
        if "SURVEY_WORKERS" in settings:
            settings = {**settings, "SURVEY_RATELIMIT_STORAGE_URI": arguments.redis}
        rate, p95, outcomes = measure(settings, arguments)
        baseline = baseline or rate
        print(f"{name}")
        print(
            f"  {rate:7.0f} submissions/s  p95 {p95:6.0f} ms"
            f"  ratio {rate / baseline:.2f}  {outcomes}"
        )


if __name__ == "__main__":
    main()
