from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from catalogs import loader, services
from catalogs.models import CatalogEntry, Edition
from catalogs.names import TITLES
from catalogs.selectors import catalog_summary


class CatalogUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Archivo"),
        help_text=_("El libro de catálogos de MH (.xlsx) o un CSV por catálogo (cat-NNN-….csv, columnas code,name)."),
    )
    edition = forms.ChoiceField(label=_("Edición"), choices=Edition.choices, initial=Edition.E2026)
    catalog = forms.ChoiceField(
        label=_("Catálogo (solo CSV)"), required=False,
        choices=[("", _("Según el nombre del archivo"))] + [(k, f"{k} {v}") for k, v in TITLES.items()],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_CATALOG_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("El archivo pesa %(size)d KB; el máximo es %(max)d KB.")
                % {"size": upload.size // 1024, "max": settings.MAX_CATALOG_UPLOAD_BYTES // 1024}
            )
        name = upload.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("Solo se aceptan archivos .xlsx o .csv."))
        return upload


@admin.register(CatalogEntry)
class CatalogEntryAdmin(admin.ModelAdmin):
    list_display = ["catalog", "edition", "parent", "code", "name", "is_active"]
    list_filter = ["catalog", "edition", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["catalog", "edition", "parent", "code"]
    change_list_template = "admin/catalogs/catalogentry/change_list.html"

    def has_add_permission(self, request):
        return False  # catalogs come from MH: they are loaded, not typed in

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("cargar/", self.admin_site.admin_view(self.upload_view), name="catalogs_catalogentry_upload"),
        ] + super().get_urls()

    def upload_view(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        form = CatalogUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                if upload.name.lower().endswith(".xlsx"):
                    rows = loader.read_workbook(data, upload.name)
                else:
                    rows = loader.read_csv(data, upload.name, catalog=form.cleaned_data["catalog"] or None)
            except loader.CatalogFileError as exc:
                form.add_error("file", str(exc))
            else:
                stats = services.catalog_import(rows=rows, edition=form.cleaned_data["edition"], source=upload.name,
                                                acting_user=request.user)
                total = sum(s["created"] + s["updated"] for s in stats.values())
                messages.success(request, _("Cargados %(n)d catálogos (%(rows)d filas nuevas o modificadas).")
                                 % {"n": len(stats), "rows": total})
                return redirect(reverse("admin:catalogs_catalogentry_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Cargar catálogos de MH"), "summary": catalog_summary(), "titles": TITLES}
        return TemplateResponse(request, "admin/catalogs/catalogentry/upload.html", context)
