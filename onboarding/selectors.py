"""Reads for the authorisation pages: which types and events may be chosen, the company's current
run, and the checklist that stands between the test environment and production."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import MHEnvironment
from core import formats
from core.fiscal import GovStatus
from dte import arithmetic as ar
from dte.models import Document, InvalidationState, OfflineScope
from dte.signing.certificates import CertificateError, load_signing_key
from onboarding import recipes
from onboarding.models import (
    ACTIVE_RUN_STATES,
    ProductionSetup,
    RequirementKind,
    TestDocument,
    TestRequirement,
    TestRun,
)
from onboarding.progress import CONTINGENCY, INVALIDATION, progress

GENERATED_EVENTS = {INVALIDATION, CONTINGENCY}
MH_PRODUCTION_URL = "https://api.dtes.mh.gob.sv"


@dataclass
class Offer:
    requirement: TestRequirement
    available: bool
    reason: str = ""

    @property
    def code(self):
        return self.requirement.code


def offers(*, generation=None):
    """The requirement rows of the configured schema generation, with whether this product can
    generate each (a type it does not issue yet, an event it does not send yet, cannot)."""
    generation = generation or settings.DTE_SCHEMA_GENERATION
    out = []
    for req in TestRequirement.objects.order_by("position", "code"):
        if req.generation and req.generation != generation:
            continue
        if req.kind == RequirementKind.DTE:
            ok = req.code in recipes.GENERATED and req.code in ar.ALL_TYPES
            out.append(Offer(req, ok, "" if ok else _("Este sistema aún no emite este tipo de documento.")))
        else:
            ok = req.code in GENERATED_EVENTS
            out.append(Offer(req, ok, "" if ok else _("Este sistema aún no envía este evento.")))
    return out


def test_set_hold(document):
    """dte.hooks delivery hold: a document of the test set is generated from the company's real
    clients for MH's test environment, not for them: it is never emailed to them by itself."""
    if TestDocument.objects.filter(document_id=document.pk).exists():
        return _("Documento del set de pruebas de MH")
    return None


def latest_run(*, company):
    if company is None:
        return None
    return TestRun.objects.filter(company=company).select_related("started_by").order_by("-created_at", "-pk").first()


def active_run(*, company):
    return TestRun.objects.filter(company=company, state__in=ACTIVE_RUN_STATES).first()


def setup_for(*, company):
    return ProductionSetup.objects.filter(company=company).first()


@dataclass
class Check:
    key: str
    label: str
    ok: bool
    detail: str = ""


UNSETTLED = (GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT, GovStatus.CONTINGENCY,
             GovStatus.INVALIDATION_PENDING)


def _certificate_check(company, setup):
    label = _("Certificado de firma de producción")
    if setup is None or not setup.certificate or not setup.certificate_password:
        return Check("certificate", label, False, _("Suba el certificado de producción y la contraseña de su llave "
                                                    "privada (MH entrega uno nuevo en el ambiente productivo)."))
    try:
        key = load_signing_key(bytes(setup.certificate), setup.certificate_password)
    except (CertificateError, ValueError) as exc:
        return Check("certificate", label, False, str(exc))
    if key.nit and key.nit != company.nit:
        return Check("certificate", label, False, _("El certificado es del NIT %(c)s, no del de la empresa.") % {"c": key.nit})
    if company.certificate and bytes(company.certificate) == bytes(setup.certificate):
        return Check("certificate", label, False, _("Es el mismo certificado del ambiente de pruebas: MH entrega otro "
                                                    "al acreditarse en el ambiente productivo."))
    return Check("certificate", label, True, setup.certificate_filename)


def checklist(*, company, today=None):
    """Everything that must hold before the company moves to production (ambiente 01), each with
    what is missing; the switch refuses while any fails (services.production_switch)."""
    today = today or timezone.localdate()
    setup = setup_for(company=company)
    run = latest_run(company=company)
    checks = [Check("environment", _("La empresa está en el ambiente de pruebas"),
                    company.mh_environment == MHEnvironment.TEST,
                    "" if company.mh_environment == MHEnvironment.TEST else _("Ya emite en producción."))]
    if run is None:
        checks.append(Check("tests", _("Pruebas mínimas de MH con sello"), False,
                            _("Aún no ha elegido los tipos de documento ni enviado el set de pruebas.")))
    else:
        state = progress(company=company, codes=run.items)
        checks.append(Check("tests", _("Pruebas mínimas de MH con sello"), state.complete,
                            "; ".join(str(m) for m in state.missing_text())))
    unsettled = Document.objects.filter(company=company, status__in=UNSETTLED).count()
    periods = OfflineScope.objects.filter(company=company, completed_at__isnull=True).count()
    invalidations = Document.objects.filter(company=company,
                                            invalidations__state__in=[InvalidationState.PENDING, InvalidationState.SENDING]
                                            ).distinct().count()
    busy = []
    if run is not None and run.active:
        busy.append(_("el set de pruebas sigue en curso"))
    if unsettled:
        busy.append(_("%(n)d documentos esperan respuesta de MH") % {"n": unsettled})
    if periods:
        busy.append(_("%(n)d contingencias sin terminar de transmitir") % {"n": periods})
    if invalidations:
        busy.append(_("%(n)d invalidaciones esperan respuesta de MH") % {"n": invalidations})
    checks.append(Check("settled", _("Nada pendiente de transmitir al ambiente de pruebas"), not busy,
                        "; ".join(busy) + ("." if busy else "")))
    if setup is None or setup.authorization_date is None:
        checks.append(Check("authorization", _("Autorización de MH como emisor"), False,
                            _("Indique la fecha en que MH notificó la autorización (correo o Sitio de Emisores → "
                              "Autorizaciones).")))
    elif setup.authorization_date > today:
        checks.append(Check("authorization", _("Autorización de MH como emisor"), False,
                            _("La fecha de la autorización no puede ser futura.")))
    else:
        checks.append(Check("authorization", _("Autorización de MH como emisor"), True,
                            _("Notificada el %(d)s") % {"d": formats.date(setup.authorization_date)}))
    url = (setup.api_url if setup else "") or MH_PRODUCTION_URL
    bad_url = not url.startswith("https://") or "apitest" in url
    checks.append(Check("url", _("URL de la API de producción"), not bad_url,
                        _("Debe ser la de producción de MH, con https (no la de pruebas).") if bad_url else url))
    has_credentials = bool(setup and setup.api_user and setup.api_password)
    checks.append(Check("credentials", _("Usuario y contraseña de la API de producción"), has_credentials,
                        setup.api_user if has_credentials else
                        _("Indique el usuario y la contraseña de la API que fijó en el ambiente productivo.")))
    checks.append(_certificate_check(company, setup))
    responsible = bool(company.mh_responsible_name and company.mh_responsible_id_number)
    checks.append(Check("responsible", _("Responsable ante MH"), responsible,
                        company.mh_responsible_name if responsible else
                        _("Indíquelo en Empresa: lo exigen los eventos de contingencia e invalidación.")))
    return checks
