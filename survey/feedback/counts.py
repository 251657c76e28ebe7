"""How many cases an officer has waiting: the start page's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from survey.feedback.models import OPEN_STATES, CaseState, FeedbackCase


@dataclass(frozen=True)
class CaseCounts:
    open: int
    overdue: int


def overdue_clause(today: date):
    """Open cases past their next deadline (acknowledging a new one, answering the others)."""
    return or_(
        and_(FeedbackCase.state == CaseState.NEW, FeedbackCase.acknowledge_due < today),
        and_(
            FeedbackCase.state.in_([CaseState.ACKNOWLEDGED, CaseState.IN_PROGRESS]),
            FeedbackCase.answer_due < today,
        ),
    )


def case_counts(session: Session, visible: set[int] | None, today: date) -> CaseCounts:
    """Open and overdue cases of the agencies ``visible`` (None: every agency)."""
    statement = select(func.count(), func.count().filter(overdue_clause(today))).where(
        FeedbackCase.state.in_(OPEN_STATES)
    )
    if visible is not None:
        statement = statement.where(FeedbackCase.agency_id.in_(visible))
    open_, overdue = session.execute(statement).one()
    return CaseCounts(open_, overdue)
