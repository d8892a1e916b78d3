"""Django's auth signals, written to the audit trail: logins, logouts and failed logins. The
signals are the only hook for them (django-axes listens to the same ones for its lockout).
Connected by AccountsConfig.ready(): this module imports the models, which apps.py cannot."""

from django.contrib.auth import get_user_model

from accounts.services import login_failed_record, login_record, logout_record


def logged_in(sender, request, user, **kwargs):
    login_record(user=user, request=request)


def logged_out(sender, request, user, **kwargs):
    logout_record(user=user, request=request)


def login_failed(sender, credentials, request=None, **kwargs):
    """``credentials`` has the password already masked by Django; only the username is kept."""
    field = get_user_model().USERNAME_FIELD
    login_failed_record(username=credentials.get(field) or credentials.get("username", ""), request=request)
