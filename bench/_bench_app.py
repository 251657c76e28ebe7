"""The application with two bare routes, for the same-run baselines of bench/submit.py.

``/bench/hello`` answers "hello world"; ``/bench/insert`` stores one short row in a table
of its own in one write transaction (QUALITY.md: "a bare single-row insert reaches about
60 % of hello-world"), so a submission can be set against both.
"""

from flask import request
from sqlalchemy import Column, Integer, MetaData, String, Table

from survey import create_app
from survey.db import db, write_session

app = create_app()

bench_rows = Table(
    "bench_rows", MetaData(), Column("id", Integer, primary_key=True), Column("body", String(64))
)
with app.app_context():
    bench_rows.create(db.engine, checkfirst=True)
    db.engine.dispose()  # no connection crosses gunicorn's fork


@app.get("/bench/hello")
def hello():
    return "hello world"


@app.post("/bench/insert")
def insert_one_row():
    with write_session() as session:
        session.execute(bench_rows.insert().values(body=request.form.get("body", "")[:64]))
    return "stored"
