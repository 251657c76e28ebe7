"""Demo dossiers: what the one-stop system would have returned at each demo desk.

Each desk's ratings are set against a number of dossiers such that its share rated lies
between 2 % and 60 % (drawn per desk); the ratings that gave a dossier code get their own
dossier (the same keyed hash), returned shortly before the rating; about one dossier in ten
is returned late. Most dossiers go through the desk both ways, with their procedure published
in full; about a third of the procedures are fully online; a few feedbacks are answered late
(a second random stream per desk draws these, so the other fields stay as they were). Only
the last ``DEMO_DAYS`` of ratings get dossiers (this quarter and the one before, as the start
page and the overview compare them), which keeps ``make run`` about as fast as before.
Deterministic for a seed, and loaded once (nothing is added when dossiers are present).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey.collect.models import Response
from survey.collect.store import dossier_hash
from survey.dossiers.models import (
    Complaint,
    Dossier,
    DossierChannel,
    FeedbackHandling,
    OneStopDesk,
    OnlineService,
    Publication,
)

#: The lowest and highest share of dossiers rated at a desk.
LOWEST_RATE, HIGHEST_RATE = 0.02, 0.60
#: Share of dossiers returned late, early (before the due day) and with a complaint.
LATE_SHARE, EARLY_SHARE, COMPLAINT_SHARE = 0.1, 0.55, 0.02
#: Weights of each value of the Circular's index 5, 6 and 8 columns (in the enums' order).
DESK_WEIGHTS = (92, 6, 2)  # both ways through the desk, one way, neither
PUBLISHED_WEIGHTS = (95, 4, 1)  # in full, in part, not published
FEEDBACK_WEIGHTS = (93, 3, 2.5, 1.5)  # none, answered early, on time, late
#: Index 9: a dossier lodged online is of a procedure offered online, at least in part.
ONLINE_WEIGHTS = {True: (70, 30, 0), False: (25, 30, 45)}  # whole, part, none
CHUNK = 5_000
#: Days before the last rating that have dossiers.
DEMO_DAYS = 120


def seed_demo_dossiers(session: Session, seed: int, key: bytes) -> int:
    """Add the demo dossiers of every desk with ratings; returns how many were added."""
    if session.scalar(select(Dossier.id).limit(1)) is not None:
        return 0
    ratings: dict[int, list] = defaultdict(list)
    for rating in session.execute(
        select(
            Response.service_point_id,
            Response.agency_id,
            Response.official_id,
            Response.procedure_id,
            Response.dossier_hash,
            Response.submitted_dt,
        )
        .where(Response.service_point_id.is_not(None))
        .order_by(Response.id)
    ):
        ratings[rating.service_point_id].append(rating)
    if not ratings:
        return 0
    since = max(r.submitted_dt for desk in ratings.values() for r in desk) - timedelta(DEMO_DAYS)
    ratings = {
        desk: recent
        for desk, desk_ratings in ratings.items()
        if (recent := [rating for rating in desk_ratings if rating.submitted_dt >= since])
    }
    added = 0
    rows: list[dict] = []
    for desk_id in sorted(ratings):
        desk_rows = _desk_dossiers(
            random.Random(f"dossiers-{seed}-{desk_id}"), desk_id, ratings[desk_id], key
        )
        _add_handling(random.Random(f"dossier-handling-{seed}-{desk_id}"), desk_rows)
        rows += desk_rows
        while len(rows) >= CHUNK:
            session.execute(insert(Dossier), rows[:CHUNK])
            added, rows = added + CHUNK, rows[CHUNK:]
    if rows:
        session.execute(insert(Dossier), rows)
    return added + len(rows)


def _desk_dossiers(rng: random.Random, desk_id: int, ratings: list, key: bytes) -> list[dict]:
    rate = LOWEST_RATE + (HIGHEST_RATE - LOWEST_RATE) * rng.random() ** 1.5
    total = max(round(len(ratings) / rate), len(ratings))
    first = min(rating.submitted_dt for rating in ratings)
    last = max(rating.submitted_dt for rating in ratings)
    span = max((last - first).total_seconds(), 1.0)
    rows = []
    for number in range(total):
        rating = ratings[number % len(ratings)]
        if number < len(ratings) and rating.dossier_hash:
            code_hash = rating.dossier_hash  # the dossier the citizen rated
            returned = rating.submitted_dt - timedelta(hours=rng.uniform(0.5, 48))
        else:
            code_hash = dossier_hash(f"D{desk_id:04d}.{number:07d}", key)
            returned = first + timedelta(seconds=rng.uniform(0, span))
        rows.append(_dossier(rng, code_hash, rating, returned))
    return rows


def _dossier(rng: random.Random, code_hash: str, rating, returned: datetime) -> dict:
    outcome = rng.random()
    if outcome < LATE_SHARE:
        due = returned - timedelta(days=rng.randint(1, 5))
    elif outcome < LATE_SHARE + EARLY_SHARE:
        due = returned + timedelta(days=rng.randint(1, 4))
    else:
        due = returned + timedelta(hours=rng.uniform(0, 6))
    received = min(due, returned) - timedelta(days=rng.choice((1, 3, 5, 7, 10, 15)))
    return {
        "code_hash": code_hash,
        "agency_id": rating.agency_id,
        "service_point_id": rating.service_point_id,
        "official_id": rating.official_id,
        "procedure_id": rating.procedure_id,
        "channel": rng.choices(list(DossierChannel), weights=(70, 25, 5))[0],
        "received_dt": received,
        "due_dt": due,
        "returned_dt": returned,
        "extra_visits": rng.choices((0, 1, 2), weights=(80, 15, 5))[0],
        "agencies_contacted": rng.choices((1, 2), weights=(90, 10))[0],
        "complaint": Complaint.HARASSMENT if rng.random() < COMPLAINT_SHARE else Complaint.NONE,
    }


def _add_handling(rng: random.Random, rows: list[dict]) -> None:
    """The columns of indices 5, 6, 8 and 9, from their own random stream (drawn a column
    at a time: one call per desk, not per dossier)."""
    count = len(rows)
    desk = rng.choices(list(OneStopDesk), DESK_WEIGHTS, k=count)
    published = rng.choices(list(Publication), PUBLISHED_WEIGHTS, k=count)
    feedback = rng.choices(list(FeedbackHandling), FEEDBACK_WEIGHTS, k=count)
    online = {
        lodged: rng.choices(list(OnlineService), weights, k=count)
        for lodged, weights in ONLINE_WEIGHTS.items()
    }
    for number, row in enumerate(rows):
        row["one_stop_desk"] = desk[number]
        row["procedure_published"] = published[number]
        row["feedback_handling"] = feedback[number]
        row["online_service"] = online[row["channel"] is DossierChannel.ONLINE][number]
