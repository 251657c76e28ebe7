"""Which definition a report reads a questionnaire by: the newest published version's (or
a chosen version's), else the built-in one; and the questionnaires' names for the choices."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.collect.submit import PublishedVersion, definition_of
from survey.questionnaires.definition import (
    QuestionnaireDefinition,
    builtin_definitions,
    builtin_keys,
    load_definition,
)
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion


def newest_definitions(session: Session) -> dict[str, QuestionnaireDefinition]:
    """Every questionnaire a report can be about, by key, with the definition it is read
    by (:func:`latest_definition` of each, in one read): the published ones in the order
    they were added, then the built-in ones not published yet."""
    newest: dict[str, PublishedVersion] = {}  # in one read: this runs on every report page
    for key, *version in session.execute(_PUBLISHED_VERSIONS):
        newest[key] = _published(*version)  # the newer replaces, in the key's place
    definitions = {key: definition_of(version) for key, version in newest.items()}
    for key in builtin_keys():
        if key not in definitions:
            definitions[key] = latest_definition(session, key)
    return definitions


def questionnaire_labels(session: Session, language: str) -> dict[str, str]:
    """The questionnaires a report can be about (:func:`newest_definitions`), each named
    by its definition's own title in ``language``."""
    return {
        key: definition.title(language) for key, definition in newest_definitions(session).items()
    }


_PUBLISHED_VERSIONS = (
    select(
        Questionnaire.key,
        QuestionnaireVersion.id,
        QuestionnaireVersion.questionnaire_id,
        QuestionnaireVersion.version_number,
        QuestionnaireVersion.published_dt,
    )
    .join(Questionnaire)
    .where(QuestionnaireVersion.published_dt.isnot(None))
    .order_by(Questionnaire.id, QuestionnaireVersion.version_number)
)


def latest_definition(
    session: Session, questionnaire_key: str, version_id: int | None = None
) -> QuestionnaireDefinition:
    """The definition of the chosen version, else of the newest published version, else
    (nothing published yet, so nothing to count) the built-in definition."""
    statement = (
        select(
            QuestionnaireVersion.id,
            QuestionnaireVersion.questionnaire_id,
            QuestionnaireVersion.version_number,
            QuestionnaireVersion.published_dt,
        )
        .join(Questionnaire)
        .where(
            Questionnaire.key == questionnaire_key, QuestionnaireVersion.published_dt.isnot(None)
        )
        .order_by(QuestionnaireVersion.version_number.desc())
        .limit(1)
    )
    if version_id is not None:
        statement = statement.where(QuestionnaireVersion.id == version_id)
    version = session.execute(statement).first()
    if version is None:
        return load_definition(builtin_definitions()[questionnaire_key])
    # Parsed once per process: a published version never changes (nor is deleted), so the
    # copy a process keeps is the stored one (``definition_of`` keys it by id and time).
    return definition_of(_published(*version))


def _published(version_id, questionnaire_id, version_number, published_dt) -> PublishedVersion:
    assert published_dt is not None, "selected among the published versions"
    return PublishedVersion(version_id, questionnaire_id, version_number, published_dt)
