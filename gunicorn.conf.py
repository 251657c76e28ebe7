"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Each can be overridden from the environment: SURVEY_BIND, SURVEY_WORKERS, SURVEY_THREADS.
"""

import multiprocessing
import os

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
accesslog = "-"
errorlog = "-"
# Application code is loaded once, before the workers fork.
preload_app = True
