"""Published questionnaire versions are frozen; the built-ins load once."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from survey.db import db, write_session
from survey.questionnaires.definition import builtin_definitions
from survey.questionnaires.install import (
    VersionMismatch,
    install_builtin_questionnaires,
    publish_definition,
)
from survey.questionnaires.models import PublishedVersionFrozen, QuestionnaireVersion


def test_builtin_questionnaires_are_published_once(app_context):
    with write_session() as session:
        first = install_builtin_questionnaires(session)
    with write_session() as session:
        second = install_builtin_questionnaires(session)
    assert set(first) == {"sipas", "onestop-quick"}
    assert {key: version.id for key, version in first.items()} == {
        key: version.id for key, version in second.items()
    }
    assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 2
    assert all(version.is_published for version in first.values())


def test_a_published_version_cannot_be_changed_through_the_application(app_context):
    with write_session() as session:
        install_builtin_questionnaires(session)
    with pytest.raises(PublishedVersionFrozen), write_session() as session:
        version = session.scalars(select(QuestionnaireVersion)).first()
        version.definition = {**version.definition, "title": {"vi": "Khác", "en": "Other"}}
    with pytest.raises(PublishedVersionFrozen), write_session() as session:
        session.delete(session.scalars(select(QuestionnaireVersion)).first())


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE questionnaire_versions SET version_number = 99",
        "UPDATE questionnaire_versions SET published_dt = NULL",
        "DELETE FROM questionnaire_versions",
    ],
)
def test_the_database_refuses_to_change_a_published_version(app_context, statement):
    with write_session() as session:
        install_builtin_questionnaires(session)
    with pytest.raises(DatabaseError, match="immutable"), write_session() as session:
        session.execute(text(statement))
    newest = max(data["version"] for data in builtin_definitions().values())
    assert db.session.scalar(select(func.max(QuestionnaireVersion.version_number))) == newest
    assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 2


def test_a_draft_version_can_still_be_edited(app_context):
    with write_session() as session:
        published = install_builtin_questionnaires(session)["sipas"]
        next_number = published.version_number + 1
        draft = QuestionnaireVersion(
            questionnaire_id=published.questionnaire_id,
            version_number=next_number,
            definition=published.definition,
        )
        session.add(draft)
    with write_session() as session:
        draft = session.get(QuestionnaireVersion, draft.id)
        draft.definition = {**draft.definition, "version": next_number}
    assert db.session.get(QuestionnaireVersion, draft.id).definition["version"] == next_number


def test_republishing_other_content_under_a_published_number_is_refused(app_context):
    data = builtin_definitions()["sipas"]
    with write_session() as session:
        publish_definition(session, data)
    changed = {**data, "title": {**data["title"], "vi": data["title"]["vi"] + " (sửa)"}}
    with pytest.raises(VersionMismatch), write_session() as session:
        publish_definition(session, changed)
