from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClientKind(models.TextChoices):
    TAXPAYER = "contribuyente", _("Contribuyente (recibe CCF)")
    CONSUMER = "consumidor", _("Consumidor final (recibe Factura)")
    FOREIGN = "extranjero", _("Comprador extranjero (recibe Factura de exportación)")


class IdType(models.TextChoices):
    # CAT-022
    NIT = "36", _("NIT")
    DUI = "13", _("DUI")
    RESIDENTE = "02", _("Carnet de residente")
    PASAPORTE = "03", _("Pasaporte")
    OTRO = "37", _("Otro")


class TaxpayerSize(models.TextChoices):
    # A "gran contribuyente" withholds (and perceives) 1 % IVA (Código Tributario arts. 162–164, facts §2.5).
    GRANDE = "grande", _("Grande")
    MEDIANO = "mediano", _("Mediano")
    OTRO = "otro", _("Otro")


class PersonType(models.TextChoices):
    # CAT-029
    NATURAL = "1", _("Persona natural")
    JURIDICA = "2", _("Persona jurídica")


class Client(models.Model):
    kind = models.CharField(_("tipo de cliente"), max_length=14, choices=ClientKind.choices)
    id_type = models.CharField(_("tipo de documento"), max_length=2, choices=IdType.choices)
    id_number = models.CharField(_("número de documento"), max_length=25)
    nrc = models.CharField(_("NRC"), max_length=8, blank=True)
    name = models.CharField(_("nombre o razón social"), max_length=250)
    trade_name = models.CharField(_("nombre comercial"), max_length=150, blank=True)
    activity_code = models.CharField(_("código de actividad"), max_length=6, blank=True)
    activity_description = models.CharField(_("actividad económica"), max_length=150, blank=True)
    taxpayer_size = models.CharField(_("tamaño de contribuyente"), max_length=8, choices=TaxpayerSize.choices,
                                     default=TaxpayerSize.OTRO)
    is_exempt = models.BooleanField(_("exento de IVA"), default=False)
    departamento = models.CharField(_("departamento"), max_length=2, blank=True)
    municipio = models.CharField(_("municipio"), max_length=2, blank=True)
    distrito = models.CharField(_("distrito"), max_length=2, blank=True,
                                help_text=_("CAT-008 (reforma de 2024). Vacío: el del municipio."))
    address = models.CharField(_("dirección"), max_length=200, blank=True)
    country_code = models.CharField(_("país"), max_length=4, blank=True)
    person_type = models.CharField(_("tipo de persona"), max_length=1, choices=PersonType.choices, blank=True)
    email = models.EmailField(_("correo"), max_length=100, blank=True)
    other_emails = models.CharField(_("otros correos"), max_length=300, blank=True,
                                    help_text=_("Más direcciones que reciben los documentos, separadas por coma."))
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    credit_limit = models.DecimalField(_("límite de crédito"), max_digits=14, decimal_places=2, default=0)
    payment_term_days = models.PositiveIntegerField(_("plazo de pago (días)"), default=0)
    sales_rep = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("vendedor asignado"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="clients")
    establishment = models.ForeignKey("accounts.Establishment", verbose_name=_("establecimiento"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="clients")
    is_active = models.BooleanField(_("activo"), default=True)
    notes = models.TextField(_("notas"), blank=True)
    # Lower-case, accent-free name, trade name and identifiers: one trigram-indexed column for
    # the type-ahead search (PostgreSQL GIN gin_trgm_ops, migration 0002).
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cliente")
        verbose_name_plural = _("clientes")
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="client_identification_unique"),
            models.CheckConstraint(condition=models.Q(credit_limit__gte=0), name="client_credit_limit_not_negative"),
        ]
        indexes = [models.Index(fields=["is_active", "name"])]

    def __str__(self):
        return self.name

    @property
    def kind_short(self):
        return {ClientKind.TAXPAYER: _("Contribuyente"), ClientKind.CONSUMER: _("Consumidor final"),
                ClientKind.FOREIGN: _("Extranjero")}.get(self.kind, self.kind)

    @property
    def can_receive_ccf(self):
        return self.kind == ClientKind.TAXPAYER and bool(self.nrc)
