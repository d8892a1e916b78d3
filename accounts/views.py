from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

from accounts import selectors, services
from accounts.access import authenticated_view, module_required, public_view
from accounts.forms import AuditFilterForm, LoginForm
from accounts.modules import MODULE_META, Action, Module


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
            cards.append({"key": module.value, "label": module.label, "icon": MODULE_META[module]["icon"],
                          "actions": actions, "url_name": MODULE_META[module]["url"]})
    approvals = None
    if user.can(Module.DOCUMENTOS, Action.APPROVE):  # the approver's first question: who is waiting for me
        from dte.selectors import approvals_pending_count

        approvals = approvals_pending_count(user=user)
    return render(request, "accounts/home.html", {
        "cards": cards, "approvals_pending": approvals,
        "locations": selectors.locations_for_user(user=user),
        "company": selectors.company_get(),
        "can_audit": user.can(Module.CONFIGURACION, Action.VIEW),
    })


@module_required(Module.CONFIGURACION, Action.VIEW)
def settings_overview(request):
    return render(request, "accounts/settings.html", {
        "company": selectors.company_get(),
        "locations": selectors.locations_for_user(user=request.user),
        "roles": selectors.roles_with_grants(),
        "modules": list(Module),
        "actions": list(Action),
        "can_edit": request.user.can(Module.CONFIGURACION, Action.EDIT) and request.user.is_staff,
    })


@module_required(Module.CONFIGURACION, Action.VIEW)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entries(**{k: v for k, v in filters.items() if v})
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
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
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render({}))
