"""API keys, the record of every call, and the answers kept for Idempotency-Key.

A key acts as a user: its own service account (``user``), with the key's role and the key's
establishments and points of sale as that account's assignments. So every rule that decides what
a person sees (core.scope, the role's grants, the document types it issues, the special cases it
sends for approval) decides the same for the key, through the same code."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from webhooks.models import Integration


class ApiKey(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="api_keys",
                                    verbose_name=_("integración"))
    name = models.CharField(_("nombre"), max_length=100)
    role = models.ForeignKey("accounts.Role", on_delete=models.PROTECT, related_name="+", verbose_name=_("rol"))
    establishments = models.ManyToManyField("accounts.Establishment", blank=True, related_name="+",
                                            verbose_name=_("establecimientos"))
    points_of_sale = models.ManyToManyField("accounts.PointOfSale", blank=True, related_name="+",
                                            verbose_name=_("puntos de venta"))
    # The key is "fct_<prefix>_<secret>": the prefix finds the row, the SHA-256 of the whole key
    # (256 random bits: no dictionary to guard against, so no slow hash is needed) proves it.
    prefix = models.CharField(_("prefijo"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key",
                                editable=False, verbose_name=_("cuenta de servicio"))
    rate_per_minute = models.PositiveIntegerField(_("llamadas por minuto"), null=True, blank=True,
                                                  help_text=_("Vacío: el límite general (API_RATE_PER_MINUTE)."))
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    revoked_at = models.DateTimeField(_("revocada"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("último uso"), null=True, blank=True, editable=False)

    SECRET_FIELDS = ("key_hash",)

    class Meta:
        ordering = ["integration", "name"]
        verbose_name = _("clave de API")
        verbose_name_plural = _("claves de API")

    def __str__(self):
        return f"{self.integration} · {self.name} ({self.prefix})"

    @property
    def is_active(self):
        return self.revoked_at is None


class ApiCall(models.Model):
    """Every call: which key, which route (the URL pattern, not the path with its ids), the answer's
    status and how long it took. Never a body: bodies carry secrets and personal data."""

    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, null=True, blank=True, related_name="calls")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    method = models.CharField(max_length=8)
    route = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField()
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("llamada a la API")
        verbose_name_plural = _("llamadas a la API")

    def __str__(self):
        return f"{self.method} {self.route} {self.status}"


class IdempotentRequest(models.Model):
    """The first answer to a POST with an Idempotency-Key, per key: the same key and body within
    API_IDEMPOTENCY_HOURS gets it again; the same key with another body is refused. The unique row
    is taken before the work starts, so concurrent duplicates wait for the first and get its answer."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # None: the first is still running
    # The first answer's JSON, encrypted at rest: it may hold what is shown once (a webhook's
    # signing secret) and it is kept for API_IDEMPOTENCY_HOURS.
    response = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="api_idempotency_unique")]

    def __str__(self):
        return f"{self.api_key_id}:{self.key}"
