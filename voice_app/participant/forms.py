from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, Length


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


class ChoiceForm(FlaskForm):
    """One choice from picture cards; the view sets the choices."""

    answer = RadioField(
        choices=[],
        validators=[InputRequired(message=_l("Choose one of the pictures"))],
        validate_choice=True,
    )


class LanguageForm(ChoiceForm):
    """The language to read in, and optionally another one to listen in."""

    answer = RadioField(
        choices=[],
        validators=[InputRequired(message=_l("Choose a language"))],
        validate_choice=True,
    )
    listen = RadioField(choices=[], validate_choice=True, default="")
