from django.apps import AppConfig
from django.contrib.auth import get_user_model, signals
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_module_page


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Usuarios, roles y empresa")

    def ready(self):
        register_module_page(Module.CONFIGURACION, icon="gear", url="accounts:settings")
        # The places a user may work in (core.scope), as every page asks.
        from accounts.models import Establishment, PointOfSale  # noqa: PLC0415 - models load after apps.py
        from accounts.selectors import establishments_for_user, points_of_sale_for_user  # noqa: PLC0415 - idem
        from core import scope  # noqa: PLC0415 - idem (core.scope is light, kept beside its users)

        scope.register(Establishment, lambda user: establishments_for_user(user=user))
        scope.register(PointOfSale, lambda user: points_of_sale_for_user(user=user))

        # Logins, logouts and failed logins go to the audit trail. Django's auth signals are the
        # only hook for them (django-axes listens to the same ones for its lockout).
        signals.user_logged_in.connect(_logged_in, dispatch_uid="accounts.audit.login")
        signals.user_logged_out.connect(_logged_out, dispatch_uid="accounts.audit.logout")
        signals.user_login_failed.connect(_login_failed, dispatch_uid="accounts.audit.login_failed")


def _logged_in(sender, request, user, **kwargs):
    from accounts.services import login_record  # not at the top: apps.py loads before the models

    login_record(user=user, request=request)


def _logged_out(sender, request, user, **kwargs):
    from accounts.services import logout_record  # not at the top: apps.py loads before the models

    logout_record(user=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    """``credentials`` has the password already masked by Django; only the username is kept."""
    from accounts.services import login_failed_record  # not at the top: apps.py loads before the models

    field = get_user_model().USERNAME_FIELD
    login_failed_record(username=credentials.get(field) or credentials.get("username", ""), request=request)
