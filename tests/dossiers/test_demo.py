"""The demo's dossiers: each desk's share rated between 2 % and 60 %, some late, some ratings
linked to their dossier through the code's hash; loaded once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from survey.collect.models import Response
from survey.db import db, write_session
from survey.demo import seed_demo
from survey.dossiers.demo import DEMO_DAYS, HIGHEST_RATE, LOWEST_RATE
from survey.dossiers.models import Dossier


def test_demo_dossiers(app_context):
    report = seed_demo(write_session, responses=1500, seed=5)
    # Seeding read settings through this session: a new transaction sees what it wrote since.
    db.session.remove()
    assert report.dossiers_created > 1500
    dossiers = db.session.scalars(select(Dossier)).all()
    assert len(dossiers) == report.dossiers_created
    last = db.session.scalar(select(func.max(Response.submitted_dt)))
    recent = Counter(
        desk
        for (desk,) in db.session.execute(
            select(Response.service_point_id).where(
                Response.submitted_dt >= last - timedelta(DEMO_DAYS)
            )
        )
        if desk is not None
    )
    by_desk = Counter(dossier.service_point_id for dossier in dossiers)
    assert set(by_desk) == set(recent)
    for desk, count in by_desk.items():
        assert LOWEST_RATE * 0.99 <= recent[desk] / count <= HIGHEST_RATE + 0.05
    rates = [recent[desk] / count for desk, count in by_desk.items()]
    assert min(rates) < 0.15 and max(rates) > 0.3
    late = sum(dossier.returned_dt > dossier.due_dt for dossier in dossiers) / len(dossiers)
    assert 0.05 < late < 0.15
    assert all(dossier.returned_dt >= dossier.received_dt for dossier in dossiers)
    linked = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .join(Dossier, Dossier.code_hash == Response.dossier_hash)
    )
    assert linked > 0
    again = seed_demo(write_session, responses=1500, seed=5)
    assert again.dossiers_created == 0
    assert db.session.scalar(select(func.count()).select_from(Dossier)) == len(dossiers)
