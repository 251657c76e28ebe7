"""The fixed fields of the citizen form; the answers themselves are checked by the definition."""

from typing import NamedTuple
from urllib.parse import unquote_to_bytes

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import UUID, InputRequired, Length, Optional, Regexp, ValidationError

from survey.forms import Form

#: Prefix of answer fields in the HTML form ("a-overall_satisfaction").
ANSWER_PREFIX = "a-"
PHONE_PATTERN = r"^\+?[0-9][0-9 .-]{7,18}[0-9]$"


class CallbackFields(Form):
    """A phone number with its explicit consent, and the honeypot: the fields the rating
    form and the standalone feedback form (:mod:`survey.feedback.public`) share."""

    class Meta:
        # A kiosk or a slow citizen may keep the form open for hours: the token never expires
        # by itself, and a refused token re-shows the form with every answer kept.
        csrf_time_limit = None

    #: Unticked by default: the consent must be explicit (Law 91/2025/QH15). The template
    #: shows the full wording, with the purpose and the retention period.
    callback_consent = BooleanField(_l("Call me back about this rating"))
    callback_phone = StringField(
        _l("Phone number for a call-back"),
        validators=[
            Optional(),
            Regexp(PHONE_PATTERN, message=_l("Enter a phone number, e.g. 0912 345 678.")),
        ],
    )
    #: Hidden from people by CSS; bots fill it in.
    website = StringField(_l("Leave this field empty"))

    def validate_dossier_code(self, field):
        if field.data and any(ord(c) < 32 or ord(c) == 127 for c in field.data):
            raise ValidationError(
                _l(
                    "The dossier code contains a character that is not on a receipt. "
                    "Please type it again as printed."
                )
            )

    def validate_callback_phone(self, field):
        if field.data and not self.callback_consent.data:
            raise ValidationError(_l("Tick the box above if you want to be called back."))

    def validate_callback_consent(self, field):
        if field.data and not self.callback_phone.data:
            raise ValidationError(_l("Enter the number to call you back on."))


class CitizenForm(CallbackFields):
    #: Generated when the form is shown: a refresh, a double tap or the back button resend
    #: the same identifier, and the response is stored once.
    submission_id = HiddenField(validators=[InputRequired(), UUID()])
    dossier_code = StringField(
        _l("Dossier code (on your receipt), if you have one"),
        validators=[Optional(), Length(max=60)],
    )


class ErrorLink(NamedTuple):
    """One line of the error summary at the top of a refused form."""

    #: The id of the field to go to (None: a problem of the whole form).
    anchor: str | None
    #: The question or field's label ("" for the whole form).
    label: str
    message: str


def submitted_answers(form_data) -> dict[str, list[str]]:
    """The answer fields of a posted form, item key → submitted values (repeats kept)."""
    return {
        key[len(ANSWER_PREFIX) :]: values
        for key, values in form_data.to_dict(flat=False).items()
        if key.startswith(ANSWER_PREFIX)
    }


def is_utf8_form(body: bytes) -> bool:
    """True when every name and value of a URL-encoded body is UTF-8 text (Werkzeug keeps an
    undecodable value as its literal escapes, "%FF", and would store that)."""
    try:
        for pair in body.split(b"&"):
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
