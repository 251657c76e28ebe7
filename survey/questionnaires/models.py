"""Questionnaires and their versions; a published version is frozen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from survey.db import Model, utcnow


class PublishedVersionFrozen(Exception):
    """Raised on an attempt to change or delete a published questionnaire version."""


class Questionnaire(Model):
    """A questionnaire as people know it ("Phiếu khảo sát SIPAS"), across its versions."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key, the ``key`` of its definitions, e.g. "sipas" or "onestop-quick".
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.version_number"
    )


class QuestionnaireVersion(Model):
    """One version of a questionnaire: its whole definition (items, scales, scoring) as data.

    A methodology change is a new version. Once ``published_dt`` is set the row is
    immutable (enforced here and by a database trigger), and every response records
    the exact version it answered.
    """

    __tablename__ = "questionnaire_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), index=True)
    version_number: Mapped[int]
    #: The validated definition (see ``survey/questionnaires/schema.json``).
    definition: Mapped[dict] = mapped_column(JSON)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    published_dt: Mapped[datetime | None]

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("questionnaire_id", "version_number"),)

    @property
    def is_published(self) -> bool:
        return self.published_dt is not None


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published_versions(session, _context, _instances):
    for version in list(session.dirty) + list(session.deleted):
        if not isinstance(version, QuestionnaireVersion):
            continue
        state = inspect(version)
        # committed_state holds the value loaded from the database for changed attributes.
        if state.committed_state.get("published_dt", version.published_dt) is None:
            continue
        if version in session.deleted or any(
            attribute.history.has_changes() for attribute in state.attrs
        ):
            raise PublishedVersionFrozen(
                f"questionnaire version {version.id} is published and cannot be changed"
            )
