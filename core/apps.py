from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The bottom layer: what every app shares and nothing above it may change (DESIGN.md,
    "Layers"). It imports no other app of the project."""

    name = "core"
    verbose_name = _("Base")
