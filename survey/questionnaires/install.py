"""Loading questionnaire definitions into the database as published versions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import utcnow
from survey.questionnaires.definition import builtin_definitions, load_definition
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion


class VersionMismatch(Exception):
    """A definition claims a version number that is already published with other content."""


def publish_definition(session: Session, data: dict) -> QuestionnaireVersion:
    """Validate ``data`` and store it as a published version, once.

    Publishing the same definition again returns the stored version; a different
    definition under a published version number is refused (a change needs a new
    version number, so that responses keep pointing at what they answered).
    """
    definition = load_definition(data)
    questionnaire = session.scalar(select(Questionnaire).where(Questionnaire.key == definition.key))
    if questionnaire is None:
        questionnaire = Questionnaire(key=definition.key)
        session.add(questionnaire)
        session.flush()
    version = session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id,
            QuestionnaireVersion.version_number == definition.version,
        )
    )
    if version is not None:
        if version.definition != data:
            raise VersionMismatch(
                f"{definition.key} version {definition.version} is already published with"
                " different content; give the new definition a new version number"
            )
        return version
    version = QuestionnaireVersion(
        questionnaire=questionnaire,
        version_number=definition.version,
        definition=data,
        published_dt=utcnow(),
    )
    session.add(version)
    session.flush()
    return version


def install_builtin_questionnaires(session: Session) -> dict[str, QuestionnaireVersion]:
    """Publish the built-in questionnaires (SIPAS survey, one-stop quick rating); idempotent."""
    return {key: publish_definition(session, data) for key, data in builtin_definitions().items()}
