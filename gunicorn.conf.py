"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Each can be overridden from the environment: SURVEY_BIND, SURVEY_WORKERS, SURVEY_THREADS,
SURVEY_GRACEFUL_TIMEOUT. The application is loaded before the workers start (``preload_app``).
"""

import multiprocessing
import os
import shutil
import tempfile

# Every worker writes its metrics here, so /metrics adds them up (prometheus_client's
# multiprocess mode). Emptied at each start: counters restart with the server.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hailong-metrics-")
shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"])

bind = os.environ.get("SURVEY_BIND", "127.0.0.1:8000")
# Rate limits, sign-in throttling and burst detection must count every request. Kept in
# memory (the embedded default), they are one process's: so the single-host default is one
# process whose threads share them (docs/PRODUCTION.md: "One host"). With Redis
# (SURVEY_RATELIMIT_STORAGE_URI) every process and host shares them: several processes.
SHARED_LIMITS = (
    not os.environ.get("SURVEY_RATELIMIT_STORAGE_URI", "memory://").strip('"').startswith("memory")
)
workers = int(
    os.environ.get("SURVEY_WORKERS", multiprocessing.cpu_count() * 2 + 1 if SHARED_LIMITS else 1)
)
threads = int(os.environ.get("SURVEY_THREADS", 2 if SHARED_LIMITS else 8))
# A kiosk on a weak connection may take a while to send; a stuck worker is replaced. With
# threads (the gthread worker) the worker's main loop reports alive every second whatever its
# threads are doing, so this never limits how long a request runs (a streamed export).
timeout = 60
# A worker that stops (recycled after max_requests, a reload, a restart) first finishes the
# requests it serves, for at most this long; after that it stops reporting alive and the master
# kills it `timeout` seconds later, cutting whatever it is still sending. The longest request is
# the response-level CSV export (a minute or more for a million responses), so allow minutes:
# at 30 s, a worker recycled by other requests cut an export in the middle.
graceful_timeout = int(os.environ.get("SURVEY_GRACEFUL_TIMEOUT", 300))
keepalive = 5
# Recycle workers now and then, so a slow leak never becomes an outage.
max_requests = 5000
max_requests_jitter = 500
# No access log: it would keep every citizen's address. The application writes one JSON
# line per request without personal data (survey/observability.py).
accesslog = None
errorlog = "-"
# Application code is loaded once, before the workers fork.
preload_app = True
# gunicorn's control interface is not used; its socket sits at one path per user
# (~/.gunicorn/gunicorn.ctl), so two servers on one host (a test server beside `make run`,
# the test suite's parallel workers) would fight over it.
control_socket_disable = True


def on_starting(server):
    """Refuse several processes that would each count the limits alone."""
    storage = server.app.wsgi().config["RATELIMIT_STORAGE_URI"]
    if server.num_workers > 1 and storage.startswith("memory"):
        raise SystemExit(
            f"{server.num_workers} worker processes would each count rate limits and sign-in "
            "failures alone (RATELIMIT_STORAGE_URI is in memory). Run one process with threads "
            "(SURVEY_WORKERS=1, the default) or share the counts through Redis "
            "(SURVEY_RATELIMIT_STORAGE_URI=redis://…): see docs/PRODUCTION.md."
        )


def post_worker_init(worker):
    # Each worker adds new responses to the report counts every few seconds.
    from survey.results.fold import BackgroundFold

    BackgroundFold(worker.wsgi).start()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
