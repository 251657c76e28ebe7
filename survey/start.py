"""The officer's start page, ``/officer/``: where the officer can go, and this quarter's
headline for the agencies they may see, above their account.

The links are declared once, in :data:`START_SECTIONS`. Whether an officer sees one is
decided by the page it leads to: :func:`~survey.accounts.access.may_open` reads the roles
of its view's ``officer_required`` or ``roles_required``, so a link is shown exactly to
those who may follow it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey.accounts.access import (
    ROLE_LABELS,
    can_read_responses,
    may_open,
    officer_required,
    visible_agency_ids,
)
from survey.accounts.models import SCOPED_ROLES, User
from survey.db import db, reports_session
from survey.feedback.counts import case_counts
from survey.results.headline import quarter_headline
from survey.vietnam_calendar import local_today

blueprint = Blueprint("start", __name__)


@dataclass(frozen=True)
class StartEntry:
    """A link of the start page: the page's endpoint, its name and what the officer finds there."""

    endpoint: str
    label: LazyString
    description: LazyString


@dataclass(frozen=True)
class StartSection:
    title: LazyString
    entries: tuple[StartEntry, ...]


#: Every link of the start page, in order. A new officer page adds its entry here.
START_SECTIONS = (
    StartSection(
        _l("Results"),
        (
            StartEntry(
                "results.overview",
                _l("Overview"),
                _l("Satisfaction index, trend and factors, with the report to download."),
            ),
            StartEntry(
                "results.agencies",
                _l("Agencies compared"),
                _l("Each agency against the province, adjusted for its number of responses."),
            ),
            StartEntry(
                "results.officials",
                _l("Officials"),
                _l("Each official's ratings and Circular 01/2018 scores."),
            ),
            StartEntry(
                "results.criteria",
                _l("Criteria"),
                _l("Every criterion, weakest first."),
            ),
            StartEntry(
                "results.late_dossiers",
                _l("Dossiers returned late"),
                _l(
                    "The dossiers of the one-stop system returned after their due date, with "
                    "the apology letters sent."
                ),
            ),
        ),
    ),
    StartSection(
        _l("Feedback from citizens"),
        (
            StartEntry(
                "feedback.cases",
                _l("Feedback cases"),
                _l(
                    "Call-back requests, complaints and low ratings to acknowledge and answer, "
                    "with their deadlines in working days."
                ),
            ),
        ),
    ),
    StartSection(
        _l("Administration"),
        (
            StartEntry(
                "admin.index",
                _l("Administration pages"),
                _l("Agencies, desks, officials, questionnaires, devices, accounts and settings."),
            ),
            StartEntry(
                "admin.import_dossiers_page",
                _l("Import dossier data"),
                _l(
                    "The one-stop system's dossiers, for the share of dossiers rated, the "
                    "weighted satisfaction and the indices they supply."
                ),
            ),
        ),
    ),
)


def sections_for(user: User) -> list[StartSection]:
    """The sections with the entries ``user`` may open; a section left empty is left out."""
    sections = []
    for section in START_SECTIONS:
        entries = tuple(entry for entry in section.entries if may_open(user, entry.endpoint))
        if entries:
            sections.append(StartSection(section.title, entries))
    return sections


@blueprint.get("/officer/")
@officer_required
def page():
    scoped = current_user.role in SCOPED_ROLES
    visible = visible_agency_ids(current_user)
    return render_template(
        "start/page.html",
        sections=sections_for(current_user),
        headline=quarter_headline(reports_session(), visible, local_today()),
        role_label=ROLE_LABELS[current_user.role],
        sees_every_agency=not scoped,
        agency=current_user.agency if scoped else None,
        reads_responses=can_read_responses(current_user),
        case_counts=case_counts(db.session(), visible, local_today())
        if may_open(current_user, "feedback.cases")
        else None,
    )
