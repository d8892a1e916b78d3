from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from bulk.exports import export_csv, export_xlsx
from core.access import module_required
from core.modules import Action
from inventory import selectors, services
from inventory.forms import ProductForm, ProviderForm
from inventory.models import Product, Provider, TaxTreatment
from inventory.uploads import products as product_uploads
from inventory.uploads import providers as provider_uploads

INV = Module.INVENTARIO


def _page(request, qs):
    return Paginator(qs, 50).get_page(request.GET.get("page"))


def _export(spec, qs, name, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(export_csv(spec, qs), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(export_xlsx(spec, qs),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response


def _save(request, form, saver, **kwargs):
    if not form.is_valid():
        return None
    try:
        return saver(data=form.cleaned_data, acting_user=request.user, **kwargs)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


def _flags(request):
    return {"can_create": request.user.can(INV, Action.CREATE), "can_edit": request.user.can(INV, Action.EDIT),
            "can_export": request.user.can(INV, Action.EXPORT)}


# ------------------------------------------------------------------------------------- products


@module_required(INV, Action.VIEW)
def product_list(request):
    q, active, treatment = request.GET.get("q", ""), request.GET.get("active", "1"), request.GET.get("treatment", "")
    page = _page(request, selectors.product_list(query=q, active=active, treatment=treatment))
    ctx = {"page": page, "q": q, "active": active, "treatment": treatment, "treatments": TaxTreatment.choices,
           **_flags(request)}
    template = "inventory/partials/product_rows.html" if request.htmx and request.htmx.target == "product-rows" \
        else "inventory/product_list.html"
    return render(request, template, ctx)


@module_required(INV, Action.VIEW)
def product_search(request):
    results = selectors.product_search(query=request.GET.get("q", ""), limit=10)
    return render(request, "inventory/partials/product_search.html", {"results": results, "q": request.GET.get("q", "")})


@module_required(INV, Action.VIEW)
def product_detail(request, pk):
    return render(request, "inventory/product_detail.html", {"product": selectors.product_get(pk=pk), **_flags(request)})


@module_required(INV, Action.CREATE)
def product_create(request):
    form = ProductForm(request.POST or None)
    if request.method == "POST":
        product = _save(request, form, services.product_save, product=Product())
        if product:
            messages.success(request, _("Producto %(c)s creado.") % {"c": product.code})
            return redirect("inventory:product_detail", pk=product.pk)
    return render(request, "inventory/form.html", {"form": form, "title": _("Nuevo producto o servicio"),
                                                   "back": "inventory:product_list"})


@module_required(INV, Action.EDIT)
def product_edit(request, pk):
    product = selectors.product_get(pk=pk)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST":
        saved = _save(request, form, services.product_save, product=product)
        if saved:
            messages.success(request, _("Producto %(c)s guardado.") % {"c": saved.code})
            return redirect("inventory:product_detail", pk=saved.pk)
    return render(request, "inventory/form.html", {"form": form, "title": _("Editar producto"),
                                                   "back": "inventory:product_list"})


@module_required(INV, Action.EDIT)
@require_POST
def product_toggle_active(request, pk):
    product = selectors.product_get(pk=pk)
    services.set_active(obj=product, active=not product.is_active, acting_user=request.user)
    return redirect("inventory:product_detail", pk=pk)


@module_required(INV, Action.EXPORT)
def product_export(request, fmt):
    return _export(product_uploads.SPEC, Product.objects.order_by("code"), "productos", fmt)


# ------------------------------------------------------------------------------------ providers


@module_required(INV, Action.VIEW)
def provider_list(request):
    q, active = request.GET.get("q", ""), request.GET.get("active", "1")
    ctx = {"page": _page(request, selectors.provider_list(query=q, active=active)), "q": q, "active": active,
           **_flags(request)}
    template = "inventory/partials/provider_rows.html" if request.htmx and request.htmx.target == "provider-rows" \
        else "inventory/provider_list.html"
    return render(request, template, ctx)


@module_required(INV, Action.VIEW)
def provider_detail(request, pk):
    return render(request, "inventory/provider_detail.html", {"provider": selectors.provider_get(pk=pk), **_flags(request)})


@module_required(INV, Action.CREATE)
def provider_create(request):
    form = ProviderForm(request.POST or None)
    if request.method == "POST":
        provider = _save(request, form, services.provider_save, provider=Provider())
        if provider:
            messages.success(request, _("Proveedor creado."))
            return redirect("inventory:provider_detail", pk=provider.pk)
    return render(request, "inventory/form.html", {"form": form, "title": _("Nuevo proveedor"),
                                                   "back": "inventory:provider_list"})


@module_required(INV, Action.EDIT)
def provider_edit(request, pk):
    provider = selectors.provider_get(pk=pk)
    form = ProviderForm(request.POST or None, instance=provider)
    if request.method == "POST":
        saved = _save(request, form, services.provider_save, provider=provider)
        if saved:
            messages.success(request, _("Proveedor guardado."))
            return redirect("inventory:provider_detail", pk=saved.pk)
    return render(request, "inventory/form.html", {"form": form, "title": _("Editar proveedor"),
                                                   "back": "inventory:provider_list"})


@module_required(INV, Action.EDIT)
@require_POST
def provider_toggle_active(request, pk):
    provider = selectors.provider_get(pk=pk)
    services.set_active(obj=provider, active=not provider.is_active, acting_user=request.user)
    return redirect("inventory:provider_detail", pk=pk)


@module_required(INV, Action.EXPORT)
def provider_export(request, fmt):
    return _export(provider_uploads.SPEC, Provider.objects.order_by("name"), "proveedores", fmt)
