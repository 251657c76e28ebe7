"""The report filter: a GET form (no state changes, so no CSRF token), validated field by field.

Every field arrives as text and is parsed here with a translated message, so a bad value
(an absurd date, a letter where an id belongs, an unknown channel) gives the officer a
400 page that says what is wrong, never a 500. Ids that parse but name nothing the officer
may see (an unknown agency, another subtree's desk) are answered with 404 by
:meth:`ReportFilterForm.resolve`, the same page whether the thing exists or not.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import BooleanField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice

from survey.choices import options, values_of
from survey.collect.models import Channel, RespondentType
from survey.db import reports_session
from survey.forms import Form
from survey.org.models import Agency, Official, Procedure, ServicePoint
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.results.filters import Dimension, Period
from survey.results.report import (
    CHANNEL_LABELS,
    RESPONDENT_TYPE_LABELS,
    ReportRequest,
)
from survey.results.versions import questionnaire_labels

#: Reports cover these years; anything else is a typing mistake.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^\d{1,9}$")
#: Longest text accepted in any filter field (a procedure field name is at most 200).
_LONGEST_VALUE = 200


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month + 2) // 3}"


def parse_day(text: str) -> date:
    """A day written 2026-11-26 (what a date input sends) or 26/11/2026; ValueError otherwise."""
    text = text.strip()
    if _ISO_DAY.match(text):
        day = date.fromisoformat(text)
    else:
        parts = text.split("/")
        if len(parts) != 3 or not all(part.isdigit() for part in parts):
            raise ValueError(text)
        day = date(int(parts[2]), int(parts[1]), int(parts[0]))
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(text)
    return day


def _text_choice(label, choices=()):
    """A select whose value is checked by the form's ``validate_<name>``, with our message."""
    return SelectField(label, choices=options(choices), validate_choice=False, default="")


#: How a period may be written (:meth:`survey.results.filters.Period.parse`): the form's
#: hint, and with :data:`PERIOD_ERROR` what the form and the ``report`` command answer.
PERIOD_EXAMPLES = _l(
    "A quarter (Quý 3/2026, quý III/2026, Q3/2026 or 2026-Q3), a month (tháng 7/2026, "
    "07/2026 or 2026-07) or a year (năm 2026 or 2026)."
)
PERIOD_ERROR = _l(
    "Write the period as a quarter (Quý 3/2026, quý III/2026, Q3/2026 or 2026-Q3), a month "
    "(tháng 7/2026, 07/2026 or 2026-07) or a year (năm 2026 or 2026)."
)


class ReportFilterForm(Form):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    #: Its choices are the questionnaires in the database (see :meth:`offer_choices`).
    questionnaire = SelectField(_l("Questionnaire"), validate_choice=False, default="sipas")
    period = StringField(_l("Period"), description=PERIOD_EXAMPLES)
    first_day = StringField(_l("Or from (day)"))
    last_day = StringField(_l("to (day, included)"))
    agency = _text_choice(_l("Agency"))
    as_of = StringField(
        _l("Organisation chart of (day)"),
        description=_l("The agency's units as they were on this day; empty: today."),
    )
    merged = SelectField(
        _l("Units merged into them"),
        choices=options(
            [
                ("rolled_up", _l("Roll up their history into today's units")),
                ("apart", _l("Keep them apart (leave them out)")),
            ]
        ),
        validate_choice=False,
        default="rolled_up",
    )
    service_point = _text_choice(_l("Desk"))
    official = _text_choice(_l("Official"))
    procedure_field = _text_choice(_l("Procedure field"))
    channel = _text_choice(_l("Channel"), [("", _l("All channels")), *CHANNEL_LABELS.items()])
    respondent_type = _text_choice(
        _l("Respondents"), [("", _l("All respondents")), *RESPONDENT_TYPE_LABELS.items()]
    )
    version = _text_choice(_l("Questionnaire version"))
    include_flagged = BooleanField(_l("Include responses flagged for review"))
    trend_by = SelectField(
        _l("Trend by"),
        choices=options([("month", _l("Month")), ("quarter", _l("Quarter"))]),
        validate_choice=False,
        default="month",
    )

    def __init__(self, formdata, today: date, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.today = today
        if not self.period.data and not self.first_day.data and not self.last_day.data:
            self.period.data = current_quarter(today)

    def offers_picker(self, field) -> bool:
        """Whether the list is long enough for a type-to-search box (with JavaScript)."""
        return isinstance(field, SelectField) and len(field.choices or ()) > PICKER_THRESHOLD

    # ---- field checks (each adds a translated message to its field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and len(field.data) > _LONGEST_VALUE:
                field.data = field.data[:_LONGEST_VALUE]
                field.errors = [_l("This value is far too long.")]
                valid = False
        return valid

    def validate_questionnaire(self, field):
        if field.data not in values_of(field.choices):
            raise ValidationError(_l("Choose one of the questionnaires in the list."))

    def validate_period(self, field):
        if self.first_day.data or self.last_day.data:
            return
        try:
            period = Period.parse(field.data or "")
        except ValueError:
            raise ValidationError(PERIOD_ERROR) from None
        if not FIRST_YEAR <= period.start.year <= LAST_YEAR:
            raise ValidationError(
                _l(
                    "Choose a year between %(first)d and %(last)d.",
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )

    def _day(self, field) -> date | None:
        if not field.data:
            return None
        try:
            return parse_day(field.data)
        except ValueError:
            raise ValidationError(
                _l(
                    "Write a real day between %(first)d and %(last)d, e.g. 26/11/2026.",
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            ) from None

    def validate_first_day(self, field):
        self._day(field)
        if field.data and not self.last_day.data:
            raise ValidationError(_l("Give the last day of the period too."))

    def validate_last_day(self, field):
        last = self._day(field)
        if last is None:
            return
        if not self.first_day.data:
            raise ValidationError(_l("Give the first day of the period too."))
        try:
            first = parse_day(self.first_day.data)
        except ValueError:
            return  # reported on the first day
        if last < first:
            raise ValidationError(_l("The last day comes before the first day."))
        if first.day != 1 or (last + timedelta(days=1)).day != 1 or first.year != last.year:
            # a few days' figures, or two spans a day apart, would give one person's
            # answers away; months of one year are decided with that year's (issue 21)
            raise ValidationError(
                _l(
                    "A custom period runs over whole months of one year: from the first day "
                    "of a month to the last day of a month, e.g. 01/10/2026 to 30/11/2026. "
                    "Figures over a few days could give one person's answers away."
                )
            )

    def validate_as_of(self, field):
        self._day(field)

    def validate_merged(self, field):
        if field.data not in ("rolled_up", "apart"):
            raise ValidationError(_l("Choose one of the options in the list."))

    def validate_trend_by(self, field):
        if field.data not in ("month", "quarter"):
            raise ValidationError(_l("Choose one of the options in the list."))

    def _check_id(self, field):
        if field.data and not _ID.match(field.data):
            raise ValidationError(_l("Choose one of the options in the list."))

    validate_agency = validate_service_point = validate_official = validate_version = _check_id

    def validate_channel(self, field):
        if field.data and field.data not in {channel.value for channel in Channel}:
            raise ValidationError(_l("Choose one of the channels in the list."))

    def validate_respondent_type(self, field):
        if field.data and field.data not in {kind.value for kind in RespondentType}:
            raise ValidationError(_l("Choose one of the options in the list."))

    def validate_procedure_field(self, field):
        if field.data and field.data not in procedure_fields(reports_session()):
            raise ValidationError(_l("There is no such procedure field."))

    def query(self) -> dict[str, str]:
        """The filters as given, for links to the other pages and to the downloads."""
        return {
            field.name: field.raw_data[0]
            for field in self
            if field.raw_data and field.raw_data[0] and len(field.raw_data[0]) <= _LONGEST_VALUE
        }

    # ---- after validation

    def chosen_period(self) -> Period:
        if self.first_day.data:
            return Period.custom(parse_day(self.first_day.data), parse_day(self.last_day.data))
        return Period.parse(self.period.data)

    def resolve(self, session: Session, visible: set[int] | None) -> ReportRequest:
        """The validated choices as a :class:`ReportRequest`; 404 for what the officer
        may not see (or what does not exist: the same answer)."""

        def load(model, value):
            if not value:
                return None
            found = session.get(model, int(value))
            if found is None:
                abort(404)
            return found

        agency = load(Agency, self.agency.data)
        service_point = load(ServicePoint, self.service_point.data)
        official = load(Official, self.official.data)
        for item in (agency, service_point, official):
            agency_id = item.id if isinstance(item, Agency) else getattr(item, "agency_id", None)
            if agency_id is not None and visible is not None and agency_id not in visible:
                abort(404)
        version = load(QuestionnaireVersion, self.version.data)
        if version is not None and version.questionnaire.key != self.questionnaire.data:
            abort(404)
        return ReportRequest(
            period=self.chosen_period(),
            questionnaire_key=self.questionnaire.data,
            agency=agency,
            as_of=parse_day(self.as_of.data) if self.as_of.data else None,
            include_merged=self.merged.data != "apart",
            service_point=service_point,
            official=official,
            procedure_field=self.procedure_field.data or None,
            channel=Channel(self.channel.data) if self.channel.data else None,
            respondent_type=(
                RespondentType(self.respondent_type.data) if self.respondent_type.data else None
            ),
            version=version,
            include_flagged=bool(self.include_flagged.data),
            trend_by=Dimension(self.trend_by.data),
        )

    def offer_choices(self, session: Session, visible: set[int] | None, language: str) -> None:
        """Fill the lists of questionnaires, and of the agencies, desks, officials, fields and
        versions the officer sees."""
        self.questionnaire.choices = options(questionnaire_labels(session, language).items())
        everything = [("", _l("All"))]
        self.agency.choices = options(
            [("", _l("All agencies you see"))]
            + [
                (str(agency.id), agency.localized_name(language))
                for agency in _within(session, Agency, Agency.id, visible)
            ]
        )
        self.service_point.choices = [
            *options(everything),
            *_by_agency(session, ServicePoint, visible, language),
        ]
        self.official.choices = [
            *options(everything),
            *_by_agency(session, Official, visible, language),
        ]
        self.procedure_field.choices = options(
            everything + [(name, name) for name in procedure_fields(session)]
        )
        versions = session.scalars(
            select(QuestionnaireVersion)
            .join(Questionnaire)
            .where(Questionnaire.key == self.questionnaire.data)
            .order_by(QuestionnaireVersion.version_number)
        )
        self.version.choices = options(
            [("", _l("Every version"))]
            + [(str(version.id), str(version.version_number)) for version in versions]
        )


#: Above this many options a select gets a type-to-search box (``static/js/results-picker.js``).
PICKER_THRESHOLD = 30

#: The longest list offered in a select (a province has thousands of officials: choose an
#: agency first to narrow it).
LONGEST_LIST = 400


def _within(session, model, agency_column, visible):
    statement = select(model).order_by(model.name).limit(LONGEST_LIST)
    if visible is not None:
        statement = statement.where(agency_column.in_(sorted(visible)))
    return session.scalars(statement)


def _by_agency(session, model, visible, language) -> list[SelectChoice]:
    """Desks or officials grouped by agency (an ``<optgroup>`` each), every label naming its
    agency too: a province has a "Quầy số 1" in each of its agencies."""
    statement = (
        select(model, Agency)
        .join(Agency, model.agency_id == Agency.id)
        .order_by(Agency.name, model.name, model.id)
        .limit(LONGEST_LIST)
    )
    if visible is not None:
        statement = statement.where(model.agency_id.in_(sorted(visible)))
    choices = []
    for item, agency in session.execute(statement):
        agency_name = agency.localized_name(language)
        label = f"{item.name} – {agency_name}"
        choices.append(SelectChoice(str(item.id), label, optgroup=agency_name))
    return choices


def procedure_fields(session: Session) -> list[str]:
    return list(session.scalars(select(Procedure.field).distinct().order_by(Procedure.field)))
