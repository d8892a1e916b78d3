"""Writes of the authorisation pages: start, resume and stop a test run; keep the production
credentials; move the company to production once the checklist holds. Each one audited in its
own transaction; the work itself runs in a worker (onboarding.tasks), queued after commit."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Company, MHEnvironment
from accounts.modules import Module
from accounts.services import company_update
from core.audit import audit_record, audited_save
from core.models import AuditAction
from core.modules import Action
from core.queue import enqueue, enqueue_on_commit
from core.statemachine import TransitionRefused
from dte.services.drafts import types_for
from onboarding import catalogue, selectors
from onboarding.models import ACTIVE_RUN_STATES, ProductionSetup, RunState, TestRequirement, TestRun
from onboarding.states import RUN

log = logging.getLogger(__name__)

SWEEP_GRACE_SECONDS = 60


def _require(user):
    if not (user and user.can(Module.CONFIGURACION, Action.EDIT)):
        raise PermissionDenied(_("Solo quien administra la configuración envía el set de pruebas de MH."))


def _queue(run):
    from onboarding.tasks import step_task  # noqa: PLC0415 - cycle: onboarding.tasks imports this module (the sweeper)

    enqueue_on_commit(step_task, run.pk)


def _prerequisites(company, user, codes):
    """What keeps the run from starting, in Spanish: settings, the user's grants, the catalogue."""
    out = []
    if company.mh_environment != MHEnvironment.TEST:
        out.append(_("La empresa ya está en producción: el set de pruebas solo se envía al ambiente de pruebas (00)."))
    if not (company.has_certificate and company.certificate_password):
        out.append(_("Falta el certificado de firma de la empresa y la contraseña de su llave privada."))
    if not (company.mh_api_user and company.has_mh_password):
        out.append(_("Faltan el usuario y la contraseña de la API de MH del ambiente de pruebas."))
    if not (company.mh_responsible_name and company.mh_responsible_id_type and company.mh_responsible_id_number):
        out.append(_("Falta el responsable ante MH (Empresa): lo exigen las invalidaciones y la contingencia."))
    for module, action, what in ((Module.DOCUMENTOS, Action.CREATE, _("emitir documentos")),
                                 (Module.DOCUMENTOS, Action.INVALIDATE, _("invalidar")),
                                 (Module.CONTINGENCIA, Action.EDIT, _("declarar contingencias"))):
        if not user.can(module, action):
            out.append(_("Su rol no le permite %(w)s, y el set de pruebas lo hace en su nombre.") % {"w": what})
    allowed = set(types_for(user=user))
    names = dict(TestRequirement.objects.values_list("code", "name"))
    for code in codes:
        if code.isdigit() and code not in allowed:
            out.append(_("Su rol no emite %(t)s.") % {"t": names.get(code, code)})
    for code, problems in sorted(catalogue.gaps(catalogue.catalogue_for(user=user), codes).items()):
        out.extend(f"{names.get(code, code)}: {p}" for p in problems)
    return out


def run_start(*, company, codes, acting_user):
    """Start the test set for the chosen types (the events MH always requires are added). Refused,
    with every reason, when something is missing; nothing is sent until the worker takes it."""
    _require(acting_user)
    offered = {o.code: o for o in selectors.offers()}
    codes = [c for c in dict.fromkeys(codes) if c]
    unknown = [c for c in codes if c not in offered or not offered[c].available]
    if unknown:
        raise ValidationError(_("No se pueden generar: %(c)s.") % {"c": ", ".join(unknown)})
    if not any(offered[c].requirement.kind == "dte" for c in codes):
        raise ValidationError(_("Elija al menos un tipo de documento que la empresa usará."))
    chosen = [o.code for o in offered.values() if o.code in codes or (o.requirement.mandatory and o.available)]
    problems = _prerequisites(company, acting_user, chosen)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()  # one run at a time
        if TestRun.objects.filter(company=company, state__in=ACTIVE_RUN_STATES).exists():
            raise ValidationError(_("Ya hay un set de pruebas en curso."))
        run = TestRun.objects.create(company=company, items=chosen, started_by=acting_user,
                                     generation=settings.DTE_SCHEMA_GENERATION, next_step_at=timezone.now())
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=run,
                     summary=_("Set de pruebas de MH iniciado"), after={"tipos_y_eventos": chosen})
        _queue(run)
    return run


def run_resume(*, run, acting_user):
    """A failed or stopped run goes on from what MH has already sealed."""
    _require(acting_user)
    problems = _prerequisites(run.company, acting_user, run.items)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        if TestRun.objects.filter(company=run.company, state__in=ACTIVE_RUN_STATES).exclude(pk=run.pk).exists():
            raise ValidationError(_("Ya hay un set de pruebas en curso."))
        try:
            RUN.move(run, RunState.QUEUED, by=acting_user, reason=_("Reanudado"), error="", finished_at=None,
                     next_step_at=timezone.now())
        except TransitionRefused as exc:
            raise ValidationError(str(exc))
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=run, summary=_("Set de pruebas de MH reanudado"))
        _queue(run)
    return run


def run_stop(*, run, acting_user):
    """Nothing more is generated; what was already sent to MH still gets its answer."""
    _require(acting_user)
    with transaction.atomic():
        try:
            RUN.move(run, RunState.STOPPED, by=acting_user, reason=_("Detenido por el usuario"),
                     finished_at=timezone.now(), next_step_at=None)
        except TransitionRefused as exc:
            raise ValidationError(str(exc))
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=run, summary=_("Set de pruebas de MH detenido"))
    return run


def runs_sweep(task, *, now=None):
    """Runs whose next step is overdue (a lost message, a dead worker) get one again."""
    now = now or timezone.now()
    late = now - datetime.timedelta(seconds=SWEEP_GRACE_SECONDS)
    ids = list(TestRun.objects.filter(state__in=ACTIVE_RUN_STATES, next_step_at__lt=late)
               .exclude(busy_until__gt=now).values_list("pk", flat=True)[:20])
    for pk in ids:
        enqueue(task, pk)
    return len(ids)


# ------------------------------------------------------------------------------- production


def production_setup_save(*, company, acting_user, data, api_password=None, certificate=None, certificate_filename="",
                          certificate_password=None):
    """Keep what production needs (MH's authorisation date, the production API user and URL; a
    secret only when a new one is given). Audited with the secrets masked."""
    _require(acting_user)
    with transaction.atomic():
        setup = ProductionSetup.objects.select_for_update().filter(company=company).first() or ProductionSetup(company=company)
        for name in ("api_url", "api_user", "authorization_date"):
            if name in data:
                setattr(setup, name, data[name])
        replaced = []
        if api_password:
            setup.api_password = api_password
            replaced.append(_("contraseña de la API"))
        if certificate:
            setup.certificate = certificate
            setup.certificate_filename = certificate_filename[:120]
            replaced.append(_("certificado"))
        if certificate_password:
            setup.certificate_password = certificate_password
            replaced.append(_("contraseña del certificado"))
        setup.updated_by = acting_user
        summary = _("Datos de producción guardados")
        if replaced:
            summary += " (" + _("reemplazado: %(r)s") % {"r": ", ".join(str(r) for r in replaced)} + ")"
        return audited_save(instance=setup, acting_user=acting_user, summary=summary)


def production_switch(*, company, acting_user):
    """Move the company to production (ambiente 01) with the production URL, credentials and
    certificate, once every check holds; otherwise refuse, naming what is missing."""
    _require(acting_user)
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        failing = [c for c in selectors.checklist(company=company) if not c.ok]
        if failing:
            raise ValidationError([f"{c.label}: {c.detail}" if c.detail else str(c.label) for c in failing])
        setup = ProductionSetup.objects.select_for_update().get(company=company)
        company_update(company=company, acting_user=acting_user,
                       data={"mh_environment": MHEnvironment.PRODUCTION, "mh_api_url": setup.api_url,
                             "mh_api_user": setup.api_user},
                       mh_api_password=setup.api_password, certificate=bytes(setup.certificate),
                       certificate_filename=setup.certificate_filename, certificate_password=setup.certificate_password)
        now = timezone.now()
        ProductionSetup.objects.filter(pk=setup.pk).update(switched_at=now, switched_by=acting_user)
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=company,
                     summary=_("Paso a producción: ambiente 01 con las credenciales y el certificado de producción"),
                     before={"mh_environment": MHEnvironment.TEST}, after={
                         "mh_environment": MHEnvironment.PRODUCTION, "mh_api_url": setup.api_url or selectors.MH_PRODUCTION_URL,
                         "mh_api_user": setup.api_user, "autorizacion_mh": setup.authorization_date.isoformat()})
    log.warning("empresa %s: paso a producción (ambiente 01) por %s", company.pk, acting_user)
    return company
