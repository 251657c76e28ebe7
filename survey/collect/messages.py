"""What a citizen reads when an answer is refused, in their language."""

from flask_babel import gettext as _

_MESSAGES = {
    "required": lambda params: _("Please answer this question."),
    "not_a_level": lambda params: _("Please choose one of the answers shown."),
    "not_applicable_not_allowed": lambda params: _("Please choose one of the answers shown."),
    "repeated_field": lambda params: _("Please choose only one answer."),
    "unknown_item": lambda params: _("This question is not part of the form."),
    "not_text": lambda params: _("Please write your answer as text."),
    "too_long": lambda params: _(
        "Please shorten this to at most %(maximum)s characters.", maximum=params.get("maximum")
    ),
    "too_many_fields": lambda params: _("The form was sent with too many fields."),
    "no_rating": lambda params: _(
        "Please rate the service in at least one question before sending the form."
    ),
    "unknown_official": lambda params: _("Please choose one of the officials shown."),
    "dossier_already_rated": lambda params: _(
        "This dossier has already been rated. Thank you: each dossier is rated once."
    ),
}


def error_message(code: str, params=None) -> str:
    """The translated message for an error code of the submission checks."""
    return _MESSAGES.get(code, _MESSAGES["not_a_level"])(params or {})
