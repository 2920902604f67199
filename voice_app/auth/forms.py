from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(message=_l("Enter your username")), Length(max=200)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter your password")), Length(max=1000)],
    )


class TwoFactorCodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(message=_l("Enter the 6-digit code from your authenticator app")),
            Length(max=20, message=_l("Enter the 6-digit code from your authenticator app")),
        ],
    )


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        _l("Recovery code"),
        validators=[
            InputRequired(message=_l("Enter one of your recovery codes")),
            Length(max=100, message=_l("Enter one of your recovery codes")),
        ],
    )


class ContinueForm(FlaskForm):
    """Only the CSRF token: a button that moves on."""


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Enter a new password")), Length(max=1000)],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(message=_l("Enter the new password again")), Length(max=1000)],
    )
