from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError


class PlainForm(FlaskForm):
    """Buttons only: the form exists for its CSRF token."""


class JoinForm(FlaskForm):
    code = StringField(
        _l("Session code"),
        validators=[
            InputRequired(message=_l("Type the code the grown-up gave you")),
            Length(max=32, message=_l("The code is 6 letters and numbers")),
        ],
    )


def one_of_the_choices(_form: Form, field: Field) -> None:
    """Our own message, so an odd value never shows WTForms' untranslated English."""
    if field.data not in {value for value, _label in field.choices}:
        raise ValidationError(str(_l("Choose one of the answers shown.")))


class ChoiceForm(FlaskForm):
    """One choice from picture cards; the view sets the choices."""

    answer = RadioField(
        choices=[],
        validators=[InputRequired(message=_l("Choose one of the pictures")), one_of_the_choices],
        validate_choice=False,
    )


class LanguageForm(ChoiceForm):
    """The language to read in, and optionally another one to listen in."""

    answer = RadioField(
        choices=[],
        validators=[InputRequired(message=_l("Choose a language")), one_of_the_choices],
        validate_choice=False,
    )
    listen = RadioField(
        choices=[], validators=[Optional(), one_of_the_choices], validate_choice=False, default=""
    )
