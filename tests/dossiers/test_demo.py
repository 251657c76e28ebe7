"""The demo's dossiers: each desk's share rated between 2 % and 60 %, some late, some ratings
linked to their dossier through the code's hash; loaded once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from analysis import OneStopScoringDefinition, onestop_scores
from survey.collect.models import Response
from survey.db import db, write_session
from survey.demo import seed_demo
from survey.dossiers.demo import DEMO_DAYS, HIGHEST_RATE, LOWEST_RATE
from survey.dossiers.models import (
    Dossier,
    FeedbackHandling,
    OneStopDesk,
    OnlineService,
    Publication,
)
from survey.questionnaires.definition import parsed_definition, scoring_for_analysis
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.results.filters import Period, ReportFilter, vietnam_local_date
from survey.results.onestop_points import combined_points_counts_by, officer_mark_counts


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
    # The columns of indices 5, 6, 8 and 9: mostly through the desk and published, some
    # online, a few feedbacks late; all nine indices, a total out of 18 with its band, and
    # officials classed by their share of dossiers at 5 points or more.
    share = Counter(dossier.one_stop_desk for dossier in dossiers)
    assert share[OneStopDesk.BOTH] / len(dossiers) > 0.85
    published = Counter(dossier.procedure_published for dossier in dossiers)
    assert published[Publication.FULL] / len(dossiers) > 0.9
    online = Counter(dossier.online_service for dossier in dossiers)
    assert 0.15 < online[OnlineService.FULL] / len(dossiers) < 0.5
    feedback = Counter(dossier.feedback_handling for dossier in dossiers)
    assert 0 < feedback[FeedbackHandling.LATE] / len(dossiers) < 0.05
    nine_indices_and_a_class(last)
    again = seed_demo(write_session, responses=1500, seed=5)
    assert again.dossiers_created == 0
    assert db.session.scalar(select(func.count()).select_from(Dossier)) == len(dossiers)


def nine_indices_and_a_class(last) -> None:
    version_id, definition = db.session.execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.definition)
        .join(Questionnaire)
        .where(Questionnaire.key == "onestop-quick")
        .order_by(QuestionnaireVersion.version_number.desc())
    ).first()
    parsed = parsed_definition(definition)
    end = vietnam_local_date(last)
    selection = ReportFilter(
        Period.custom(end - timedelta(DEMO_DAYS - 7), end),
        questionnaire_version_ids={version_id},
    )
    rules = OneStopScoringDefinition(**scoring_for_analysis(parsed)["onestop"])
    scores = onestop_scores(combined_points_counts_by(db.session, selection, None)[None], rules)
    assert scores.missing_indices == () and scores.attainable_maximum == 18
    assert 9 <= scores.agency_total <= 18 and scores.classification_key in {"good", "excellent"}
    marks = officer_mark_counts(db.session, selection, (1, 2, 3, 4, 7), 5)
    assert sum(scored for scored, _at in marks.values()) > 1000
    assert any(at_mark < scored for scored, at_mark in marks.values())
