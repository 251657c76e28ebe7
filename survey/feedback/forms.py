"""The officers' forms of the feedback cases: the list's filter and the case's actions."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from survey.choices import options
from survey.feedback.apology import TEMPLATE_MAX_LENGTH, template_problem
from survey.feedback.labels import SOURCE_LABELS, STATE_LABELS
from survey.forms import Form
from survey.questionnaires.definition import clean_text

NOTE_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 4000


#: A page's start as the address carries it: "2026-03-02T03:00:00.123456~1234".
CURSOR_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?~\d{1,18}$"


class CaseFilterForm(Form):
    """The filter of the case list (a GET form: it changes nothing, so no token)."""

    class Meta:
        csrf = False

    state = SelectField(
        _l("State"),
        choices=options(
            [("", _l("Any state")), ("open", _l("Open (not closed)"))]
            + [(state.value, label) for state, label in STATE_LABELS.items()]
        ),
        default="",
        validate_choice=True,
    )
    source = SelectField(
        _l("Source"),
        choices=options(
            [("", _l("Any source"))]
            + [(source.value, label) for source, label in SOURCE_LABELS.items()]
        ),
        default="",
    )
    agency = SelectField(_l("Agency"), choices=[], default="")
    overdue = BooleanField(_l("Overdue only"))
    #: Where the page starts: just after this case (its opening time and id), in the list's
    #: order; empty: the newest cases (keyset paging, :func:`survey.db.keyset_page`).
    after = StringField(validators=[Optional(), Regexp(CURSOR_PATTERN)], default="")

    def validate_after(self, field) -> None:
        if field.data and page_key(field.data) is None:
            raise ValidationError(_l("This page does not exist."))


def page_key(text: str) -> tuple[datetime, int] | None:
    """The (opening time, id) a page starts after, from the address; None if it is none."""
    moment, _separator, number = text.partition("~")
    try:
        return datetime.fromisoformat(moment), int(number)
    except ValueError:
        return None


def page_address_key(key: tuple[datetime, int]) -> str:
    return f"{key[0].isoformat()}~{key[1]}"


def _cleaned(value):
    return clean_text(value) if isinstance(value, str) else value


class _CaseActionForm(Form):
    #: The case's version when the officer read it: a change made meanwhile is not overwritten.
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    note = TextAreaField(
        _l("Internal note (not shown to the citizen)"),
        filters=[_cleaned],
        validators=[Optional(), Length(max=NOTE_MAX_LENGTH)],
    )


class StateForm(_CaseActionForm):
    state = SelectField(
        _l("New state"),
        choices=options((state.value, label) for state, label in STATE_LABELS.items()),
    )
    public_reply = TextAreaField(
        _l("Answer to the citizen (shown on the receipt page)"),
        filters=[_cleaned],
        validators=[Length(max=REPLY_MAX_LENGTH)],
    )
    is_agency_at_fault = BooleanField(
        _l("Founded: the agency was at fault (an apology letter is due)")
    )

    def validate_public_reply(self, field):
        if self.state.data == "answered" and not field.data:
            raise ValidationError(_l("Write the answer the citizen will read."))


class TransferForm(_CaseActionForm):
    agency = SelectField(_l("Transfer to"), choices=[])


class ReopenForm(_CaseActionForm):
    pass


class ShowPhoneForm(Form):
    pass


class ApologyTemplateForm(Form):
    """An agency's text of the apology letter, with the placeholders of
    :data:`survey.feedback.apology.PLACEHOLDERS`."""

    text = TextAreaField(
        _l("Text of the letter"),
        filters=[_cleaned],
        validators=[
            DataRequired(message=_l("Write the text of the letter.")),
            Length(max=TEMPLATE_MAX_LENGTH, message=_l("At most %(max)d characters.")),
        ],
    )

    def validate_text(self, field) -> None:
        problem = template_problem(field.data or "")
        if problem is not None:
            raise ValidationError(problem)
