"""The Circular 01/2018 indices from ratings and imported dossiers together, against a
recomputation in plain Python from the raw dossier rows and answers: Circular 01/2018's
point rules written out here (not read from the definition), a rated dossier linked to its
rating counted once by the precedence of one-stop quick version 2, unlinked ones apart."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import insert, update

from analysis import OneStopScoringDefinition, onestop_scores
from survey.collect.models import Response
from survey.db import db, write_session
from survey.dossiers.models import Complaint, Dossier
from survey.questionnaires.definition import scoring_for_analysis
from survey.results.filters import Dimension, Period, ReportFilter, vietnam_local_date
from survey.results.onestop_points import combined_points_counts_by
from tests.results.dataset import group_of, reference_points, selected
from tests.results.test_routes import PERIOD

#: Whose points count for a rated dossier linked to its rating, when both give some.
PRECEDENCE = {1: "dossier", 3: "dossier", 4: "citizen", 7: "citizen"}


def timeliness(dossier: dict) -> str | None:
    if dossier["returned_dt"] is None:
        return None
    if dossier["returned_dt"] > dossier["due_dt"]:
        return "late"
    if vietnam_local_date(dossier["returned_dt"]) < vietnam_local_date(dossier["due_dt"]):
        return "early"
    return "on_time"


def circular_points(dossier: dict) -> dict[int, int | None]:
    """Circular 01/2018, Article 13, from the dossier's own fields."""
    timely = timeliness(dossier)
    by_time = {"early": 2, "on_time": 1, "late": 0, None: None}[timely]
    visits, agencies, complaint = (
        dossier["extra_visits"],
        dossier["agencies_contacted"],
        dossier["complaint"],
    )
    conduct = None
    if complaint == Complaint.HARASSMENT:
        conduct = 0
    elif complaint is not None:
        conduct = by_time
    return {
        1: by_time,
        2: by_time,
        3: None if visits is None else 2 if visits == 0 else 1 if visits == 1 else 0,
        4: None if agencies is None else 2 if agencies <= 1 else 1 if agencies == 2 else 0,
        7: conduct,
    }


@pytest.fixture
def dossier_world(app, results_world):
    """Half of the quick ratings carry a dossier hash; dossiers for most of them (some
    handled by another official, some returned outside the period or not yet), and as many
    again not rated."""
    rng = random.Random(17)
    organisation = results_world.organisation
    quick = organisation.version_ids["onestop-quick"]
    rated = [r for r in results_world.responses if r["version"] == quick and rng.random() < 0.5]
    dossiers = []
    with app.app_context(), write_session() as session:
        for response in rated:
            response["dossier_hash"] = f"hash-{response['id']}"
            session.execute(
                update(Response)
                .where(Response.id == response["id"])
                .values(dossier_hash=response["dossier_hash"])
            )
            if rng.random() < 0.85:
                dossiers.append(_dossier(rng, organisation, response["dossier_hash"], response))
        for number in range(len(rated)):
            dossiers.append(_dossier(rng, organisation, f"unrated-{number}", None))
        session.execute(insert(Dossier), dossiers)
    return results_world, dossiers


def _dossier(rng, organisation, code_hash, response) -> dict:
    desk = rng.randrange(len(organisation.desk_ids))
    agency = response["agency"] if response else organisation.agency_ids[desk]
    official = response["official"] if response and rng.random() < 0.8 else None
    if official is None and rng.random() < 0.7:
        official = rng.choice(organisation.official_ids)
    returned = datetime(2025, 12, 20) + timedelta(minutes=rng.randrange(120 * 24 * 60))
    # A due date alone is the end of that Vietnam-local day (16:59:59 UTC).
    due_day = vietnam_local_date(returned) + timedelta(days=rng.choice((-3, -1, 0, 0, 1, 4)))
    due = datetime.combine(due_day, datetime.min.time()) + timedelta(hours=16, seconds=3599)
    return {
        "code_hash": code_hash,
        "agency_id": agency,
        "official_id": official,
        "received_dt": min(due, returned) - timedelta(days=rng.randint(1, 9)),
        "due_dt": due,
        "returned_dt": None if rng.random() < 0.05 else returned,
        "extra_visits": rng.choice((0, 0, 0, 1, 2, 3, None)),
        "agencies_contacted": rng.choice((1, 1, 1, 2, 3, None)),
        "complaint": rng.choice(
            [Complaint.NONE] * 6 + [Complaint.HARASSMENT, Complaint.OTHER, None]
        ),
    }


def dossier_selected(dossier: dict, report_filter: ReportFilter) -> bool:
    returned = dossier["returned_dt"]
    return (
        returned is not None
        and report_filter.period.start <= vietnam_local_date(returned) < report_filter.period.end
        and (report_filter.agency_ids is None or dossier["agency_id"] in report_filter.agency_ids)
    )


def reference(world, dossiers, report_filter, dimension) -> dict:
    """group → index → Counter(points), ratings and dossiers combined by hand."""
    result = reference_points(world.responses, report_filter, world.organisation, dimension)
    responses = {
        r["dossier_hash"]: r
        for r in world.responses
        if r.get("dossier_hash") and selected(r, report_filter)
    }
    citizen = {key: _citizen(world, response) for key, response in responses.items()}
    for dossier in dossiers:
        if not dossier_selected(dossier, report_filter):
            continue
        group = dossier["official_id"] if dimension is Dimension.OFFICIAL else None
        linked = dossier["code_hash"] in responses
        if linked:
            response = responses[dossier["code_hash"]]
        for number, points in circular_points(dossier).items():
            if points is None:
                continue
            theirs = citizen[dossier["code_hash"]].get(number) if linked else None
            if theirs is not None and PRECEDENCE[number] == "citizen":
                continue
            if theirs is not None:  # the dossier's points replace the rating's
                counter = result[group_of(response, dimension)][number]
                counter[theirs] -= 1
            result.setdefault(group, {}).setdefault(number, Counter())[points] += 1
    return {
        group: {n: {p: c for p, c in counter.items() if c} for n, counter in by_index.items()}
        for group, by_index in result.items()
    }


def _citizen(world, response) -> dict[int, int]:
    definition = world.organisation.definitions["onestop-quick"]
    values = {key: answer.value for key, answer in response["answers"].items()}
    return {
        index.number: points
        for index in definition.scoring.onestop.indices
        if (points := index.points_for(values)) is not None
    }


def _drop_empty(points) -> dict:
    return {
        group: {n: {p: c for p, c in by.items() if c} for n, by in by_index.items()}
        for group, by_index in points.items()
    }


@pytest.mark.parametrize("dimension", [None, Dimension.OFFICIAL])
def test_points_from_ratings_and_dossiers_agree_with_a_recomputation(app, dossier_world, dimension):
    world, dossiers = dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    for agency_ids in (None, {world.ward_id}):
        selection = ReportFilter(
            Period.parse(PERIOD), agency_ids=agency_ids, questionnaire_version_ids=versions
        )
        expected = reference(world, dossiers, selection, dimension)
        with app.app_context():
            got = combined_points_counts_by(db.session, selection, dimension)
        assert _drop_empty(got) == expected
        assert any(2 in by_index for by_index in got.values())  # index 2: dossiers only


def test_the_nine_index_total_agrees_with_a_recomputation(app, dossier_world):
    world, dossiers = dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(Period.parse(PERIOD), questionnaire_version_ids=versions)
    expected_points = reference(world, dossiers, selection, None)[None]
    total = Decimal(0)
    for counter in expected_points.values():
        mean = Decimal(sum(p * n for p, n in counter.items())) / sum(counter.values())
        total += mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert set(expected_points) == {1, 2, 3, 4, 7}
    definition = world.organisation.definitions["onestop-quick"]
    rules = OneStopScoringDefinition(**scoring_for_analysis(definition)["onestop"])
    with app.app_context():
        scores = onestop_scores(combined_points_counts_by(db.session, selection, None)[None], rules)
    assert Decimal(str(scores.agency_total)) == total
    assert scores.missing_indices == (5, 6, 8, 9)


def test_a_filter_on_the_rating_channel_leaves_dossiers_out(app, dossier_world):
    world, _dossiers = dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(Period.parse(PERIOD), channel="qr", questionnaire_version_ids=versions)
    with app.app_context():
        got = combined_points_counts_by(db.session, selection, None)
    expected = reference_points(world.responses, selection, world.organisation, None)
    assert _drop_empty(got) == {
        group: {n: dict(counter) for n, counter in by.items()} for group, by in expected.items()
    }
