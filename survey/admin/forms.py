"""The forms of the administration pages, and the fields they share.

Field factories (:func:`record_text`, :func:`short_text`, :func:`agency_code`,
:func:`code_field`, :func:`period`, :func:`id_choice`) carry the rules each kind of field
follows everywhere: a text that CSV exports carry is stripped and never a spreadsheet
formula; a code follows its pattern; a period ends after it begins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from limits import parse as parse_limit
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import DateInput

from survey.accounts.access import ROLE_LABELS
from survey.accounts.forms import NEW_PASSWORD_RULES
from survey.accounts.models import Role
from survey.accounts.rules import (
    MINIMUM_PASSWORD_LENGTH,
    email_is_taken,
    is_email_address,
    needs_agency,
    normalized_email,
)
from survey.admin.imports import MAXIMUM_FILE_BYTES, parse_date
from survey.admin.lookup import agency_by_code
from survey.choices import options, values_of
from survey.db import db
from survey.forms import Form
from survey.org.models import Agency, Procedure, SuccessionKind
from survey.org.reorganise import AGENCY_CODE_PATTERN, looks_like_formula
from survey.settings import EDITABLE_SETTINGS, SettingSpec
from survey.vietnam_calendar import CalendarDay

#: National procedure codes look like "1.001612"; the same rule as agency codes suits them.
PROCEDURE_CODE_PATTERN = AGENCY_CODE_PATTERN

AGENCY_CODE_MESSAGE = _l(
    "A code has 1 to 40 letters, digits, dots, dashes or underscores, "
    "starting with a letter or digit."
)


# --------------------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------------------


def no_formula(form, field) -> None:
    """Refuse text that a spreadsheet would run as a formula when the data is exported."""
    if isinstance(field.data, str) and looks_like_formula(field.data.strip()):
        raise ValidationError(_("This text must not start with =, +, -, @ or a tab."))


def stripped(value):
    return value.strip() if isinstance(value, str) else value


def record_text(label, length: int, *, required=None, description="") -> StringField:
    """A text of a record that CSV exports carry: stripped, at most ``length`` characters,
    never a formula; ``required`` is the message when it is empty (None: optional)."""
    presence = [DataRequired(message=required)] if required is not None else []
    return StringField(
        label,
        description=description,
        filters=[stripped],
        validators=[
            *presence,
            Length(max=length, message=_l("At most %(max)d characters.")),
            no_formula,
        ],
    )


def short_text(label, length: int, *, required=None, description="", check=None) -> StringField:
    """A short text typed to find or name something; ``required`` as for :func:`record_text`,
    ``check`` a further validator."""
    validators = [
        DataRequired(message=required) if required is not None else Optional(),
        Length(max=length, message=_l("At most %(count)s characters.", count=length)),
    ]
    if check is not None:
        validators.append(check)
    return StringField(label, description=description, validators=validators)


def _agency_exists(form, field) -> None:
    if agency_by_code(db.session(), field.data) is None:
        raise ValidationError(_l("No agency has this code."))


def agency_code(description, *, required=None) -> StringField:
    """The code of an existing agency, typed or found with the search box below the form;
    ``required`` as for :func:`record_text`."""
    return short_text(
        _l("Agency code"), 40, required=required, description=description, check=_agency_exists
    )


def code_field(
    label, message, *, pattern=AGENCY_CODE_PATTERN, required=True, description=""
) -> StringField:
    """A record's code, following ``pattern``; ``message`` explains the rule."""
    presence = DataRequired(message=_l("Enter a code.")) if required else Optional()
    return StringField(
        label,
        description=description,
        filters=[stripped],
        validators=[presence, Regexp(pattern, message=message)],
    )


def id_choice(label, presence) -> SelectField:
    """A record chosen by its id among the choices the page sets (the view checks the one
    chosen: the choices depend on the request)."""
    return SelectField(label, coerce=int, validate_choice=False, validators=[presence])


class DayField(StringField):
    """A date typed as 2025-07-01 (the browser's date picker) or 01/07/2025; empty is None."""

    widget = DateInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        try:
            self.data = parse_date(text)
        except ValueError:
            raise ValueError(_("Enter a date as dd/mm/yyyy, for example 01/07/2025.")) from None


def period(labels: tuple, message, *, description="") -> tuple[DayField, DayField]:
    """A period's two optional days, ``<x>_from`` and ``<x>_to`` (the first day it no
    longer holds, ``description``), labelled ``labels``; ``message`` when the second is not
    after the first."""

    def after_first(form, field) -> None:
        first = form[field.name.removesuffix("_to") + "_from"].data
        if field.data and first and field.data <= first:
            raise ValidationError(message)

    return (
        DayField(labels[0], validators=[Optional()]),
        DayField(labels[1], description=description, validators=[Optional(), after_first]),
    )


class AgencyCodeField(StringField):
    """An agency chosen by its code (found with the search box); ``agency`` after validation.

    Typed, not a drop-down: a province has hundreds of units.
    """

    agency: Agency | None = None

    def __init__(self, *args, must_exist_message=None, **kwargs):
        kwargs.setdefault("filters", [stripped])
        kwargs.setdefault(
            "render_kw", {"data-agency-search": "", "autocomplete": "off", "spellcheck": "false"}
        )
        super().__init__(*args, **kwargs)
        self.must_exist_message = must_exist_message or _l("No unit has this code.")

    def pre_validate(self, form):
        self.agency = agency_by_code(db.session(), self.data)
        if self.data and self.agency is None:
            raise ValidationError(self.must_exist_message)


class TokenForm(Form):
    """A button that changes something (publish, revoke, replace, remove): only the
    security token."""


class ActiveForm(Form):
    """Deactivate (``active`` = "0") or reactivate ("1") a desk, an official or an account."""

    active = HiddenField(validators=[DataRequired()])

    def validate_active(self, field):
        if field.data not in ("0", "1"):
            raise ValidationError(_("Choose to activate or deactivate."))


# --------------------------------------------------------------------------------------
# The organisation: agencies, desks, officials, procedures
# --------------------------------------------------------------------------------------


class _CodedForm(Form):
    """The form of a record known by a unique code; ``record`` is the one edited (None: new)."""

    model: Any = None

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, obj=record, **kwargs)
        self.record = record

    def validate_code(self, field):
        found = db.session.scalar(select(self.model.id).where(self.model.code == field.data))
        if found is not None and (self.record is None or found != self.record.id):
            raise ValidationError(_("The code %(code)s is already used.", code=field.data))


class AgencyForm(_CodedForm):
    model = Agency

    code = code_field(
        _l("Code"),
        AGENCY_CODE_MESSAGE,
        description=_l("Letters, digits, dot, dash or underscore; kept when the unit is renamed."),
    )
    name = record_text(_l("Name in Vietnamese"), 200, required=_l("Enter the official name."))
    name_en = record_text(_l("Name in English"), 200)
    name_km = record_text(_l("Name in Khmer"), 200)
    khmer_posters = BooleanField(
        _l("The unit serves Khmer speakers: its QR posters also invite them in Khmer")
    )
    kind = record_text(
        _l("Kind of unit"),
        100,
        required=_l("Enter the kind of unit."),
        description=_l('For example "UBND phường" or "Bộ phận Một cửa".'),
    )
    parent_code = AgencyCodeField(
        _l("Code of the parent unit"),
        description=_l("Type part of a name or code to search. Empty: a top-level unit."),
        validators=[Optional()],
        must_exist_message=_l("No unit has this code: search for the parent and use its code."),
    )
    valid_from, valid_to = period(
        (_l("Exists from"), _l("Closed from")),
        _l("The closing date must be after the opening date."),
        description=_l("The first day the unit no longer exists. Empty: still open."),
    )

    def values(self) -> dict:
        return {
            "code": self.code.data,
            "name": self.name.data,
            "name_en": self.name_en.data or None,
            "name_km": self.name_km.data or None,
            "khmer_posters": self.khmer_posters.data,
            "kind": self.kind.data,
            "valid_from": self.valid_from.data,
            "valid_to": self.valid_to.data,
        }


class CloseForm(Form):
    day = DayField(
        _l("Closed from"),
        description=_l("The first day the unit no longer exists and takes no ratings."),
        validators=[DataRequired(message=_l("Enter the date."))],
    )


def _code_list(text: str | None) -> list[str]:
    return [code for code in (text or "").replace(",", " ").split() if code]


class ReorganisationForm(Form):
    kind = RadioField(
        _l("What happened"),
        choices=options(
            [
                (SuccessionKind.MERGER.value, _l("Merger: several units became one")),
                (SuccessionKind.SPLIT.value, _l("Split: one unit became several")),
            ]
        ),
        validators=[DataRequired(message=_l("Choose a merger or a split."))],
    )
    predecessor_codes = TextAreaField(
        _l("Codes of the units before the change"),
        description=_l("Separated by spaces or commas. They stop taking ratings on the date."),
        render_kw={"rows": 2, "data-agency-search": "", "spellcheck": "false"},
        validators=[DataRequired(message=_l("Enter at least one code."))],
    )
    successor_codes = TextAreaField(
        _l("Codes of the units after the change"),
        description=_l(
            "Existing units. For a merger into a new unit, leave empty and fill in "
            "the new unit below."
        ),
        render_kw={"rows": 2, "data-agency-search": "", "spellcheck": "false"},
    )
    effective_date = DayField(
        _l("Date of the change"),
        description=_l("The first day of the new organisation."),
        validators=[DataRequired(message=_l("Enter the date."))],
    )
    new_code = code_field(_l("New unit: code"), AGENCY_CODE_MESSAGE, required=False)
    new_name = record_text(_l("New unit: name in Vietnamese"), 200)
    new_kind = record_text(_l("New unit: kind"), 100)
    new_parent_code = AgencyCodeField(
        _l("New unit: code of its parent"),
        validators=[Optional()],
    )

    def predecessors(self) -> list[str]:
        return _code_list(self.predecessor_codes.data)

    def successors(self) -> list[str]:
        return _code_list(self.successor_codes.data)

    def validate_predecessor_codes(self, field):
        _check_codes_exist(self.predecessors())

    def validate_successor_codes(self, field):
        codes = self.successors()
        _check_codes_exist(codes)
        if not codes and not self.new_code.data:
            raise ValidationError(
                _("Enter the codes of the units after the change, or a new unit.")
            )
        if codes and self.new_code.data:
            raise ValidationError(_("Either existing units or a new unit, not both."))

    def validate_new_code(self, field):
        if field.data and agency_by_code(db.session(), field.data) is not None:
            raise ValidationError(_("The code %(code)s is already used.", code=field.data))

    def validate_new_name(self, field):
        if self.new_code.data and not field.data:
            raise ValidationError(_("Enter the name of the new unit."))

    def validate_new_kind(self, field):
        if self.new_code.data and not field.data:
            raise ValidationError(_("Enter the kind of the new unit."))


def _check_codes_exist(codes: list[str]) -> None:
    if len(codes) > 50:
        raise ValidationError(_("At most 50 units at once."))
    if len(set(codes)) != len(codes):
        raise ValidationError(_("A code is repeated."))
    found = set(db.session.scalars(select(Agency.code).where(Agency.code.in_(codes))))
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError(_("No unit has these codes: %(codes)s.", codes=", ".join(unknown)))


class ServicePointForm(Form):
    agency_code = AgencyCodeField(
        _l("Code of the unit"),
        validators=[DataRequired(message=_l("Enter the code of the unit the desk belongs to."))],
    )
    name = record_text(
        _l("Name in Vietnamese"),
        200,
        required=_l("Enter the name of the desk."),
        description=_l('As on the sign, for example "Quầy số 3 – Hộ tịch".'),
    )
    name_en = record_text(_l("Name in English"), 200)


class AssignForm(Form):
    official_id = IntegerField(
        _l("Official"),
        validators=[DataRequired(message=_l("Choose an official."))],
    )
    remove = HiddenField()


class OfficialForm(Form):
    agency_code = AgencyCodeField(
        _l("Code of the unit"),
        validators=[DataRequired(message=_l("Enter the code of the official's unit."))],
    )
    name = record_text(_l("Full name"), 200, required=_l("Enter the official's full name."))
    title = record_text(
        _l("Job title"), 200, description=_l('As on the desk sign, for example "Chuyên viên".')
    )
    active_from, active_to = period(
        (_l("Serves from"), _l("Serves until (first day no longer)")),
        _l("The last day must be after the first day."),
        description=_l("Empty: still serving."),
    )


class PhotoForm(Form):
    photo = FileField(_l("Photo (JPEG, PNG or WebP, at most 2 MB)"))


class ProcedureForm(_CodedForm):
    model = Procedure

    code = code_field(
        _l("Code"),
        _l("A code has 1 to 40 letters, digits, dots, dashes or underscores."),
        pattern=PROCEDURE_CODE_PATTERN,
        description=_l('The national procedure code, for example "1.001612".'),
    )
    name = record_text(_l("Name"), 500, required=_l("Enter the name of the procedure."))
    field = record_text(
        _l("Field"),
        200,
        required=_l("Enter the field of the procedure."),
        description=_l('For example "Hộ tịch" or "Đất đai".'),
    )


class CsvImportForm(Form):
    file = FileField(_l("CSV file (UTF-8)"))
    #: The checked file, sent back with the confirmation (re-checked before writing).
    content = HiddenField()

    def raw(self) -> bytes | None:
        upload = self.file.data
        if upload and getattr(upload, "filename", ""):
            return upload.read(MAXIMUM_FILE_BYTES + 1)
        if self.content.data:
            return self.content.data.encode("utf-8")
        return None


# --------------------------------------------------------------------------------------
# Accounts, kiosks, the audit log
# --------------------------------------------------------------------------------------


class _ScopeFields(Form):
    role = SelectField(
        _l("Role"),
        choices=options((role.value, label) for role, label in ROLE_LABELS.items()),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a role."))],
    )
    agency = agency_code(
        _l(
            "The agency whose units the officer sees. Required for agency managers and viewers;"
            " search for it below."
        )
    )

    def validate_role(self, field) -> None:
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("Choose one of the roles."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        roles = {role.value for role in Role}
        if not self.agency.data and self.role.data in roles and needs_agency(Role(self.role.data)):
            self.agency.errors = [*self.agency.errors, _("This role needs an agency.")]
            valid = False
        return valid

    def chosen_agency(self) -> Agency | None:
        return agency_by_code(db.session(), self.agency.data)


def _password_field(label):
    return PasswordField(
        label,
        description=_l(
            "At least %(count)s characters. Give it to the officer in person; they should change it"
            " after signing in.",
            count=MINIMUM_PASSWORD_LENGTH,
        ),
        validators=[
            DataRequired(message=_l("Enter a temporary password.")),
            *NEW_PASSWORD_RULES,
        ],
    )


def _password_again_field():
    return PasswordField(
        _l("Temporary password, again"),
        validators=[
            DataRequired(message=_l("Enter the password a second time.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class NewUserForm(_ScopeFields):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=_l("Enter the officer's e-mail address."))],
    )
    password = _password_field(_l("Temporary password"))
    password_again = _password_again_field()

    def validate_email(self, field) -> None:
        email = normalized_email(field.data)
        if not is_email_address(email):
            raise ValidationError(_l("This is not an e-mail address."))
        if email_is_taken(db.session(), email):
            raise ValidationError(_l("An account with this e-mail address already exists."))

    def validate_password(self, field) -> None:
        if field.data.strip().lower() == normalized_email(self.email.data or ""):
            raise ValidationError(_l("The new password must not be the e-mail address."))


class ScopeForm(_ScopeFields):
    """Changing an account's role and agency; ``own`` when it is the administrator's own."""

    def __init__(self, *args, own: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.own = own

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.own and self.role.data != Role.ADMINISTRATOR.value:
            self.role.errors.append(_("You cannot take the administrator role from yourself."))
            valid = False
        return valid


class ResetPasswordForm(Form):
    """A new temporary password for the account of ``email``."""

    password = _password_field(_l("New temporary password"))
    password_again = _password_again_field()

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def validate_password(self, field) -> None:
        if field.data.strip().lower() == self.email:
            raise ValidationError(_("The new password must not be the e-mail address."))


class RegisterKioskForm(Form):
    service_point = id_choice(
        _l("Desk"), DataRequired(message=_l("Choose the desk the kiosk stands at."))
    )
    name = short_text(
        _l("Name of the tablet"),
        100,
        description=_l('To recognise it later, e.g. "Tablet beside desk 2".'),
    )


class AuditFilterForm(Form):
    """The filter of the audit log (a GET form: it changes nothing, so no security token)."""

    class Meta:
        csrf = False

    user = short_text(_l("User's e-mail address contains"), 254)
    action = short_text(
        _l("Action begins with"), 64, description=_l('For example "user." or "settings.changed".')
    )
    target = short_text(
        _l("Target contains"),
        200,
        description=_l('For example "user:12" or "questionnaire:sipas".'),
    )
    since = DateField(_l("From (day)"), validators=[Optional()], render_kw={"type": "date"})
    until = DateField(
        _l("Until (day, included)"), validators=[Optional()], render_kw={"type": "date"}
    )

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The last day comes before the first day."))


# --------------------------------------------------------------------------------------
# Questionnaires
# --------------------------------------------------------------------------------------


class _ChoosingForm(Form):
    """A form whose field ``chosen`` offers the (value, label) choices it is made with: they
    come from the database, read by the page."""

    chosen = ""

    def __init__(self, choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self[self.chosen].choices = options(choices)


class NewDraftForm(_ChoosingForm):
    """A new draft from a template or an earlier version."""

    chosen = "source"

    source = SelectField(
        _l("Start from"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a template or an earlier version."))],
    )

    def validate_source(self, field) -> None:
        if field.data not in values_of(self.source.choices):
            raise ValidationError(_l("Choose a template or an earlier version."))


class QuestionnaireImportForm(Form):
    file = FileField(_l("Questionnaire file (JSON)"))


class AssignmentForm(_ChoosingForm):
    """A published version for an agency's desks from a day."""

    chosen = "version"

    agency = agency_code(
        _l("Its units use the version too, unless they have their own."),
        required=_l("Enter the agency's code."),
    )
    version = id_choice(
        _l("Published version"), InputRequired(message=_l("Choose a published version."))
    )
    valid_from = StringField(
        _l("From (day)"),
        validators=[InputRequired(message=_l("Enter the first day, e.g. 2026-01-01."))],
        render_kw={"type": "date"},
    )

    def validate_version(self, field) -> None:
        if field.data not in values_of(self.version.choices):
            raise ValidationError(_l("Choose a published version."))

    def validate_valid_from(self, field) -> None:
        if self.first_day() is None:
            raise ValidationError(_l("Enter the first day, e.g. 2026-01-01."))

    def first_day(self) -> date | None:
        try:
            return date.fromisoformat(self.valid_from.data.strip())
        except (AttributeError, ValueError):
            return None


# --------------------------------------------------------------------------------------
# Settings: one field per editable setting, named after it
# --------------------------------------------------------------------------------------


def _whole_number(spec):
    def check(form, field) -> None:
        text = str(field.data)
        if not (text.isascii() and text.isdigit() and spec.minimum <= int(text) <= spec.maximum):
            raise ValidationError(
                _l(
                    "Enter a whole number from %(minimum)s to %(maximum)s.",
                    minimum=spec.minimum,
                    maximum=spec.maximum,
                )
            )

    return check


def _setting_field(spec):
    if spec.kind == "boolean":
        return BooleanField(spec.label, description=spec.description)
    if spec.kind == "integer":
        return StringField(
            spec.label,
            description=spec.description,
            validators=[InputRequired(message=_l("Enter a whole number.")), _whole_number(spec)],
            filters=[stripped],
        )
    if spec.kind == "choice":
        return SelectField(
            spec.label,
            description=spec.description,
            choices=options(spec.choices),
            validate_choice=False,
            validators=[
                AnyOf(
                    [name for name, _label in spec.choices],
                    message=_l("Choose one of the options in the list."),
                )
            ],
        )
    return FormField(RateLimitForm, spec.label, description=spec.description)


#: The periods a rate limit counts over, as ``limits`` names them.
RATE_PERIODS = (
    ("minute", _l("per minute")),
    ("hour", _l("per hour")),
    ("day", _l("per day")),
)


class RateLimitForm(Form):
    """A rate limit as a number and a period ("20" and "per hour"), not typed as text."""

    class Meta:
        csrf = False  # part of the settings form, which has the token

    count = StringField(
        _l("Number"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            _whole_number(SettingSpec("count", "", "", "integer", minimum=1, maximum=100_000)),
        ],
        filters=[stripped],
    )
    period = SelectField(
        _l("Counted over"),
        choices=options(RATE_PERIODS),
        validate_choice=False,
        validators=[
            AnyOf(
                [name for name, _label in RATE_PERIODS],
                message=_l("Choose one of the options in the list."),
            )
        ],
    )

    def limit(self) -> str:
        return f"{int(self.count.data)} per {self.period.data}"


def rate_limit_data(value: str) -> dict:
    """A stored limit ("20 per hour") as the two fields show it."""
    item = parse_limit(value)
    periods = dict(RATE_PERIODS)
    name = item.GRANULARITY.name
    if item.multiples != 1 or name not in periods:  # e.g. "5 per 10 minutes": per day instead
        return {"count": str(item.amount * 86_400 // item.get_expiry()), "period": "day"}
    return {"count": str(item.amount), "period": name}


class _SettingsFields(Form):
    def values(self) -> dict:
        """The typed value of every setting."""
        convert: dict[str, Callable[[Any], Any]] = {
            "integer": lambda field: int(field.data),
            "boolean": lambda field: bool(field.data),
            "rate_limit": lambda field: field.form.limit(),
            "choice": lambda field: field.data,
        }
        return {spec.name: convert[spec.kind](self[spec.name]) for spec in EDITABLE_SETTINGS}

    @classmethod
    def showing(cls, values: dict[str, Any]):
        """The form filled with the current ``values`` (setting name → typed value)."""
        data = {
            spec.name: rate_limit_data(values[spec.name])
            if spec.kind == "rate_limit"
            else values[spec.name]
            for spec in EDITABLE_SETTINGS
        }
        return cls(data=data)


SettingsForm = type(
    "SettingsForm",
    (_SettingsFields,),
    {spec.name: _setting_field(spec) for spec in EDITABLE_SETTINGS},
)


# --------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------


class CalendarDayForm(Form):
    """A day the administrator adds to Vietnam's calendar; ``record`` is the one edited."""

    day = DayField(_l("Day"), validators=[InputRequired(message=_l("Enter the day."))])
    is_working_day = RadioField(
        _l("What the day is"),
        choices=options(
            [
                ("0", _l("A day off (an extra holiday or a bridging day off)")),
                ("1", _l("A working day (a Saturday worked in exchange)")),
            ]
        ),
        validators=[InputRequired(message=_l("Choose what the day is."))],
    )
    note = record_text(
        _l("Note"),
        200,
        required=_l("Say where the change comes from."),
        description=_l('For example "Quyết định của Thủ tướng: nghỉ bù Quốc khánh".'),
    )

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, obj=record, **kwargs)
        self.record = record
        if record is not None and not self.is_submitted():
            self.is_working_day.data = "1" if record.is_working_day else "0"

    def validate_day(self, field):
        found = db.session.scalar(select(CalendarDay.id).where(CalendarDay.day == field.data))
        if found is not None and (self.record is None or found != self.record.id):
            raise ValidationError(_("This day is already in the list: edit it there."))
