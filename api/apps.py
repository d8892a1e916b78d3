from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The public REST API (/api/v1/): the top layer. It calls the services and selectors of the
    apps below, as the pages do, and nothing below imports it."""

    name = "api"
    verbose_name = _("API pública")
