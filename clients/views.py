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
from clients import selectors, services
from clients.forms import ClientForm
from clients.models import ClientKind
from clients.uploads import SPEC
from core.access import module_required
from core.modules import Action


@module_required(Module.CLIENTES, Action.VIEW)
def client_list(request):
    query, kind, active = request.GET.get("q", ""), request.GET.get("kind", ""), request.GET.get("active", "1")
    page = Paginator(selectors.client_list(user=request.user, query=query, kind=kind, active=active), 50).get_page(
        request.GET.get("page"))
    context = {"page": page, "q": query, "kind": kind, "active": active, "kinds": ClientKind.choices,
               "can_create": request.user.can(Module.CLIENTES, Action.CREATE),
               "can_export": request.user.can(Module.CLIENTES, Action.EXPORT)}
    template = "clients/partials/client_rows.html" if request.htmx and request.htmx.target == "client-rows" else "clients/list.html"
    return render(request, template, context)


@module_required(Module.CLIENTES, Action.VIEW)
def client_search(request):
    """Type-ahead for document forms: the first matches as a list (htmx)."""
    results = selectors.client_search(user=request.user, query=request.GET.get("q", ""), limit=10)
    return render(request, "clients/partials/search_results.html", {"results": results, "q": request.GET.get("q", "")})


@module_required(Module.CLIENTES, Action.VIEW)
def client_detail(request, pk):
    client = selectors.client_get_for_user(user=request.user, pk=pk)
    return render(request, "clients/detail.html", {"client": client,
                                                   "can_edit": request.user.can(Module.CLIENTES, Action.EDIT)})


def _save(request, form, client=None):
    if not form.is_valid():
        return False
    data = dict(form.cleaned_data)
    try:
        if client is None:
            return services.client_create(data=data, acting_user=request.user)
        return services.client_update(client=client, data=data, acting_user=request.user)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False


@module_required(Module.CLIENTES, Action.CREATE)
def client_create(request):
    form = ClientForm(request.POST or None, user=request.user)
    if request.method == "POST":
        client = _save(request, form)
        if client:
            messages.success(request, _("Cliente «%(n)s» creado.") % {"n": client.name})
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/form.html", {"form": form, "title": _("Nuevo cliente")})


@module_required(Module.CLIENTES, Action.EDIT)
def client_edit(request, pk):
    client = selectors.client_get_for_user(user=request.user, pk=pk)
    form = ClientForm(request.POST or None, instance=client, user=request.user)
    if request.method == "POST":
        saved = _save(request, form, client)
        if saved:
            messages.success(request, _("Cliente «%(n)s» guardado.") % {"n": saved.name})
            return redirect("clients:detail", pk=saved.pk)
    return render(request, "clients/form.html", {"form": form, "title": _("Editar cliente"), "client": client})


@module_required(Module.CLIENTES, Action.EDIT)
@require_POST
def client_toggle_active(request, pk):
    client = selectors.client_get_for_user(user=request.user, pk=pk)
    services.client_set_active(client=client, active=not client.is_active, acting_user=request.user)
    messages.success(request, _("Cliente activado.") if client.is_active else _("Cliente desactivado."))
    return redirect("clients:detail", pk=client.pk)


@module_required(Module.CLIENTES, Action.EXPORT)
def client_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    qs = selectors.clients_for_user(user=request.user).order_by("name")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(export_csv(SPEC, qs), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(export_xlsx(SPEC, qs),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="clientes-{stamp}.{fmt}"'
    return response
