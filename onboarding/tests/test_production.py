"""The checklist before production and the switch: refused, naming each missing piece, until
the tests are complete and sealed, nothing waits for MH, MH's authorisation is recorded and the
production URL, credentials and certificate are the production ones; then audited."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import AuditEntry
from dte.models import Document, GovStatus, Invalidation, InvalidationState
from onboarding import selectors, services
from onboarding.models import Purpose, RunState, TestPeriod
from onboarding.states import RUN
from onboarding.tests.test_generator import _docs, _seal, _steps

PRODUCTION_CERT_PASSWORD = "clave-de-produccion"


@pytest.fixture
def production_certificate():
    from dte.signing.certificates import build_mh_crt

    return build_mh_crt(nit="06140507071048", password=PRODUCTION_CERT_PASSWORD)


@pytest.fixture
def completed(requirements, catalogue, admin_user, signing_company):
    """A run of Facturas whose every count MH sealed (its answers written by hand)."""
    from contingency.models import Event, EventState

    requirements({"01": 2, "invalidacion": 1, "contingencia": 1})
    run = services.run_start(company=signing_company, codes=["01"], acting_user=admin_user)
    _steps(run)
    _seal(_docs(run, "01") + _docs(run, "01", Purpose.INVALIDATE) + _docs(run, "01", Purpose.CONTINGENCY))
    _steps(run)
    invalidation = Invalidation.objects.get()
    Invalidation.objects.filter(pk=invalidation.pk).update(state=InvalidationState.ACCEPTED, sello_recibido="S" * 40)
    Document.objects.filter(pk=invalidation.document_id).update(status=GovStatus.INVALIDATED)
    period = TestPeriod.objects.get(run=run).period
    Event.objects.create(period=period, establishment=period.establishment, point_of_sale=period.point_of_sale,
                         codigo_generacion="1F2E3D4C-0000-4000-8000-00000000F00D", payload="{}", jws="a.b.c",
                         state=EventState.SEALED, sello_recibido="E" * 40)
    type(period).objects.filter(pk=period.pk).update(completed_at=timezone.now())
    assert runner_done(run)
    return run


def runner_done(run):
    from onboarding import runner

    runner.step(run.pk)
    run.refresh_from_db()
    return run.state == RunState.COMPLETE


def _missing(company):
    return {c.key for c in selectors.checklist(company=company) if not c.ok}


def _ready_setup(company, user, certificate, **over):
    data = {"authorization_date": timezone.localdate() - datetime.timedelta(days=1), "api_url": "",
            "api_user": "06140507071048"}
    data.update(over)
    return services.production_setup_save(company=company, acting_user=user, data=data, api_password="Prod-Clave#2026",
                                          certificate=certificate, certificate_filename="06140507071048.crt",
                                          certificate_password=PRODUCTION_CERT_PASSWORD)


def test_nothing_done_yet_the_switch_names_everything_missing(requirements, admin_user, signing_company):
    with pytest.raises(ValidationError) as exc:
        services.production_switch(company=signing_company, acting_user=admin_user)
    text = " ".join(exc.value.messages)
    assert "Aún no ha elegido los tipos" in text
    assert "Indique la fecha en que MH notificó la autorización" in text
    assert "usuario y la contraseña de la API" in text and "Suba el certificado de producción" in text
    signing_company.refresh_from_db()
    assert signing_company.mh_environment == "00"
    assert _missing(signing_company) == {"tests", "authorization", "credentials", "certificate"}


def test_incomplete_tests_refuse_the_switch_and_say_how_many_are_sealed(requirements, catalogue, admin_user,
                                                                        signing_company, production_certificate):
    requirements({"01": 3, "invalidacion": 1, "contingencia": 1})
    run = services.run_start(company=signing_company, codes=["01"], acting_user=admin_user)
    _steps(run)
    _seal(_docs(run, "01")[:1])
    RUN.move(run, RunState.STOPPED)
    _ready_setup(signing_company, admin_user, production_certificate)
    # Facturas still waiting for MH, an invalidation not yet asked, the outage's documents on their way
    with pytest.raises(ValidationError) as exc:
        services.production_switch(company=signing_company, acting_user=admin_user)
    text = " ".join(exc.value.messages)
    assert "Factura: 1 de 3 sellados" in text and "Evento de invalidación: 0 de 1 sellados" in text
    assert "documentos esperan respuesta de MH" in text and "contingencias sin terminar" in text
    assert _missing(signing_company) == {"tests", "settled"}


def test_the_production_certificate_must_be_a_new_valid_one(completed, admin_user, signing_company,
                                                           production_certificate):
    from dte.tests.conftest import CERT_PASSWORD

    # the test environment's certificate again: MH gives another one in production
    services.production_setup_save(company=signing_company, acting_user=admin_user, data={
        "authorization_date": timezone.localdate(), "api_user": "06140507071048"}, api_password="Prod-Clave#2026",
        certificate=bytes(signing_company.certificate), certificate_password=CERT_PASSWORD)
    checks = {c.key: c for c in selectors.checklist(company=signing_company)}
    assert not checks["certificate"].ok and "mismo certificado del ambiente de pruebas" in checks["certificate"].detail
    # a new one with the wrong password
    services.production_setup_save(company=signing_company, acting_user=admin_user, data={},
                                   certificate=production_certificate, certificate_password="otra")
    checks = {c.key: c for c in selectors.checklist(company=signing_company)}
    assert not checks["certificate"].ok and "contraseña" in checks["certificate"].detail
    assert _missing(signing_company) == {"certificate"}


@pytest.mark.parametrize("url", ["https://apitest.dtes.mh.gob.sv", "http://api.dtes.mh.gob.sv"])
def test_the_test_url_or_plain_http_is_refused(completed, admin_user, signing_company, production_certificate, url):
    _ready_setup(signing_company, admin_user, production_certificate, api_url=url)
    with pytest.raises(ValidationError, match="URL de la API de producción: Debe ser la de producción de MH"):
        services.production_switch(company=signing_company, acting_user=admin_user)


def test_an_authorisation_dated_in_the_future_is_refused(completed, admin_user, signing_company, production_certificate):
    _ready_setup(signing_company, admin_user, production_certificate,
                 authorization_date=timezone.localdate() + datetime.timedelta(days=2))
    assert _missing(signing_company) == {"authorization"}


def test_a_document_still_waiting_for_mh_blocks_the_switch(completed, admin_user, signing_company, production_certificate,
                                                           make_draft):
    from dte.services.issuing import document_issue

    _ready_setup(signing_company, admin_user, production_certificate)
    assert _missing(signing_company) == set()
    document_issue(document=make_draft("01"), acting_user=admin_user)  # by hand, still in the test environment
    with pytest.raises(ValidationError, match="1 documentos esperan respuesta de MH"):
        services.production_switch(company=signing_company, acting_user=admin_user)


def test_the_switch_copies_the_production_settings_and_is_audited(completed, admin_user, signing_company,
                                                                  production_certificate):
    _ready_setup(signing_company, admin_user, production_certificate)
    assert _missing(signing_company) == set()
    services.production_switch(company=signing_company, acting_user=admin_user)
    signing_company.refresh_from_db()
    assert signing_company.mh_environment == "01" and signing_company.mh_api_url == ""  # MH's production URL
    assert signing_company.mh_api_password == "Prod-Clave#2026"
    assert bytes(signing_company.certificate) == production_certificate
    assert signing_company.certificate_password == PRODUCTION_CERT_PASSWORD
    entry = AuditEntry.objects.filter(summary__startswith="Paso a producción").get()
    assert entry.actor == admin_user and entry.after["mh_environment"] == "01"
    assert "Prod-Clave" not in str(AuditEntry.objects.values_list("before", "after"))  # secrets never in the trail
    # and a test set cannot be sent any more
    with pytest.raises(ValidationError, match="ya está en producción"):
        services.run_start(company=signing_company, codes=["01"], acting_user=admin_user)


def test_the_company_admin_cannot_switch_around_the_checklist(requirements, users, signing_company, client_as):
    data = {f: getattr(signing_company, f) for f in ["nit", "nrc", "legal_name", "trade_name", "activity_code",
                                                     "activity_description", "departamento", "municipio", "address",
                                                     "phone", "email", "mh_api_url", "mh_api_user"]}
    web = client_as(users["Administrador"])
    html = web.get(f"/admin/accounts/company/{signing_company.pk}/change/").content.decode()
    assert 'name="mh_environment"' not in html and "Autorización de MH" in html
    response = web.post(f"/admin/accounts/company/{signing_company.pk}/change/", {**data, "mh_environment": "01"})
    assert response.status_code == 302
    signing_company.refresh_from_db()
    assert signing_company.mh_environment == "00"
