from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from accounts import services
from accounts.audit_display import annotate
from accounts.forms import GrantsField
from accounts.models import Company, Establishment, PointOfSale, Role, User
from accounts.modules import Module, approval_case_choices
from accounts.validators import normalize_nit, normalize_nrc
from catalogs.selectors import catalog_choices, catalog_entries
from core.fiscal import DocType
from core.models import AuditEntry
from core.text import CleanTextFormMixin

MAX_CERTIFICATE_BYTES = 256 * 1024


def _departamento_choices():
    return [("", "—")] + [c for c in catalog_choices(catalog="CAT-012") if c[0] != "00"]


def _municipio_choices():
    """Municipios grouped by departamento (CAT-013 of the edition in force)."""
    groups = [("", "—")]
    for dept in catalog_entries(catalog="CAT-012").exclude(code="00"):
        options = catalog_choices(catalog="CAT-013", parent=dept.code)
        if options:
            groups.append((f"{dept.code} · {dept.name}", options))
    return groups


class AddressFormMixin(CleanTextFormMixin, forms.ModelForm):
    """Departamento and municipio as MH catalog pickers instead of free text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "departamento" in self.fields:
            self.fields["departamento"] = forms.ChoiceField(label=_("Departamento"), choices=_departamento_choices())
        if "municipio" in self.fields:
            self.fields["municipio"] = forms.ChoiceField(
                label=_("Municipio"), choices=_municipio_choices(),
                help_text=_("Debe pertenecer al departamento elegido (catálogo CAT-013)."),
            )


class CleanTextModelForm(CleanTextFormMixin, forms.ModelForm):
    pass


class AuditedAdmin(admin.ModelAdmin):
    """Admin changes go through the audited services: one audit row per change, same transaction.
    Typed text is stored without invisible control characters (core.text)."""

    form = CleanTextModelForm

    def save_model(self, request, obj, form, change):
        services.audited_save(instance=obj, acting_user=request.user)

    def delete_model(self, request, obj):
        services.audited_delete(instance=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                services.audited_delete(instance=obj, acting_user=request.user)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.audited_delete(instance=obj, acting_user=request.user)
        for obj in instances:
            services.audited_save(instance=obj, acting_user=request.user)
        formset.save_m2m()


# ----------------------------------------------------------------------------------------- roles

class RoleForm(CleanTextFormMixin, forms.ModelForm):
    # The same grid as the configuration page (accounts.forms.GrantGridWidget): only the pairs
    # each module has, "Ver" required with any other action (accounts.services.grants_clean).
    grants = GrantsField()

    approval_cases = forms.MultipleChoiceField(
        label=_("Casos especiales que requieren aprobación"), choices=approval_case_choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Los demás casos los confirma el propio usuario; estos esperan la aprobación de un supervisor."),
    )

    document_types = forms.MultipleChoiceField(
        label=_("Tipos de documento que emite"), choices=DocType.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Ninguno marcado: todos los tipos."),
    )

    class Meta:
        model = Role
        fields = ["name", "description", "company_wide", "approval_cases", "document_types"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["grants"] = [f"{m}:{a}" for m, a in self.instance.permissions.values_list("module", "action")]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    form = RoleForm
    list_display = ["name", "company_wide", "modules_list", "user_count"]
    search_fields = ["name"]

    @admin.display(description=_("módulos"))
    def modules_list(self, obj):
        modules = sorted({p.module for p in obj.permissions.all()}, key=lambda m: list(Module).index(Module(m)))
        return ", ".join(str(Module(m).label) for m in modules) or "—"

    @admin.display(description=_("usuarios"))
    def user_count(self, obj):
        return obj.users.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("permissions")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.role_set_permissions(role=form.instance, grants=form.cleaned_data["grants"], acting_user=request.user)


# ----------------------------------------------------------------------------------------- users


class UserLocationsMixin(CleanTextFormMixin, forms.ModelForm):
    establishments = forms.ModelMultipleChoiceField(
        label=_("Establecimientos"), queryset=Establishment.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Solo cuentan si el rol no abarca toda la empresa."),
    )
    points_of_sale = forms.ModelMultipleChoiceField(
        label=_("Puntos de venta"), queryset=PointOfSale.objects.select_related("establishment"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["establishments"] = list(get_objects_for_user(
                self.instance, "accounts.operate_establishment", with_superuser=False, accept_global_perms=False))
            self.initial["points_of_sale"] = list(get_objects_for_user(
                self.instance, "accounts.operate_pointofsale", with_superuser=False, accept_global_perms=False))

    def clean(self):
        data = super().clean()
        chosen = set(data.get("establishments") or [])
        orphan = [p for p in data.get("points_of_sale") or [] if p.establishment not in chosen]
        if orphan:
            raise forms.ValidationError(
                _("Asigne también el establecimiento de estos puntos de venta: %(p)s") % {"p": ", ".join(map(str, orphan))}
            )
        return data


class UserChangeForm(UserLocationsMixin, BaseUserAdmin.form):
    class Meta(BaseUserAdmin.form.Meta):
        model = User


class UserCreationForm(UserLocationsMixin, BaseUserAdmin.add_form):
    class Meta(BaseUserAdmin.add_form.Meta):
        model = User
        fields = ("username", "email", "role")


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    search_fields = ["username", "first_name", "last_name", "email"]
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["username", "get_full_name", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Datos personales"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("Rol y ubicaciones"), {"fields": ("role", "establishments", "points_of_sale")}),
        (_("Acceso"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Fechas"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "role", "password1", "password2",
                                                  "establishments", "points_of_sale")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["deactivate_users"]

    # A user who has acted (audit trail, documents, payments…) is deactivated, never deleted: the
    # trail is append-only and must keep naming who did what. The delete pages say so and offer
    # deactivation instead of failing.
    def get_deleted_objects(self, objs, request):
        refused = [services.user_refusal_message(u, traces) for u in objs if (traces := services.user_traces(u))]
        if refused:
            return [], {}, set(), refused
        return super().get_deleted_objects(objs, request)

    def delete_model(self, request, obj):
        services.user_delete(user=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                services.user_delete(user=obj, acting_user=request.user)

    @admin.action(description=_("Desactivar los usuarios seleccionados"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        n = 0
        for user in queryset:
            if user.is_active and user.pk != request.user.pk:
                services.user_set_active(user=user, active=False, acting_user=request.user)
                n += 1
        self.message_user(request, _("%(n)d usuario(s) desactivado(s).") % {"n": n}, messages.SUCCESS)

    def get_urls(self):
        return [path("<path:object_id>/desactivar/", self.admin_site.admin_view(self.deactivate_view),
                     name="accounts_user_deactivate"), *super().get_urls()]

    def deactivate_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = get_object_or_404(User, pk=object_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        if user.pk == request.user.pk:
            self.message_user(request, _("No puede desactivarse a sí mismo."), messages.ERROR)
        else:
            services.user_set_active(user=user, active=False, acting_user=request.user)
            self.message_user(request, _("Usuario «%(u)s» desactivado: ya no puede ingresar; su historia se conserva.")
                              % {"u": user.get_username()}, messages.SUCCESS)
        return redirect("admin:accounts_user_change", user.pk)

    def user_change_password(self, request, id, form_url=""):
        """The admin's own password form saves outside save_model: audited here, same transaction."""
        with transaction.atomic():
            before = User.objects.filter(pk=id).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=id).first()
            if user is not None and before is not None and user.password != before:
                services.password_changed_record(user=user, acting_user=request.user,
                                                 summary="Contraseña cambiada en el administrador")
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.user_assign_locations(
            user=form.instance,
            establishments=form.cleaned_data.get("establishments") or [],
            points_of_sale=form.cleaned_data.get("points_of_sale") or [],
            acting_user=request.user,
        )


# --------------------------------------------------------------------------------------- company


class CompanyForm(AddressFormMixin):
    mh_api_url = forms.URLField(label=_("URL de la API de MH"), required=False, assume_scheme="https",
                                help_text=_("Vacío: la de MH según el ambiente."))
    new_mh_api_password = forms.CharField(
        label=_("Reemplazar contraseña de la API de MH"), required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Déjelo vacío para conservar la actual. Nunca se muestra."),
    )
    new_certificate = forms.FileField(
        label=_("Reemplazar certificado de firma"), required=False,
        help_text=_("El archivo <NIT>.crt que entrega MH (o PEM / PKCS#12). Máximo 256 KB."),
    )
    new_certificate_password = forms.CharField(
        label=_("Reemplazar contraseña de la llave privada"), required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = Company
        fields = ["nit", "nrc", "legal_name", "trade_name", "activity_code", "activity_description",
                  "departamento", "municipio", "distrito", "address", "phone", "email", "mh_environment", "mh_api_url",
                  "mh_api_user", "mh_responsible_name", "mh_responsible_id_type", "mh_responsible_id_number", "logo",
                  "email_documents"]

    def clean_nit(self):
        return normalize_nit(self.cleaned_data["nit"])

    def clean_nrc(self):
        return normalize_nrc(self.cleaned_data["nrc"])

    def clean_new_certificate(self):
        upload = self.cleaned_data.get("new_certificate")
        if upload and upload.size > MAX_CERTIFICATE_BYTES:
            raise forms.ValidationError(_("El certificado supera 256 KB: no parece un certificado."))
        return upload


@admin.register(Company)
class CompanyAdmin(AuditedAdmin):
    form = CompanyForm
    list_display = ["legal_name", "nit_display", "nrc", "mh_environment", "secrets_state"]
    readonly_fields = ["secrets_state", "certificate_filename", "certificate_updated_at"]
    fieldsets = (
        (_("Identificación"), {"fields": ("nit", "nrc", "legal_name", "trade_name", "activity_code",
                                          "activity_description")}),
        (_("Dirección y contacto"), {"fields": ("departamento", "municipio", "distrito", "address", "phone", "email")}),
        (_("Documentos impresos y envío"), {"fields": ("logo", "email_documents")}),
        (_("Ministerio de Hacienda"), {
            "fields": ("mh_environment", "mh_api_url", "mh_api_user", "new_mh_api_password", "mh_responsible_name",
                       "mh_responsible_id_type", "mh_responsible_id_number"),
            # Production needs MH's authorisation, its own credentials and certificate and nothing
            # left in flight to the test environment: checked, then switched, in one place.
            "description": _("El ambiente se cambia a producción en Configuración → Autorización de MH, que "
                             "verifica antes las pruebas, la autorización, las credenciales y el certificado.")}),
        (_("Firma electrónica"), {"fields": ("secrets_state", "certificate_filename", "certificate_updated_at",
                                             "new_certificate", "new_certificate_password")}),
    )

    @admin.display(description=_("secretos guardados"))
    def secrets_state(self, obj):
        parts = [
            (_("contraseña API"), obj.has_mh_password),
            (_("certificado"), obj.has_certificate),
            (_("contraseña del certificado"), bool(obj.certificate_password)),
        ]
        return ", ".join(f"{label}: {'sí' if ok else 'no'}" for label, ok in parts)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["mh_environment"] if obj is not None and obj.pk else fields

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Company.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False  # the emisor of every document issued; never deleted

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("new_certificate")
        data = {name: form.cleaned_data[name] for name in CompanyForm.Meta.fields if name in form.cleaned_data}
        services.company_update(
            company=obj, data=data, acting_user=request.user,
            mh_api_password=form.cleaned_data.get("new_mh_api_password") or None,
            certificate=upload.read() if upload else None,
            certificate_filename=upload.name if upload else "",
            certificate_password=form.cleaned_data.get("new_certificate_password") or None,
        )


class PointOfSaleInline(admin.TabularInline):
    model = PointOfSale
    extra = 0


class EstablishmentForm(AddressFormMixin):
    class Meta:
        model = Establishment
        fields = ["company", "name", "establishment_type", "cod_estable_mh", "cod_estable", "departamento", "municipio",
                  "distrito", "address", "phone", "is_active"]


@admin.register(Establishment)
class EstablishmentAdmin(AuditedAdmin):
    form = EstablishmentForm
    list_display = ["cod_estable_mh", "name", "establishment_type", "departamento", "municipio", "is_active"]
    list_filter = ["establishment_type", "is_active"]
    search_fields = ["name", "cod_estable_mh", "cod_estable"]
    inlines = [PointOfSaleInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "content_type", "object_repr", "summary"]
    list_filter = ["action", "content_type", "at"]
    search_fields = ["object_repr", "summary", "actor_name"]
    date_hierarchy = "at"
    readonly_fields = ["readable_changes"]

    @admin.display(description=_("cambios"))
    def readable_changes(self, obj):
        """What changed as the audit page shows it (the raw before/after stay below)."""
        (entry,) = annotate([obj])
        return format_html_join(
            "", "<div><strong>{}</strong>: {}{}</div>",
            ((c.label, f"{c.before} → " if c.before is not None else "", c.after) for c in entry.changes),
        ) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from accounts import admin_axes  # noqa: E402,F401 - django-axes' pages, relabelled in Spanish
