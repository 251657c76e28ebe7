"""Every model in one import, for Alembic and the application factory."""

from survey.accounts.models import AuditEvent, Role, User
from survey.collect.models import (
    Answer,
    CallbackRequest,
    Channel,
    KioskDevice,
    RespondentType,
    Response,
)
from survey.dossiers.models import Dossier, Integration
from survey.feedback.models import CaseEvent, FeedbackCase
from survey.org.models import (
    Agency,
    AgencySuccession,
    Official,
    Procedure,
    PublicCode,
    ServicePoint,
    SuccessionKind,
)
from survey.questionnaires.assignments import QuestionnaireAssignment
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.results import models as results_models  # noqa: F401 (count tables)
from survey.settings import Setting
from survey.vietnam_calendar import CalendarDay

__all__ = [
    "Agency",
    "AgencySuccession",
    "Answer",
    "AuditEvent",
    "CalendarDay",
    "CallbackRequest",
    "CaseEvent",
    "Channel",
    "Dossier",
    "FeedbackCase",
    "Integration",
    "KioskDevice",
    "Official",
    "Procedure",
    "PublicCode",
    "Questionnaire",
    "QuestionnaireAssignment",
    "QuestionnaireVersion",
    "RespondentType",
    "Response",
    "Role",
    "ServicePoint",
    "Setting",
    "SuccessionKind",
    "User",
]
