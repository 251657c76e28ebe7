"""Forms for signing in, signing out and changing a password (all with CSRF protection)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from survey.accounts.models import MINIMUM_PASSWORD_LENGTH
from survey.accounts.rules import is_guessable_password
from survey.forms import Form

#: Longer passwords are refused before hashing: nobody types more, and hashing costs memory.
MAXIMUM_PASSWORD_LENGTH = 256


def _not_guessable(_form, field) -> None:
    if field.data and is_guessable_password(field.data):
        raise ValidationError(GUESSABLE_PASSWORD)


GUESSABLE_PASSWORD = _l(
    "This password is among those attackers try first (it is on lists of leaked passwords, "
    "or repeats or counts characters). Please choose another: a few unrelated words work well."
)

#: The rules of a new password, wherever one is set (by its owner or an administrator).
NEW_PASSWORD_RULES = (
    Length(
        min=MINIMUM_PASSWORD_LENGTH,
        message=_l(
            "The new password must have at least %(count)s characters.",
            count=MINIMUM_PASSWORD_LENGTH,
        ),
    ),
    Length(max=MAXIMUM_PASSWORD_LENGTH, message=_l("This password is too long.")),
    _not_guessable,
)


class SignInForm(Form):
    # No format check: a malformed address simply matches no account, like an unknown one.
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=MAXIMUM_PASSWORD_LENGTH, message=_l("This password is too long.")),
        ],
    )

    def normalized_email(self) -> str:
        return self.email.data.strip().lower()


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(message=_l("Enter your current password.")),
            Length(max=MAXIMUM_PASSWORD_LENGTH, message=_l("This password is too long.")),
        ],
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l(
            "At least %(count)s characters. A few unrelated words make a strong password.",
            count=MINIMUM_PASSWORD_LENGTH,
        ),
        validators=[
            DataRequired(message=_l("Enter a new password.")),
            *NEW_PASSWORD_RULES,
        ],
    )
    new_password_again = PasswordField(
        _l("New password, again"),
        validators=[
            DataRequired(message=_l("Enter the new password a second time.")),
            EqualTo("new_password", message=_l("The two new passwords are not the same.")),
        ],
    )

    def __init__(self, email: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_new_password(self, field) -> None:
        if field.data.strip().lower() == self._email.lower():
            raise ValidationError(_l("The new password must not be your e-mail address."))
