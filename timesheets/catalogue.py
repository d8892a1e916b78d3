"""The work-time catalogue's pages (Spanish): departments, projects and employees, each with a
list (search, active filter, pages of 50), create, edit and deactivate. Managers only
(DOCUMENTOS · Aprobar, as the runs); every row is read through core.scope, so another
establishment's row is a 404 and a form offers only the user's establishments, departments,
projects and clients. Every write goes through the audited services."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import formats, scope
from core.access import module_required
from timesheets import forms, services
from timesheets.models import Department, Employee, Project

PAGE = 50


@dataclass(frozen=True)
class Kind:
    key: str  # URL name prefix
    model: type
    form: type
    title: str
    singular: str
    icon: str
    search: tuple  # fields searched (icontains)
    columns: tuple  # (header, attribute)


KINDS = {
    "department": Kind("department", Department, forms.DepartmentForm, gettext_lazy("Departamentos"),
                       gettext_lazy("departamento"), "diagram-3", ("code", "name"),
                       ((gettext_lazy("Código"), "code"), (gettext_lazy("Nombre"), "name"),
                        (gettext_lazy("Establecimiento"), "establishment"))),
    "project": Kind("project", Project, forms.ProjectForm, gettext_lazy("Proyectos"), gettext_lazy("proyecto"),
                    "kanban", ("code", "name", "client__name"),
                    ((gettext_lazy("Código"), "code"), (gettext_lazy("Nombre"), "name"),
                     (gettext_lazy("Cliente"), "client"), (gettext_lazy("Tarifa por hora"), "rate"))),
    "employee": Kind("employee", Employee, forms.EmployeeForm, gettext_lazy("Colaboradores"),
                     gettext_lazy("colaborador"), "people", ("code", "name", "email", "id_number"),
                     ((gettext_lazy("Código"), "code"), (gettext_lazy("Nombre"), "name"),
                      (gettext_lazy("Situación fiscal"), "get_fiscal_status_display"),
                      (gettext_lazy("Departamento"), "department"), (gettext_lazy("Proyecto"), "project"))),
}
MANAGE = ("documentos", "approve")


def _rows(kind, request):
    qs = scope.rows(kind.model, request.user)
    q, active = (request.GET.get("q") or "").strip()[:100], request.GET.get("active", "1")
    if q:
        cond = Q()
        for f in kind.search:
            cond |= Q(**{f"{f}__icontains": q})
        qs = qs.filter(cond)
    if active in ("0", "1"):
        qs = qs.filter(is_active=active == "1")
    return qs.order_by("name", "pk"), q, active


def _cells(kind, obj):
    out = []
    for _header, attr in kind.columns:
        value = getattr(obj, attr)
        value = value() if callable(value) else value
        out.append(formats.money(value) if attr == "rate" else value)
    return out


def _list(kind):
    @module_required(*MANAGE)
    def view(request):
        qs, q, active = _rows(kind, request)
        page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
        rows = [{"obj": o, "cells": _cells(kind, o)} for o in page.object_list]
        template = ("timesheets/partials/catalogue_rows.html" if request.headers.get("HX-Request")
                    and request.headers.get("HX-Target") == "catalogue-rows" else "timesheets/catalogue_list.html")
        return render(request, template, {"kind": kind, "page": page, "rows": rows, "q": q, "active": active,
                                          "headers": [h for h, _a in kind.columns], "kinds": KINDS.values()})

    return view


def _form_view(kind, *, edit):
    @module_required(*MANAGE)
    def view(request, pk=None):
        instance = scope.get_or_404(kind.model, request.user, pk=pk) if edit else kind.model()
        form = kind.form(request.POST or None, instance=instance, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                services.catalogue_save(instance=form.instance, acting_user=request.user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Guardado: %(n)s.") % {"n": str(form.instance)})
                return redirect(f"timesheets:{kind.key}_list")
        title = (_("Editar %(k)s") if edit else _("Nuevo %(k)s")) % {"k": kind.singular}
        return render(request, "timesheets/catalogue_form.html", {"kind": kind, "form": form, "title": title,
                                                                  "obj": instance if edit else None})

    return view


def _toggle(kind):
    @module_required(*MANAGE)
    @require_POST
    def view(request, pk):
        obj = scope.get_or_404(kind.model, request.user, pk=pk)
        services.catalogue_set_active(instance=obj, active=not obj.is_active, acting_user=request.user)
        messages.success(request, (_("%(n)s activado.") if obj.is_active else _("%(n)s desactivado.")) % {"n": str(obj)})
        return redirect(f"timesheets:{kind.key}_list")

    return view


department_list, project_list, employee_list = (_list(KINDS[k]) for k in ("department", "project", "employee"))
department_create, project_create, employee_create = (_form_view(KINDS[k], edit=False)
                                                      for k in ("department", "project", "employee"))
department_edit, project_edit, employee_edit = (_form_view(KINDS[k], edit=True) for k in ("department", "project", "employee"))
department_toggle, project_toggle, employee_toggle = (_toggle(KINDS[k]) for k in ("department", "project", "employee"))
