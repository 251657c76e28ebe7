"""The demo data shows the loop working: cases from every source, in every state."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey.db import db
from survey.feedback.models import CaseSource, CaseState, FeedbackCase

SEED_ARGS = ["seed-demo", "--responses", "400", "--until", "2026-11-26"]


def test_the_demo_has_cases_from_every_source_in_every_state_once(runner, app_context):
    result = runner.invoke(args=SEED_ARGS)
    assert result.exit_code == 0, result.output
    db.session.rollback()  # read what the command committed
    cases = db.session.scalars(
        select(FeedbackCase).options(selectinload(FeedbackCase.events))
    ).all()
    assert set(Counter(case.source for case in cases)) == set(CaseSource)
    assert set(Counter(case.state for case in cases)) == set(CaseState)
    assert any(case.is_overdue(date(2026, 11, 27)) for case in cases)
    assert any(event.action == "transferred" for case in cases for event in case.events)
    assert any(case.public_reply and case.is_agency_at_fault for case in cases)
    again = runner.invoke(args=SEED_ARGS)
    assert again.exit_code == 0
    assert len(db.session.scalars(select(FeedbackCase.id)).all()) == len(cases)
