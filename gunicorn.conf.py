"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Each can be overridden from the environment: SURVEY_BIND, SURVEY_WORKERS, SURVEY_THREADS.
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
workers = int(os.environ.get("SURVEY_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("SURVEY_THREADS", 2))
# A kiosk on a weak connection may take a while to send; a stuck worker is replaced.
timeout = 60
graceful_timeout = 30
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


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
