"""Feedback cases: citizens' call-back requests, complaints and low ratings become cases
with deadlines in working days, handled by their agency, followed by the citizen with a
receipt code (issue "Close the loop").

- :mod:`survey.feedback.models`: the case, its events, the administrator's calendar days;
- :mod:`survey.feedback.cases`: opening a case, its states, transfer and reopening;
- :mod:`survey.feedback.public`: the standalone form ``/q/<code>/feedback`` and the
  receipt page ``/feedback/<receipt>``;
- :mod:`survey.feedback.routes`: the officers' list and case pages ``/officer/cases/``;
- :mod:`survey.feedback.reminders`: the daily e-mail reminders (``flask --app survey cases
  remind``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Flask
from sqlalchemy.orm import Session

from survey.collect.submit import RESPONSE_STORED_HOOKS, Submission
from survey.db import utcnow
from survey.feedback.cases import Opening, open_case, source_of
from survey.questionnaires.definition import QuestionnaireDefinition


def open_case_for_rating(
    session: Session,
    submission: Submission,
    definition: QuestionnaireDefinition,
    answers: Sequence[Mapping],
    response_id: int,
) -> str | None:
    """Open the rating's case if it calls for one (one per submission); its receipt."""
    source = source_of(definition, answers, has_phone=bool(submission.callback_phone))
    if source is None or submission.target.agency.id is None:  # None: a preview's agency
        return None
    official = submission.official or submission.target.official
    desk = submission.target.service_point
    opening = Opening(
        source=source,
        agency_id=submission.target.agency.id,
        language=submission.language,
        service_point_id=desk.id if desk is not None else None,
        official_id=official.id if official is not None else None,
        response_id=response_id,
        has_phone=bool(submission.callback_phone),
    )
    return open_case(session, opening, utcnow()).receipt


def init_app(app: Flask) -> None:
    from flask_mailman import Mail

    from survey.feedback import cli

    Mail(app)
    app.cli.add_command(cli.cases_group)
    if open_case_for_rating not in RESPONSE_STORED_HOOKS:
        RESPONSE_STORED_HOOKS.append(open_case_for_rating)


def register_views(app: Flask) -> None:
    """The citizen's case pages and the officers' (see :func:`survey.register_views`)."""
    from survey.feedback import public, routes

    app.register_blueprint(public.blueprint)
    app.register_blueprint(routes.blueprint)
