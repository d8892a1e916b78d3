from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_settings_page
from core.modules import Action


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Autorización de MH")

    def ready(self):
        # A page of the configuration module, for whoever may change the configuration (the admin).
        register_settings_page(Module.CONFIGURACION, Action.EDIT, icon="patch-check",
                               label=_("Autorización de MH: pruebas y paso a producción"), url="onboarding:index")
        from dte import hooks  # noqa: PLC0415 - dte's registries, filled once the apps are loaded
        from onboarding.selectors import test_set_hold  # noqa: PLC0415 - models load after apps.py

        hooks.register_delivery_hold(test_set_hold)
