"""What a role may do in a module: the actions. The modules themselves belong to the apps above
(accounts.modules lists them); a view declares the grant it needs with core.access."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("Ver")
    CREATE = "create", _("Crear")
    EDIT = "edit", _("Editar")
    APPROVE = "approve", _("Aprobar")
    INVALIDATE = "invalidate", _("Invalidar")
    EXPORT = "export", _("Exportar")
    # Emailing a document (its PDF, signed JSON and a public link) outside the company: a grant of
    # its own, so a read-only role cannot send documents out.
    SEND = "send", _("Enviar")
