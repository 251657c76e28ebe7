"""How the states and sources of a case are named on screen, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from survey.feedback.models import CaseSource, CaseState

STATE_LABELS = {
    CaseState.NEW: _l("New"),
    CaseState.ACKNOWLEDGED: _l("Acknowledged"),
    CaseState.IN_PROGRESS: _l("In progress"),
    CaseState.ANSWERED: _l("Answered"),
    CaseState.UNFOUNDED: _l("Unfounded"),
}

SOURCE_LABELS = {
    CaseSource.CALLBACK: _l("Call-back request"),
    CaseSource.LOW_RATING: _l("Lowest rating with a comment"),
    CaseSource.HARASSMENT: _l("Report of harassment"),
    CaseSource.DIRECT: _l("Feedback form"),
}


def case_state_label(state: CaseState) -> str:
    return str(STATE_LABELS[state])


def case_source_label(source: CaseSource) -> str:
    return str(SOURCE_LABELS[source])


#: The events of a case's history.
EVENT_LABELS = {
    "opened": _l("Opened"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("Handling started"),
    "answered": _l("Answered"),
    "unfounded": _l("Closed as unfounded"),
    "transferred": _l("Transferred"),
    "reopened": _l("Reopened"),
    "phone_deleted": _l("Phone number deleted (retention period over)"),
}


def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))
