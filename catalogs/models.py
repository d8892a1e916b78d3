from django.db import models
from django.utils.translation import gettext_lazy as _


class Edition(models.TextChoices):
    # The 2023 schemas (FE v1, CCF v3 ...) use the pre-reform 262 municipios and 4-digit country
    # codes; the 2026 generation uses 44 municipios, CAT-008 distritos and ISO country codes.
    E2023 = "2023", _("2023 (esquemas FE v1 / CCF v3)")
    E2026 = "2026", _("2026 (Normativa v2.0)")


class CatalogEntry(models.Model):
    """One row of one MH catalog (CAT-001 … CAT-033) in one edition.

    ``parent`` holds the code a row depends on: the departamento of a municipio or distrito.
    """

    catalog = models.CharField(_("catálogo"), max_length=7, db_index=True)
    edition = models.CharField(_("edición"), max_length=4, choices=Edition.choices)
    code = models.CharField(_("código"), max_length=20)
    parent = models.CharField(_("depende de"), max_length=20, blank=True, default="")
    name = models.CharField(_("valor"), max_length=300)
    extra = models.JSONField(_("datos adicionales"), default=dict, blank=True)
    is_active = models.BooleanField(_("vigente"), default=True)

    class Meta:
        ordering = ["catalog", "edition", "parent", "code"]
        verbose_name = _("entrada de catálogo")
        verbose_name_plural = _("catálogos MH")
        constraints = [
            models.UniqueConstraint(fields=["catalog", "edition", "parent", "code"], name="catalog_entry_unique"),
        ]

    def __str__(self):
        return f"{self.catalog} {self.code} · {self.name}"
