"""Accepting a citizen's submission: where it is for, what it says, and storing it once.

Both doors use this module: the phone form (``routes.py``) and the kiosk API
(``api.py``). It validates against the exact questionnaire version, applies the
one-rating-per-dossier rule, flags bursts of identical ratings for review, and
stores everything in one transaction through :func:`survey.collect.store.store_responses`.
"""

from __future__ import annotations

import hashlib
import uuid as uuid_module
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import ClassVar

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from survey.collect.keys import dossier_key
from survey.collect.lookups import cached
from survey.collect.models import CallbackRequest, Channel, RespondentType, Response
from survey.collect.store import (
    StoredResponse,
    UuidConflict,
    canonical_body_hash,
    dossier_hash,
    store_responses,
)
from survey.db import db, utcnow, write_session
from survey.observability import count_submission
from survey.org.models import Agency, Official, PublicCode, ServicePoint
from survey.questionnaires.assignments import assigned_version
from survey.questionnaires.definition import (
    QuestionnaireDefinition,
    load_definition,
    validate_answers,
)
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.security import limiter
from survey.settings import get_setting
from survey.vietnam_calendar import local_today

#: The questionnaire a desk's QR code and kiosk open, unless the page asks for another one.
DEFAULT_QUESTIONNAIRE = "onestop-quick"
DOSSIER_CODE_MAX_LENGTH = 60
#: Answer item whose value tells the respondent type, in the built-in questionnaires.
RESPONDENT_TYPE_ITEM = "respondent_type"


@dataclass(frozen=True)
class AgencyInfo:
    """What the citizen pages need of an agency: plain data, kept across requests."""

    id: int | None
    name: str
    name_en: str | None = None
    name_km: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    # The model's own rules, on the copied columns (they read no other attribute; mypy
    # cannot see that a method of Agency fits this class).
    localized_name: ClassVar[Callable[[AgencyInfo, str], str]] = Agency.localized_name  # type: ignore[assignment]
    is_valid_on: ClassVar[Callable[[AgencyInfo, date], bool]] = Agency.is_valid_on  # type: ignore[assignment]

    @classmethod
    def of(cls, agency: Agency) -> AgencyInfo:
        return cls(
            agency.id,
            agency.name,
            agency.name_en,
            agency.name_km,
            agency.valid_from,
            agency.valid_to,
        )


@dataclass(frozen=True)
class DeskInfo:
    """A desk (service point), as the citizen pages and the kiosk need it."""

    id: int | None
    name: str
    name_en: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class OfficialInfo:
    """An official, as the citizen pages and the kiosk need them."""

    id: int
    name: str
    title: str | None
    photo_filename: str | None
    active_from: date | None
    active_to: date | None
    #: Their active public code (the kiosk's "who served you?" sends it), if any.
    code: str | None

    @classmethod
    def of(cls, official: Official, code: str | None) -> OfficialInfo:
        return cls(
            official.id,
            official.name,
            official.title,
            official.photo_filename,
            official.active_from,
            official.active_to,
            code,
        )

    def is_current(self) -> bool:
        return _is_current(self.active_from, self.active_to)


@dataclass(frozen=True)
class Target:
    """What a public code points at: plain data (no ORM object), so it can be cached."""

    public_code: str
    agency: AgencyInfo
    service_point: DeskInfo | None
    official: OfficialInfo | None

    @property
    def officials(self) -> list[OfficialInfo]:
        """Officials a citizen may say served them (the desk's current ones, or the one named)."""
        if self.official is not None:
            return [self.official]
        assert self.service_point is not None, "a code points at a desk or an official"
        return [o for o in desk_officials(self.service_point.id) if o.is_current()]


class TargetUnavailable(Exception):
    """The code is unknown, revoked, or its desk, official or agency no longer serves."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "unknown" | "revoked" | "inactive"


def _is_current(start: date | None, end: date | None) -> bool:
    today = local_today()
    return (start is None or start <= today) and (end is None or today < end)


#: One query for a code, its desk or official, and their agency, built once: this runs
#: whenever a code is not in the process's cache (:mod:`survey.collect.lookups`).
_CODE_WITH_TARGET = (
    select(PublicCode)
    .where(PublicCode.code == bindparam("code"))
    .options(
        joinedload(PublicCode.service_point).joinedload(ServicePoint.agency),
        joinedload(PublicCode.official).joinedload(Official.agency),
    )
)


@dataclass(frozen=True)
class _StoredCode:
    """A code as stored: what it points at and whether it was revoked (no date decided)."""

    target: Target
    revoked: bool


def _stored_code(public_code: PublicCode) -> _StoredCode:
    desk, official = public_code.service_point, public_code.official
    owner = desk or official
    assert owner is not None, "a code points at a desk or an official (exactly_one_target)"
    agency = owner.agency
    target = Target(
        public_code.code,
        AgencyInfo.of(agency),
        DeskInfo(desk.id, desk.name, desk.name_en, desk.is_active) if desk is not None else None,
        OfficialInfo.of(official, public_code.code) if official is not None else None,
    )
    return _StoredCode(target, public_code.revoked_dt is not None)


def _load_code(session: Session, code: str) -> _StoredCode | None:
    public_code = session.scalar(_CODE_WITH_TARGET, {"code": code})
    return _stored_code(public_code) if public_code is not None else None


def resolve_code(session: Session, code: str) -> Target:
    """The desk or official behind ``code``, or :class:`TargetUnavailable` saying why not.

    Known codes are kept a few seconds (:mod:`survey.collect.lookups`); whether the
    target takes ratings today is decided on every call.
    """
    code = code.lower()
    stored = cached(session, "code", code, lambda: _load_code(session, code))
    if stored is None:
        raise TargetUnavailable("unknown")
    return _usable(stored)


def target_of(public_code: PublicCode) -> Target:
    """What a stored code points at, if it can take ratings today (else TargetUnavailable)."""
    return _usable(_stored_code(public_code))


def _usable(stored: _StoredCode) -> Target:
    if stored.revoked:
        raise TargetUnavailable("revoked")
    target = stored.target
    if target.service_point is not None:
        active = target.service_point.is_active
    else:
        assert target.official is not None, "a code points at a desk or an official"
        active = target.official.is_current()
    if not active or not target.agency.is_valid_on(local_today()):
        raise TargetUnavailable("inactive")
    return target


def desk_officials(desk_id: int | None) -> tuple[OfficialInfo, ...]:
    """The officials of a desk, current or not (cached like the codes)."""
    if desk_id is None:  # a preview's made-up desk
        return ()

    def load() -> tuple[OfficialInfo, ...]:
        desk = db.session.get(
            ServicePoint,
            desk_id,
            options=[selectinload(ServicePoint.officials).selectinload(Official.public_codes)],
        )
        if desk is None:
            return ()
        return tuple(
            OfficialInfo.of(official, active.code if (active := official.active_code) else None)
            for official in desk.officials
        )

    return cached(db.session(), "desk officials", desk_id, load)


@dataclass(frozen=True)
class PublishedVersion:
    """A published questionnaire version, without its definition (see :func:`definition_of`)."""

    id: int
    questionnaire_id: int
    version_number: int
    published_dt: datetime


def current_version(
    session: Session, questionnaire_key: str, agency_id: int | None = None
) -> PublishedVersion | None:
    """The version the desks of ``agency_id`` use today, else the newest published one.

    The reform office assigns versions to agencies from a date, inherited down the tree
    (:mod:`survey.questionnaires.assignments`); without an assignment, the newest wins.
    The answer for a day is kept a few seconds (:mod:`survey.collect.lookups`). The
    definition is not loaded: :func:`definition_of` parses it once per process.
    """
    today = local_today()

    def load() -> PublishedVersion | None:
        version = None
        if agency_id is not None:
            version = assigned_version(session, questionnaire_key, agency_id, today)
        if version is None:
            version = session.scalar(_NEWEST_PUBLISHED, {"questionnaire_key": questionnaire_key})
        if version is None:
            return None
        assert version.published_dt is not None, "both statements select published versions"
        return PublishedVersion(
            version.id, version.questionnaire_id, version.version_number, version.published_dt
        )

    return cached(session, "version", (questionnaire_key, agency_id, today), load)


def published_questionnaire_keys(session: Session) -> frozenset[str]:
    """The keys of the questionnaires with a published version: any of them can be asked for
    (``/q/<code>?survey=<key>``), with the version the desk's agency uses."""
    return cached(
        session, "questionnaire keys", None, lambda: frozenset(session.scalars(_PUBLISHED_KEYS))
    )


def full_survey_key(session: Session, agency_id: int | None) -> str | None:
    """The questionnaire offered to a citizen willing to answer more at ``agency_id``'s desks:
    of the versions those desks use today, the one with the most questions (ties: the first
    key in alphabetical order); None when no questionnaire is published."""

    def questions(key: str) -> int:
        version = current_version(session, key, agency_id)
        return len(definition_of(version).items) if version is not None else 0

    return max(sorted(published_questionnaire_keys(session)), key=questions, default=None)


_PUBLISHED_KEYS = select(Questionnaire.key).where(
    Questionnaire.versions.any(QuestionnaireVersion.published_dt.is_not(None))
)

#: Built once: this runs whenever the answer is not in the process's cache.
_NEWEST_PUBLISHED = (
    select(QuestionnaireVersion)
    .join(Questionnaire)
    .where(
        Questionnaire.key == bindparam("questionnaire_key"),
        QuestionnaireVersion.published_dt.is_not(None),
    )
    .order_by(QuestionnaireVersion.version_number.desc())
    .limit(1)
    .options(defer(QuestionnaireVersion.definition))
)


_definitions: dict[tuple, QuestionnaireDefinition] = {}


def definition_of(version: QuestionnaireVersion | PublishedVersion) -> QuestionnaireDefinition:
    """The parsed definition of a published version (cached: published versions never change).

    Keyed by id and publication time, so that another database (a restored backup, a test)
    reusing an id is never answered from the cache.
    """
    key = (version.id, version.published_dt)
    if key not in _definitions:
        if isinstance(version, QuestionnaireVersion):
            stored = version.definition
        else:
            stored = db.session.scalars(
                select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == version.id)
            ).one()
        _definitions[key] = load_definition(stored)
    return _definitions[key]


@dataclass(frozen=True)
class Submission:
    """A submission as received, before validation."""

    uuid: uuid_module.UUID
    target: Target
    version: QuestionnaireVersion | PublishedVersion
    channel: Channel
    language: str
    #: Item key → submitted value (strings from a form, JSON values from the API).
    answers: Mapping[str, object]
    dossier_code: str | None = None
    #: An official the citizen chose ("who served you?"), for a desk's code.
    official: Official | OfficialInfo | None = None
    kiosk_device_id: int | None = None
    #: When the citizen submitted, as the client says (a kiosk's queued submission); else now.
    submitted_dt: datetime | None = None
    #: Who is sending, for spotting bursts (a kiosk, or a keyed hash of a phone's device cookie
    #: or address).
    source: str = ""
    #: A keyed hash of a phone's address: many ratings of one code from it are a burst.
    address: str | None = None
    #: A number the citizen consented to be called back on (the form checked the consent).
    callback_phone: str | None = None


#: Called in the transaction that stores a new response, as ``hook(session, submission,
#: definition, answers, response_id)`` (``answers``: the validated answers' columns); a hook
#: may return a receipt code for the citizen. The feedback cases open here
#: (:mod:`survey.feedback`, registered when the application is made).
RESPONSE_STORED_HOOKS: list[
    Callable[[Session, Submission, QuestionnaireDefinition, Sequence[Mapping], int], str | None]
] = []


@dataclass
class SubmissionRejected(Exception):
    """The submission cannot be stored as it is. ``errors`` maps a field to an error code."""

    errors: dict[str, tuple[str, Mapping]] = field(default_factory=dict)


def normalise_dossier_code(code: str | None) -> str | None:
    if code is None:
        return None
    code = "".join(code.split())
    return code or None


def submit(submission: Submission) -> StoredResponse:
    """Validate and store a submission exactly once.

    Raises :class:`SubmissionRejected` (nothing stored) or
    :class:`survey.collect.store.UuidConflict` (the uuid was used for another body).
    Every outcome is counted for ``/metrics``.
    """
    channel = submission.channel.value
    try:
        stored = _submit(submission)
    except SubmissionRejected as rejected:
        reasons = sorted({code for code, _params in rejected.errors.values()})
        count_submission(channel, "rejected", reasons)
        raise
    except UuidConflict:
        count_submission(channel, "conflict")
        raise
    count_submission(channel, "created" if stored.created else "repeated")
    return stored


def _submit(submission: Submission) -> StoredResponse:
    definition = definition_of(submission.version)
    validated = validate_answers(definition, submission.answers)
    errors: dict[str, tuple[str, Mapping]] = {
        key: (error.code, dict(error.params)) for key, error in validated.errors.items()
    }
    official = submission.official or submission.target.official
    if submission.official is not None and submission.official.id not in {
        other.id for other in submission.target.officials
    }:
        errors["official"] = ("unknown_official", {})
    dossier = normalise_dossier_code(submission.dossier_code)
    if dossier is not None and len(dossier) > DOSSIER_CODE_MAX_LENGTH:
        errors["dossier_code"] = ("too_long", {"maximum": DOSSIER_CODE_MAX_LENGTH})
    if errors:
        raise SubmissionRejected(errors)
    hashed_dossier = dossier_hash(dossier, dossier_key()) if dossier else None
    answer_rows = [answer._asdict() for answer in validated.answers]
    values = {answer.item_key: answer.value for answer in validated.answers}
    answers = {a.item_key: [a.value, a.text, a.is_not_applicable] for a in validated.answers}
    body = {
        "answers": answers,
        "version": submission.version.id,
        "code": submission.target.public_code,
        "official": official.id if official else None,
        "dossier": hashed_dossier,
        "language": submission.language,
        "channel": submission.channel.value,
    }
    row = {
        "uuid": submission.uuid,
        "body_hash": canonical_body_hash(body),
        "questionnaire_version_id": submission.version.id,
        "channel": submission.channel,
        "agency_id": submission.target.agency.id,
        "service_point_id": submission.target.service_point.id
        if submission.target.service_point
        else None,
        "official_id": official.id if official else None,
        "dossier_hash": hashed_dossier,
        "respondent_type": _respondent_type(values.get(RESPONDENT_TYPE_ITEM)),
        "language": submission.language,
        "submitted_dt": submission.submitted_dt or utcnow(),
        "kiosk_device_id": submission.kiosk_device_id,
    }
    with write_session() as session:
        if hashed_dossier and definition.one_rating_per_dossier:
            _refuse_second_rating(session, submission, hashed_dossier)
        if _is_burst(submission, official, answers):
            row |= {"is_flagged": True, "flag_reason": "burst"}
        stored = store_responses(session, [row], {submission.uuid: answer_rows})[submission.uuid]
        if stored.created and submission.callback_phone:
            retention = timedelta(days=get_setting("CONTACT_RETENTION_DAYS"))
            session.add(
                CallbackRequest(
                    response_id=stored.id,
                    phone=submission.callback_phone,
                    delete_after_dt=utcnow() + retention,
                )
            )
        if stored.created:
            for hook in RESPONSE_STORED_HOOKS:
                receipt = hook(session, submission, definition, answer_rows, stored.id)
                stored = replace(stored, receipt=receipt or stored.receipt)
        return stored


def _respondent_type(value: int | None) -> RespondentType | None:
    if value is None:
        return None
    return {1: RespondentType.CITIZEN, 2: RespondentType.ORGANISATION}.get(value)


def _refuse_second_rating(session: Session, submission: Submission, hashed_dossier: str) -> None:
    """One rating per dossier: a second rating (another uuid) of the same dossier is refused."""
    earlier = session.scalar(
        select(Response.uuid)
        .join(QuestionnaireVersion)
        .where(
            Response.dossier_hash == hashed_dossier,
            QuestionnaireVersion.questionnaire_id == submission.version.questionnaire_id,
        )
        .limit(1)
    )
    if earlier is not None and earlier != submission.uuid:
        raise SubmissionRejected({"dossier_code": ("dossier_already_rated", {})})


def _is_burst(
    submission: Submission, official: Official | OfficialInfo | None, answers: Mapping
) -> bool:
    """True when the same source sent the same choices for the same person or desk too often,
    or one address sent too many ratings of this code whatever they say (``ADDRESS_BURST_LIMIT``:
    a changed comment, browser or cookie makes no difference).

    Counted in the rate-limit storage (shared by every thread of the single-host server, or
    through Redis by every process and host); such responses are kept and flagged for review.
    Keys carry the limiter's prefix: platforms sharing one Redis never count each other's
    officials (their ids overlap).
    """
    subject = f"official:{official.id}" if official else f"code:{submission.target.public_code}"
    # The choices only: free text (a comment) changes nothing.
    choices = sorted((key, value[0], value[2]) for key, value in answers.items())
    fingerprint = hashlib.sha256(repr(choices).encode()).hexdigest()[:16]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    counts = [(current_app.config["BURST_LIMIT"], f"{subject}/{submission.source}/{fingerprint}")]
    if submission.address is not None:
        code = submission.target.public_code
        counts.append(
            (current_app.config["ADDRESS_BURST_LIMIT"], f"address/{code}/{submission.address}")
        )
    # Every count is hit, so each sees every rating.
    within = [
        limiter.limiter.hit(parse_limit(limit), f"{prefix}/burst/{key}") for limit, key in counts
    ]
    return not all(within)
