"""The pages: only whoever may edit the configuration (the admin) reaches them, every other role
gets 403 and writes nothing; the page starts a run, polls its progress and shows the refusals."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding.models import ProductionSetup, RunState, TestRun

PAGES = ["/configuracion/autorizacion-mh/", "/configuracion/autorizacion-mh/progreso/",
         "/configuracion/autorizacion-mh/produccion/"]
POSTS = ["/configuracion/autorizacion-mh/", "/configuracion/autorizacion-mh/detener/",
         "/configuracion/autorizacion-mh/reanudar/", "/configuracion/autorizacion-mh/produccion/",
         "/configuracion/autorizacion-mh/produccion/cambiar/"]


@pytest.mark.parametrize("role", ["Supervisor", "Vendedor", "Contador", "Auditor", "outsider"])
def test_only_the_admin_reaches_the_pages(requirements, catalogue, users, signing_company, establishments, client_as,
                                          role):
    web = client_as(users[role])
    for path in PAGES:
        response = web.get(path)
        assert response.status_code == 403 and "No tiene permiso" in response.content.decode(), path
    for path in POSTS:
        assert web.post(path, {"items": ["01"], "api_user": "x"}).status_code == 403, path
    assert not TestRun.objects.exists() and not ProductionSetup.objects.exists()
    signing_company.refresh_from_db()
    assert signing_company.mh_environment == "00"


def test_anonymous_goes_to_the_login(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/ingresar/")


def test_the_settings_page_links_the_authorisation_page_for_the_admin_only(requirements, users, signing_company,
                                                                          client_as):
    assert "/configuracion/autorizacion-mh/" in client_as(users["Administrador"]).get("/configuracion/").content.decode()
    assert "/configuracion/autorizacion-mh/" not in client_as(users["Auditor"]).get("/configuracion/").content.decode()


def test_the_admin_chooses_types_and_the_run_starts(requirements, catalogue, users, signing_company, establishments,
                                                    client_as, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("onboarding.services.enqueue_on_commit", lambda task, *args: queued.append(args))
    web = client_as(users["Administrador"])
    html = web.get("/configuracion/autorizacion-mh/").content.decode()
    assert "Todavía no se ha enviado ninguna prueba" in html
    # every type MH tests is issued here now (08, 09 and 15 too): none offered as "not issued yet"
    assert 'id="item-08"' in html and 'id="item-15"' in html
    assert "Este sistema aún no emite este tipo de documento." not in html
    assert "Evento de retorno" not in html  # a v2.0 event: not in the 2023 generation

    response = web.post("/configuracion/autorizacion-mh/", {"items": ["01", "03"]})
    assert response.status_code == 302
    run = TestRun.objects.get()
    assert run.items == ["01", "03", "invalidacion", "contingencia"] and queued == [(run.pk,)]
    html = web.get("/configuracion/autorizacion-mh/").content.decode()
    assert 'id="run-progress"' in html and 'hx-get="/configuracion/autorizacion-mh/progreso/"' in html
    assert "Comprobante de Crédito Fiscal" in html and 'id="start-form"' not in html  # one run at a time
    partial = web.get("/configuracion/autorizacion-mh/progreso/").content.decode()
    assert partial.startswith('\n<div id="run-progress"') or '<div id="run-progress"' in partial
    assert "0 %" in partial

    web.post("/configuracion/autorizacion-mh/detener/")
    run.refresh_from_db()
    assert run.state == RunState.STOPPED
    assert 'hx-get=' not in web.get("/configuracion/autorizacion-mh/progreso/").content.decode()  # no more polling


def test_the_start_form_names_what_the_catalogue_lacks(requirements, parties, products, users, signing_company,
                                                       establishments, client_as):
    response = client_as(users["Administrador"]).post("/configuracion/autorizacion-mh/", {"items": ["14"]})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="start-errors"' in html
    assert "Registre un proveedor sin NRC" in html and not TestRun.objects.exists()
    assert "Elija al menos un tipo" in client_as(users["Administrador"]).post(
        "/configuracion/autorizacion-mh/", {}).content.decode()


def test_the_production_page_keeps_secrets_and_refuses_the_switch_with_the_list(requirements, users, signing_company,
                                                                                client_as):
    from dte.signing.certificates import build_mh_crt

    web = client_as(users["Administrador"])
    html = web.get("/configuracion/autorizacion-mh/produccion/").content.decode()
    assert 'data-check="tests" data-ok="0"' in html
    certificate = build_mh_crt(nit="06140507071048", password="clave-prod")
    response = web.post("/configuracion/autorizacion-mh/produccion/", {
        "authorization_date": "2026-11-30", "api_url": "", "api_user": "06140507071048", "new_api_password": "Secreta#1",
        "new_certificate": SimpleUploadedFile("06140507071048.crt", certificate), "new_certificate_password": "clave-prod"})
    assert response.status_code == 302
    html = web.get("/configuracion/autorizacion-mh/produccion/").content.decode()
    assert "Secreta#1" not in html and "clave-prod" not in html
    assert 'data-check="certificate" data-ok="1"' in html and 'data-check="credentials" data-ok="1"' in html
    assert 'value="2026-11-30"' in html

    refused = web.post("/configuracion/autorizacion-mh/produccion/cambiar/").content.decode()
    assert 'id="switch-refused"' in refused and "Pruebas mínimas de MH con sello" in refused
    signing_company.refresh_from_db()
    assert signing_company.mh_environment == "00"


def test_a_certificate_that_does_not_open_is_refused_at_once(requirements, users, signing_company, client_as):
    from dte.signing.certificates import build_mh_crt

    response = client_as(users["Administrador"]).post("/configuracion/autorizacion-mh/produccion/", {
        "new_certificate": SimpleUploadedFile("c.crt", build_mh_crt(nit="06140507071048", password="una")),
        "new_certificate_password": "otra"})
    assert response.status_code == 200 and "no corresponde al certificado" in response.content.decode()
    assert not ProductionSetup.objects.exists()


def test_the_polled_progress_reads_the_same_few_queries_however_many_documents(
        requirements, catalogue, users, signing_company, establishments, client_as, django_assert_num_queries):
    from onboarding import runner
    from onboarding.services import run_start

    run = run_start(company=signing_company, codes=["01", "03"], acting_user=users["Administrador"])
    web = client_as(users["Administrador"])
    web.get("/configuracion/autorizacion-mh/progreso/")  # the session and the user, once
    # session (none with Redis: read from the cache), user, role grants; the run; requirements;
    # documents, invalidations, events, periods
    expected = 8 if settings.SESSION_ENGINE.endswith("cached_db") else 9
    with django_assert_num_queries(expected):
        few = web.get("/configuracion/autorizacion-mh/progreso/").content.decode()
    runner.step(run.pk)
    runner.step(run.pk)
    with django_assert_num_queries(expected):
        many = web.get("/configuracion/autorizacion-mh/progreso/").content.decode()
    assert 'data-code="01" data-sealed="0"' in few and 'data-code="01" data-sealed="0"' in many
