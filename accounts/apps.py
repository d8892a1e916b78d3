from django.apps import AppConfig
from django.contrib.auth import signals
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_module_page
from core import scope


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Usuarios, roles y empresa")

    def ready(self):
        # The imports below load models (or modules that import them): apps.py is imported before
        # the app registry has loaded any model, so they wait for ready().
        from accounts import receivers  # noqa: PLC0415 - imports accounts.services, which imports the models
        from accounts.models import Establishment, PointOfSale  # noqa: PLC0415 - models not loaded when apps.py is imported
        from accounts.selectors import establishments_for_user, points_of_sale_for_user  # noqa: PLC0415 - imports the models

        register_module_page(Module.CONFIGURACION, icon="gear", url="accounts:settings")
        # The places a user may work in (core.scope), as every page asks.
        scope.register(Establishment, lambda user: establishments_for_user(user=user))
        scope.register(PointOfSale, lambda user: points_of_sale_for_user(user=user))

        # Logins, logouts and failed logins go to the audit trail (accounts.receivers).
        signals.user_logged_in.connect(receivers.logged_in, dispatch_uid="accounts.audit.login")
        signals.user_logged_out.connect(receivers.logged_out, dispatch_uid="accounts.audit.logout")
        signals.user_login_failed.connect(receivers.login_failed, dispatch_uid="accounts.audit.login_failed")
