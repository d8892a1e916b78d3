"""The admin's pages for MH's authorisation: choose the types, send the test set to the test
environment and follow it (htmx polls the progress while a run is active), then the checklist
and the switch to production. Every URL needs Configuración · Editar."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from accounts.selectors import company_get
from core.access import module_required
from core.modules import Action
from onboarding import selectors, services
from onboarding.forms import ProductionForm, StartForm
from onboarding.progress import progress

ADMIN = (Module.CONFIGURACION, Action.EDIT)


def _run_context(company):
    run = selectors.latest_run(company=company)
    state = progress(company=company, codes=run.items) if run else None
    return {"run": run, "state": state}


def _page(request, company, form):
    offers = selectors.offers()
    checks = selectors.checklist(company=company) if company else []
    return render(request, "onboarding/index.html", {
        "title": _("Autorización de MH"), "company": company, "form": form, "offers": offers,
        "checks_ok": sum(1 for c in checks if c.ok), "checks_total": len(checks),
        "mandatory": [o for o in offers if o.requirement.mandatory], **(_run_context(company) if company else {})})


@module_required(*ADMIN)
def index(request):
    company = company_get()
    offers = selectors.offers()
    form = StartForm(request.POST if request.method == "POST" else None, offers=offers)
    if request.method == "POST" and company is not None and form.is_valid():
        try:
            services.run_start(company=company, codes=form.cleaned_data["items"], acting_user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Set de pruebas en marcha: los documentos se generan y se envían al ambiente "
                                        "de pruebas de MH en segundo plano."))
            return redirect("onboarding:index")
    return _page(request, company, form)


@module_required(*ADMIN)
def progress_partial(request):
    company = company_get()
    return render(request, "onboarding/partials/progress.html", _run_context(company) if company else {})


def _latest_or_back(request):
    run = selectors.latest_run(company=company_get())
    if run is None:
        messages.info(request, _("Aún no hay un set de pruebas."))
    return run


@module_required(*ADMIN)
@require_POST
def stop(request):
    run = _latest_or_back(request)
    if run is not None:
        try:
            services.run_stop(run=run, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.info(request, _("Set de pruebas detenido. Lo ya enviado a MH sigue recibiendo su respuesta."))
    return redirect("onboarding:index")


@module_required(*ADMIN)
@require_POST
def resume(request):
    run = _latest_or_back(request)
    if run is not None:
        try:
            services.run_resume(run=run, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Set de pruebas reanudado."))
    return redirect("onboarding:index")


def _production_page(request, company, form, refused=()):
    setup = selectors.setup_for(company=company) if company else None
    checks = selectors.checklist(company=company) if company else []
    return render(request, "onboarding/production.html", {
        "title": _("Paso a producción"), "company": company, "form": form, "setup": setup, "checks": checks,
        "ready": bool(checks) and all(c.ok for c in checks), "refused": refused})


def _initial(setup):
    if setup is None:
        return {}
    # <input type="date"> takes only ISO dates (what it shows is the browser's own format).
    return {"authorization_date": setup.authorization_date.isoformat() if setup.authorization_date else "",
            "api_url": setup.api_url, "api_user": setup.api_user}


@module_required(*ADMIN)
def production(request):
    company = company_get()
    setup = selectors.setup_for(company=company) if company else None
    posted = request.method == "POST"
    form = ProductionForm(request.POST if posted else None, request.FILES if posted else None, initial=_initial(setup))
    if request.method == "POST" and company is not None and form.is_valid():
        data = form.cleaned_data
        upload = data.get("new_certificate")
        services.production_setup_save(
            company=company, acting_user=request.user,
            data={k: data[k] for k in ("authorization_date", "api_url", "api_user")},
            api_password=data.get("new_api_password") or None, certificate=upload.read() if upload else None,
            certificate_filename=upload.name if upload else "",
            certificate_password=data.get("new_certificate_password") or None)
        messages.success(request, _("Datos de producción guardados."))
        return redirect("onboarding:production")
    return _production_page(request, company, form)


@module_required(*ADMIN)
@require_POST
def switch(request):
    company = company_get()
    if company is None:
        return redirect("onboarding:production")
    try:
        services.production_switch(company=company, acting_user=request.user)
    except ValidationError as exc:
        form = ProductionForm(initial=_initial(selectors.setup_for(company=company)))
        return _production_page(request, company, form, refused=exc.messages)
    messages.success(request, _("La empresa emite desde ahora en producción (ambiente 01)."))
    return redirect("onboarding:production")
