import functools
import operator

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.modules import ALL as ALL_GRANTS
from accounts.modules import MODULE_ACTIONS, Module
from accounts.validators import format_nit, validate_logo, validate_nit, validate_nrc
from catalogs.selectors import address_errors, catalog_has
from catalogs.territory import settle_distrito
from core.fields import EncryptedBinaryField, EncryptedTextField
from core.modules import Action

_mh_code4 = RegexValidator(r"^[A-Z0-9]{4}$", _("Debe tener 4 caracteres: letras mayúsculas o dígitos (p. ej. M001)."))
_phone = RegexValidator(r"^[0-9+()\- ]{8,30}$", _("Teléfono de al menos 8 dígitos."))


class Role(models.Model):
    name = models.CharField(_("nombre"), max_length=60, unique=True)
    description = models.CharField(_("descripción"), max_length=255, blank=True)
    company_wide = models.BooleanField(
        _("toda la empresa"),
        default=False,
        help_text=_("Ve y opera en todos los establecimientos; si no, solo en los asignados al usuario."),
    )
    # Special cases (dte.cases) that this role may not confirm by itself: a supervisor approves them.
    approval_cases = models.JSONField(_("casos que requieren aprobación"), default=list, blank=True)
    # Document types (CAT-002 codes) the role may issue; empty: every type.
    document_types = models.JSONField(_("tipos de documento que emite"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("rol")
        verbose_name_plural = _("roles")

    def __str__(self):
        return self.name


class RolePermission(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="permissions")
    module = models.CharField(_("módulo"), max_length=30, choices=Module.choices)
    action = models.CharField(_("acción"), max_length=20, choices=Action.choices)

    class Meta:
        verbose_name = _("permiso de rol")
        verbose_name_plural = _("permisos de rol")
        constraints = [
            models.UniqueConstraint(fields=["role", "module", "action"], name="role_permission_unique"),
            # Only the pairs that mean something (accounts.modules.MODULE_ACTIONS): no "Reportes · Crear".
            models.CheckConstraint(condition=functools.reduce(operator.or_, (
                models.Q(module=m.value, action__in=[a.value for a in actions]) for m, actions in MODULE_ACTIONS.items()
            )), name="role_permission_module_has_action"),
        ]

    def __str__(self):
        return f"{self.role}: {self.get_module_display()} / {self.get_action_display()}"


class User(AbstractUser):
    role = models.ForeignKey(
        Role, verbose_name=_("rol"), on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")

    def grants(self):
        """The (module, action) pairs this user may use, cached on the instance."""
        if not hasattr(self, "_grants_cache"):
            if not self.is_active:
                self._grants_cache = frozenset()
            elif self.is_superuser:
                self._grants_cache = frozenset((m.value, a.value) for m, a in ALL_GRANTS)
            elif self.role_id is None:
                self._grants_cache = frozenset()
            else:
                # The role comes with its permissions in one query (the request reads it anyway:
                # company_wide, the role's document types), not a second one for the role alone.
                rows = list(RolePermission.objects.filter(role_id=self.role_id).select_related("role"))
                if rows and not User.role.is_cached(self):
                    User.role.field.set_cached_value(self, rows[0].role)
                self._grants_cache = frozenset((r.module, r.action) for r in rows)
        return self._grants_cache

    def can(self, module, action=Action.VIEW):
        return (str(module), str(action)) in self.grants()

    def modules(self):
        return {m for m, _a in self.grants()}

    @property
    def company_wide(self):
        return self.is_superuser or bool(self.role_id and self.role.company_wide)


class MHEnvironment(models.TextChoices):
    # CAT-001: 00 is the test environment, 01 production (several public projects invert these).
    TEST = "00", _("00 · Pruebas")
    PRODUCTION = "01", _("01 · Producción")


class Company(models.Model):
    """The emisor. Secrets are encrypted at rest and never shown back in a form."""

    nit = models.CharField(_("NIT"), max_length=14, validators=[validate_nit], unique=True)
    nrc = models.CharField(_("NRC"), max_length=8, validators=[validate_nrc])
    legal_name = models.CharField(_("razón social"), max_length=250)
    trade_name = models.CharField(_("nombre comercial"), max_length=150, blank=True)
    activity_code = models.CharField(_("código de actividad económica"), max_length=6)
    activity_description = models.CharField(_("actividad económica"), max_length=150)
    # A large taxpayer (gran contribuyente) perceives 1 % IVA from the others and is not withheld
    # by them (facts §2.5).
    taxpayer_size = models.CharField(_("tamaño de contribuyente"), max_length=8, default="otro",
                                     choices=[("grande", _("Grande")), ("mediano", _("Mediano")), ("otro", _("Otro"))])
    departamento = models.CharField(_("departamento"), max_length=2)
    municipio = models.CharField(_("municipio"), max_length=2)
    address = models.CharField(_("dirección (complemento)"), max_length=200)
    phone = models.CharField(_("teléfono"), max_length=30, validators=[_phone])
    distrito = models.CharField(_("distrito"), max_length=2, blank=True,
                                help_text=_("CAT-008 (reforma de 2024). Vacío: el del municipio."))
    email = models.EmailField(_("correo electrónico"), max_length=100)
    logo = models.ImageField(_("logotipo"), upload_to="logos/", blank=True, validators=[validate_logo],
                             help_text=_("Aparece en la versión impresa de los documentos (PNG o JPEG, hasta 2 MB)."))
    email_documents = models.BooleanField(
        _("enviar documentos por correo al sellarse"), default=True,
        help_text=_("El PDF y el JSON firmado se envían al cliente en cuanto MH sella el documento."))
    # Who answers to MH for the establishments (named in contingency events, facts §5).
    mh_responsible_name = models.CharField(_("responsable ante MH"), max_length=100, blank=True)
    mh_responsible_id_type = models.CharField(
        _("tipo de documento del responsable"), max_length=2, blank=True, default="13",
        choices=[("13", "DUI"), ("36", "NIT"), ("02", _("Carnet de residente")), ("03", _("Pasaporte")), ("37", _("Otro"))])
    mh_responsible_id_number = models.CharField(_("documento del responsable"), max_length=25, blank=True)
    mh_environment = models.CharField(
        _("ambiente MH"), max_length=2, choices=MHEnvironment.choices, default=MHEnvironment.TEST
    )
    mh_api_url = models.URLField(_("URL de la API de MH"), blank=True, help_text=_("Vacío: la de MH según el ambiente."))
    mh_api_user = models.CharField(_("usuario de la API de MH"), max_length=50, blank=True)
    mh_api_password = EncryptedTextField(_("contraseña de la API de MH"))
    certificate = EncryptedBinaryField(_("certificado de firma"))
    certificate_filename = models.CharField(_("archivo del certificado"), max_length=120, blank=True)
    certificate_password = EncryptedTextField(_("contraseña de la llave privada"))
    certificate_updated_at = models.DateTimeField(_("certificado actualizado"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Fields never written to the audit trail in clear.
    SECRET_FIELDS = ("mh_api_password", "certificate", "certificate_password")

    class Meta:
        verbose_name = _("empresa (emisor)")
        verbose_name_plural = _("empresa (emisor)")

    def __str__(self):
        return self.trade_name or self.legal_name

    @property
    def nit_display(self):
        return format_nit(self.nit)

    @property
    def has_mh_password(self):
        return bool(self.mh_api_password)

    @property
    def has_certificate(self):
        return bool(self.certificate)

    def clean(self):
        errors = address_errors(departamento=self.departamento, municipio=self.municipio)
        errors.update(_distrito_errors(self))
        errors.update(_activity_errors(self.activity_code))
        if errors:
            raise ValidationError(errors)


def _distrito_errors(place):
    """The distrito (CAT-008, 2026 generation): filled from the pre-reform municipio when blank."""
    place.distrito, problem = settle_distrito(place.departamento, place.municipio, place.distrito)
    return {"distrito": problem} if problem else {}


def _activity_errors(code):
    if code and not catalog_has(catalog="CAT-019", code=code):
        return {"activity_code": _("La actividad económica %(code)s no está en el catálogo CAT-019.") % {"code": code}}
    return {}


class EstablishmentType(models.TextChoices):
    # CAT-009 (the 2023 schemas also accept 20 "otro").
    SUCURSAL = "01", _("Sucursal / agencia")
    CASA_MATRIZ = "02", _("Casa matriz")
    BODEGA = "04", _("Bodega")
    PREDIO = "07", _("Predio y/o patio")
    OTRO = "20", _("Otro")


class Establishment(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="establishments")
    name = models.CharField(_("nombre"), max_length=100)
    establishment_type = models.CharField(
        _("tipo de establecimiento"), max_length=2, choices=EstablishmentType.choices, default=EstablishmentType.CASA_MATRIZ
    )
    cod_estable_mh = models.CharField(_("código MH"), max_length=4, validators=[_mh_code4])
    cod_estable = models.CharField(_("código propio"), max_length=10, blank=True)
    departamento = models.CharField(_("departamento"), max_length=2)
    municipio = models.CharField(_("municipio"), max_length=2)
    address = models.CharField(_("dirección (complemento)"), max_length=200)
    phone = models.CharField(_("teléfono"), max_length=30, validators=[_phone], blank=True)
    distrito = models.CharField(_("distrito"), max_length=2, blank=True,
                                help_text=_("CAT-008 (reforma de 2024). Vacío: el del municipio."))
    is_active = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["cod_estable_mh"]
        verbose_name = _("establecimiento")
        verbose_name_plural = _("establecimientos")
        permissions = [("operate_establishment", _("Puede operar en el establecimiento"))]
        constraints = [
            models.UniqueConstraint(fields=["company", "cod_estable_mh"], name="establishment_code_unique"),
        ]

    def __str__(self):
        return f"{self.cod_estable_mh} · {self.name}"

    def clean(self):
        errors = address_errors(departamento=self.departamento, municipio=self.municipio)
        errors.update(_distrito_errors(self))
        if errors:
            raise ValidationError(errors)


class PointOfSale(models.Model):
    establishment = models.ForeignKey(Establishment, on_delete=models.PROTECT, related_name="points_of_sale")
    name = models.CharField(_("nombre"), max_length=100)
    cod_punto_venta_mh = models.CharField(_("código MH"), max_length=4, validators=[_mh_code4])
    cod_punto_venta = models.CharField(_("código propio"), max_length=15, blank=True)
    is_active = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["establishment__cod_estable_mh", "cod_punto_venta_mh"]
        verbose_name = _("punto de venta")
        verbose_name_plural = _("puntos de venta")
        permissions = [("operate_pointofsale", _("Puede operar en el punto de venta"))]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "cod_punto_venta_mh"], name="pos_code_unique"),
        ]

    def __str__(self):
        return f"{self.establishment.cod_estable_mh}{self.cod_punto_venta_mh} · {self.name}"
