"""Which questionnaire version an agency's desks use, from which date.

The reform office assigns a published version to an agency from a date; the assignment
holds for the agency's whole subtree, unless a unit further down has one of its own (the
nearest assignment up the tree wins, and of its assignments the latest that has begun).
Without any assignment, desks use the newest published version.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from sqlalchemy import Date, ForeignKey, Select, UniqueConstraint, bindparam, literal, select
from sqlalchemy.orm import Mapped, Session, aliased, defer, mapped_column, relationship

from survey.db import Model, utcnow
from survey.org.models import Agency
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion


class QuestionnaireAssignment(Model):
    """From ``valid_from`` on, the desks of ``agency`` (and its subtree) use ``version``."""

    __tablename__ = "questionnaire_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    #: A published version of ``questionnaire`` (checked when the assignment is made).
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    #: First day (Vietnam time) the version is used.
    valid_from: Mapped[date] = mapped_column(Date)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()
    version: Mapped[QuestionnaireVersion] = relationship()

    __table_args__ = (UniqueConstraint("agency_id", "questionnaire_id", "valid_from"),)


#: Deeper than any real tree; stops the walk should a cycle ever slip in (imports refuse them).
MAXIMUM_DEPTH = 50


@cache
def _assigned_version_statement() -> Select:
    """One query: walk up from the agency, keep the nearest unit's latest begun assignment.

    It runs on every citizen page view and submission, so the tree is walked in the
    database (a recursive query, not one query per level) and the statement is built
    once per process: building it costs more than running it. The definition is left
    unloaded (published definitions are parsed once and cached by their users).
    """
    line = (
        select(Agency.id, Agency.parent_id, literal(0).label("depth"))
        .where(Agency.id == bindparam("agency_id"))
        .cte("line", recursive=True)
    )
    parent = aliased(Agency)
    line = line.union_all(
        select(parent.id, parent.parent_id, line.c.depth + 1)
        .join(line, parent.id == line.c.parent_id)
        .where(line.c.depth < MAXIMUM_DEPTH)
    )
    return (
        select(QuestionnaireVersion)
        .join(
            QuestionnaireAssignment, QuestionnaireAssignment.version_id == QuestionnaireVersion.id
        )
        .join(line, QuestionnaireAssignment.agency_id == line.c.id)
        .join(Questionnaire, QuestionnaireAssignment.questionnaire_id == Questionnaire.id)
        .where(
            Questionnaire.key == bindparam("questionnaire_key"),
            QuestionnaireAssignment.valid_from <= bindparam("day", type_=Date),
            QuestionnaireVersion.published_dt.is_not(None),
        )
        .order_by(line.c.depth, QuestionnaireAssignment.valid_from.desc())
        .limit(1)
        .options(defer(QuestionnaireVersion.definition))
    )


def assigned_version(
    session: Session, questionnaire_key: str, agency_id: int, day: date
) -> QuestionnaireVersion | None:
    """The version assigned on ``day`` to ``agency_id`` or its nearest assigned ancestor."""
    return session.scalar(
        _assigned_version_statement(),
        {"agency_id": agency_id, "questionnaire_key": questionnaire_key, "day": day},
    )
