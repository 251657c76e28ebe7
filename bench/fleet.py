"""A fleet of kiosks and phones under faults: nothing lost, nothing counted twice.

    .venv/bin/python bench/fleet.py [--clients 200] [--seconds 180] [--database both]

(``--database`` is ``both``, ``sqlite`` or ``postgresql``.)

Starts gunicorn (as `make run` does: one process with threads) on a fresh database with the
demo organisation, registers
kiosks, then runs ``--clients`` concurrent clients for ``--seconds``: three in four are
kiosks posting to ``/api/v1/responses``, the rest phones posting the ``/q/<code>`` form.
Each client does what the real kiosk does: a submission gets its uuid first, then is
sent until the server acknowledges it, with exponential backoff and jitter, whatever
fails. Meanwhile the harness kills a worker with SIGKILL, restarts gunicorn, and (for
PostgreSQL) restarts the database server.

At the end every acknowledged submission must be in the database exactly once, no
other response may be there, and the pre-aggregated counts must equal a recount from the
raw answers. It prints the counts (sent, stored, duplicates, lost, errors by kind) and
the throughput, and exits 1 on any loss, duplicate or mismatch. Loopback only, bounded
in time and count. Restarting PostgreSQL disturbs anything else using the server: run
it alone. ``tests/collect/test_fleet.py`` runs a short version without that fault.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import PostgresServer
from tests.fleet import run_fleet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--database", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    reports = []
    if arguments.database in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            report = run_fleet(
                f"sqlite:///{folder}/fleet.sqlite3",
                arguments.clients,
                arguments.seconds,
                restart_database=False,
            )
            reports.append(("SQLite", report))
    if arguments.database in ("both", "postgresql"):
        server = PostgresServer(arguments.server)
        try:
            url = server.create_database("fleet")
            report = run_fleet(url, arguments.clients, arguments.seconds, restart_database=True)
            reports.append(("PostgreSQL", report))
        finally:
            server.drop_all()
    for name, report in reports:
        print("\n".join(report.lines(f"\n{name}: {arguments.clients} clients")))
    sys.exit(0 if all(report.ok for _name, report in reports) else 1)


if __name__ == "__main__":
    main()
