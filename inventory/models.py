from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.IntegerChoices):
    # CAT-011
    BIENES = 1, _("Bienes")
    SERVICIOS = 2, _("Servicios")
    AMBOS = 3, _("Ambos")
    OTROS_TRIBUTOS = 4, _("Otros tributos por ítem")


class TaxTreatment(models.TextChoices):
    GRAVADO = "gravado", _("Gravado (IVA 13 %)")
    EXENTO = "exento", _("Exento")
    NO_SUJETO = "no_sujeto", _("No sujeto")


class Product(models.Model):
    code = models.CharField(_("código"), max_length=25, unique=True)
    description = models.CharField(_("descripción"), max_length=1000)
    item_type = models.PositiveSmallIntegerField(_("tipo de ítem"), choices=ItemType.choices, default=ItemType.BIENES)
    unit = models.PositiveSmallIntegerField(_("unidad de medida (CAT-014)"), default=59)
    price = models.DecimalField(_("precio"), max_digits=19, decimal_places=8)
    price_includes_iva = models.BooleanField(_("el precio incluye IVA"), default=True)
    cost = models.DecimalField(_("costo"), max_digits=19, decimal_places=8, default=0)
    tax_treatment = models.CharField(_("tratamiento fiscal"), max_length=10, choices=TaxTreatment.choices,
                                     default=TaxTreatment.GRAVADO)
    special_taxes = models.JSONField(_("tributos especiales (CAT-015)"), default=list, blank=True)
    category = models.CharField(_("categoría"), max_length=80, blank=True)
    tracks_stock = models.BooleanField(_("controla existencias"), default=False)
    is_active = models.BooleanField(_("activo"), default=True)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("producto o servicio")
        verbose_name_plural = _("productos y servicios")
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="product_cost_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} · {self.description[:60]}"


class Stock(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock")
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="stock")
    quantity = models.DecimalField(_("existencia"), max_digits=19, decimal_places=8, default=0)

    class Meta:
        verbose_name = _("existencia")
        verbose_name_plural = _("existencias")
        constraints = [models.UniqueConstraint(fields=["product", "establishment"], name="stock_unique")]

    def __str__(self):
        return f"{self.product.code} @ {self.establishment.cod_estable_mh}: {self.quantity}"


class StockMovement(models.Model):
    """Every change of stock, with why: counts, documents, adjustments."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("cantidad (+ entra, − sale)"), max_digits=19, decimal_places=8)
    balance = models.DecimalField(_("existencia después"), max_digits=19, decimal_places=8)
    reason = models.CharField(_("motivo"), max_length=120)
    reference = models.CharField(_("referencia"), max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("movimiento de existencias")
        verbose_name_plural = _("movimientos de existencias")

    def __str__(self):
        return f"{self.product_id} {self.quantity:+} → {self.balance}"


class Provider(models.Model):
    id_type = models.CharField(_("tipo de documento"), max_length=2, default="36")
    id_number = models.CharField(_("número de documento"), max_length=25)
    nrc = models.CharField(_("NRC"), max_length=8, blank=True)
    name = models.CharField(_("nombre o razón social"), max_length=250)
    contact_name = models.CharField(_("contacto"), max_length=150, blank=True)
    # Needed when the company withholds IVA from the provider (Comprobante de Retención receptor).
    activity_code = models.CharField(_("código de actividad (CAT-019)"), max_length=6, blank=True)
    departamento = models.CharField(_("departamento"), max_length=2, blank=True)
    municipio = models.CharField(_("municipio"), max_length=2, blank=True)
    distrito = models.CharField(_("distrito"), max_length=2, blank=True,
                                help_text=_("CAT-008 (reforma de 2024). Vacío: el del municipio."))
    address = models.CharField(_("dirección"), max_length=200, blank=True)
    email = models.EmailField(_("correo"), max_length=100, blank=True)
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    is_active = models.BooleanField(_("activo"), default=True)
    search_text = models.TextField(editable=False, default="")
    products = models.ManyToManyField(Product, through="ProviderProduct", related_name="providers")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("proveedor")
        verbose_name_plural = _("proveedores")
        constraints = [models.UniqueConstraint(fields=["id_type", "id_number"], name="provider_identification_unique")]

    def __str__(self):
        return self.name


class ProviderProduct(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="supplies")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="supplied_by")
    provider_code = models.CharField(_("código del proveedor"), max_length=40, blank=True)
    cost = models.DecimalField(_("costo del proveedor"), max_digits=19, decimal_places=8, default=0)

    class Meta:
        verbose_name = _("producto del proveedor")
        verbose_name_plural = _("productos del proveedor")
        constraints = [models.UniqueConstraint(fields=["provider", "product"], name="provider_product_unique")]

    def __str__(self):
        return f"{self.provider_id}/{self.product_id}"


class StockReservation(models.Model):
    """Stock promised to an order at one establishment and not yet sold: what may still be sold
    there is the stock less what is reserved (inventory.services.stock_reserve). Released when
    the order is cancelled or its receipt takes the goods out of stock."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservations")
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("cantidad reservada"), max_digits=19, decimal_places=8)
    reference = models.CharField(_("referencia"), max_length=120)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reserva de existencias")
        verbose_name_plural = _("reservas de existencias")
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="reservation_quantity_positive")]
        indexes = [models.Index(fields=["product", "establishment"], condition=models.Q(released_at__isnull=True),
                                name="reservation_open")]

    def __str__(self):
        return f"{self.reference}: {self.product_id} × {self.quantity}"
