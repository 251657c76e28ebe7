"""How long a command takes to start: ``flask --app survey qr-codes`` beside a bare Flask app's
command, run alternately in the same run (QUALITY.md: any command's start ≤ 1 s).

    .venv/bin/python -m bench.command_start [--runs 7] [--compare-with /path/to/other/checkout]

Each run is a new process, as an operator's script starts one: the interpreter alone
(``python -c pass``), a bare Flask application with one command that prints a word (the floor
that every ``flask`` command pays: Flask, click and the installed ``flask.commands`` plugins),
and ``qr-codes`` on an empty embedded database (the application made by ``create_app()``, its
blueprints registered, one query). ``--compare-with`` adds the same ``qr-codes`` started in
another checkout of the project (the state before a change, say), with this interpreter.
Prints the median wall time of each and its ratio to the bare Flask app; figures, never
pass/fail: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

BARE_APP = """
import click
from flask import Flask

app = Flask(__name__)


@app.cli.command("hello")
def hello():
    click.echo("hello")
"""


def run_seconds(command: list[str], cwd: Path, environment: dict[str, str]) -> tuple[float, float]:
    """Wall time and the process's CPU time (user + system), which a loaded machine inflates
    less than the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=environment, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--compare-with", type=Path, default=None)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "bare_app.py").write_text(BARE_APP)
        environment = {
            **os.environ,
            "SURVEY_INSTANCE_PATH": str(work),
            "SURVEY_DATABASE_URL": f"sqlite:///{work}/start.sqlite3",
        }
        flask = [sys.executable, "-m", "flask"]
        # The tables qr-codes reads, made once, outside the timing.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from survey import create_app; from survey.db import db; "
                "app = create_app(); app.app_context().push(); db.create_all()",
            ],
            cwd=PROJECT,
            env=environment,
            check=True,
        )
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], work),
            "bare Flask app command": ([*flask, "--app", "bare_app", "hello"], work),
            "flask --app survey qr-codes": ([*flask, "--app", "survey", "qr-codes"], PROJECT),
        }
        if arguments.compare_with:
            commands["qr-codes in --compare-with"] = (
                [*flask, "--app", "survey", "qr-codes"],
                arguments.compare_with.resolve(),
            )
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for command, cwd in commands.values():  # warm the file cache once
            run_seconds(command, cwd, environment)
        for _run in range(arguments.runs):  # alternately, so that load spikes hit every one
            for name, (command, cwd) in commands.items():
                times[name].append(run_seconds(command, cwd, environment))

    bare_wall = statistics.median(wall for wall, _cpu in times["bare Flask app command"])
    bare_cpu = statistics.median(cpu for _wall, cpu in times["bare Flask app command"])
    print(f"Command start, median of {arguments.runs} runs each, run alternately:")
    print(f"  {'':32} {'wall':>8}  {'× bare':>6}  {'CPU':>8}  {'× bare':>6}")
    for name, values in times.items():
        wall = statistics.median(wall for wall, _cpu in values)
        cpu = statistics.median(cpu for _wall, cpu in values)
        print(
            f"  {name:32} {wall * 1000:5.0f} ms  {wall / bare_wall:6.2f}  "
            f"{cpu * 1000:5.0f} ms  {cpu / bare_cpu:6.2f}"
        )


if __name__ == "__main__":
    main()
