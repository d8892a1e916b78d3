from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST

from accounts import audit_display, selectors, services
from accounts.forms import AuditFilterForm, LoginForm, RoleGrantsForm
from accounts.modules import Module, home_panels, module_page, settings_pages
from core.access import authenticated_view, module_required, public_view
from core.modules import Action


class _AuditedPasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        with transaction.atomic():  # the new password and its audit row together
            response = super().form_valid(form)
            services.password_changed_record(user=form.user, acting_user=form.user, summary="Contraseña cambiada")
        return response


class _AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_changed_record(user=form.user, acting_user=form.user,
                                             summary="Contraseña restablecida por correo")
        return response


login = public_view(
    auth_views.LoginView.as_view(template_name="registration/login.html", authentication_form=LoginForm,
                                 redirect_authenticated_user=True)
)
logout = public_view(auth_views.LogoutView.as_view())
password_change = authenticated_view(
    _AuditedPasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done"))
)
password_change_done = authenticated_view(auth_views.PasswordChangeDoneView.as_view())
password_reset = public_view(
    auth_views.PasswordResetView.as_view(
        success_url=reverse_lazy("accounts:password_reset_done"),
        email_template_name="registration/password_reset_email.txt",
        html_email_template_name="registration/password_reset_email.html",
        subject_template_name="registration/password_reset_subject.txt",
    )
)
password_reset_done = public_view(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = public_view(
    _AuditedPasswordResetConfirmView.as_view(success_url=reverse_lazy("accounts:password_reset_complete"))
)
password_reset_complete = public_view(auth_views.PasswordResetCompleteView.as_view())


@authenticated_view
def home(request):
    user = request.user
    grants = user.grants()
    cards = []
    for module in Module:
        actions = [a.label for a in Action if (module.value, a.value) in grants]
        if actions:
            page = module_page(module)
            cards.append({"key": module.value, "label": module.label, "icon": page["icon"],
                          "actions": actions, "url_name": page["url"]})
    return render(request, "accounts/home.html", {
        "cards": cards, "approvals_pending": None,
        "locations": selectors.locations_for_user(user=user),
        "company": selectors.company_get(),
        "can_audit": user.can(Module.CONFIGURACION, Action.VIEW),
        **home_panels(user),  # what the apps above add (dte: the approvals waiting)
    })


@module_required(Module.CONFIGURACION, Action.VIEW)
def settings_overview(request):
    return _settings_page(request)


def _settings_page(request, role_form=None):
    roles = list(selectors.roles_with_grants())
    can_edit_roles = request.user.can(Module.CONFIGURACION, Action.EDIT)
    if role_form is None and roles:
        chosen = next((r for r in roles if str(r.pk) == request.GET.get("rol")), roles[0])
        role_form = RoleGrantsForm(role=chosen, disabled=not can_edit_roles)
    return render(request, "accounts/settings.html", {
        "company": selectors.company_get(),
        "locations": selectors.locations_for_user(user=request.user),
        "roles": roles,
        "role_form": role_form,
        "can_edit_roles": can_edit_roles,
        "can_edit": request.user.can(Module.CONFIGURACION, Action.EDIT) and request.user.is_staff,
        "pages": settings_pages(request.user, Module.CONFIGURACION),  # what the apps above add here
    })


@module_required(Module.CONFIGURACION, Action.EDIT)
@require_POST
def role_grants(request, pk):
    """Save one role's grid of grants (the configuration page); a pair the module does not have
    is refused with the form's error, nothing changed."""
    role = selectors.role_get(pk=pk)
    form = RoleGrantsForm(request.POST, role=role)
    if form.is_valid():
        services.role_set_permissions(role=role, grants=form.cleaned_data["grants"], acting_user=request.user)
        messages.success(request, _("Permisos del rol «%(r)s» guardados.") % {"r": role.name})
        return redirect(f"{reverse('accounts:settings')}?rol={role.pk}#role-matrix")
    return _settings_page(request, role_form=form)


@module_required(Module.CONFIGURACION, Action.VIEW)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entries(**{k: v for k, v in filters.items() if v})
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    page.object_list = audit_display.annotate(page.object_list)  # labels and readable values, per page
    query = request.GET.copy()
    query.pop("page", None)
    template = "accounts/partials/audit_rows.html" if request.htmx else "accounts/audit_list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@requires_csrf_token
def error_403(request, exception=None):
    return render(request, "403.html", {"title": _("Acceso denegado")}, status=403)


@requires_csrf_token
def error_404(request, exception=None):
    return render(request, "404.html", {"title": _("Página no encontrada")}, status=404)


@requires_csrf_token
def error_500(request):
    # No context processors that touch the database: the database may be why we are here.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
