"""The periodic re-check against a real govsim over HTTP: a supplier (its own govsim issuer) seals a
CCF addressed to the company, the inbox receives it, the re-check finds it valid; the supplier
invalidates it after it was registered, and the next re-check finds the invalidation, takes the
document out of the book and alerts the accountant naming the period."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from billing.celery import app
from dte.mh.client import MHClient
from purchases import recheck, services
from purchases.models import MHStatus, ReceivedDocument, ReceivedState
from purchases.tests.factory import COMPANY_NIT, COMPANY_NRC, as_file
from tests.mh_helpers import SAMPLE_NIT, invalidation_event, register_issuer, sample_ccf, signed

pytestmark = pytest.mark.django_db
SUPPLIER_PASSWORD, COMPANY_PASSWORD = "proveedor-api", "empresa-api"


@pytest.fixture
def wired(govsim, company, settings):
    _crt, supplier_key = register_issuer(govsim, nit=SAMPLE_NIT, api_password=SUPPLIER_PASSWORD)
    register_issuer(govsim, nit=COMPANY_NIT, api_password=COMPANY_PASSWORD)
    company.mh_api_url, company.mh_api_user, company.mh_api_password = govsim, COMPANY_NIT, COMPANY_PASSWORD
    company.save()
    settings.PURCHASES_RECEPTOR_QUERY = True
    settings.PURCHASES_RECHECK_SPACING_SECONDS = 0
    supplier = MHClient(base_url=govsim, user=SAMPLE_NIT, password=SUPPLIER_PASSWORD)
    yield supplier, supplier_key
    supplier.close()


def test_a_supplier_invalidation_is_found_on_recheck(wired, users, shared_dir):
    supplier, key = wired
    accountant = users["Contador"]
    doc = sample_ccf(shared_dir)
    doc["receptor"].update(nit=COMPANY_NIT, nrc=COMPANY_NRC)
    ident = doc["identificacion"]
    token = signed(doc, key)
    sealed = supplier.send_dte(ambiente=ident["ambiente"], id_envio=1, version=ident["version"], tipo_dte=ident["tipoDte"],
                               documento=token, codigo_generacion=ident["codigoGeneracion"])
    assert sealed.accepted
    archivo = {**doc, "firmaElectronica": token, "selloRecibido": sealed.sello}  # the file the supplier mails
    [result], _skipped = services.receive_upload(files=[("ccf.json", as_file(archivo))], acting_user=accountant)
    received = result.document
    assert result.problems == [] and received.state == ReceivedState.VERIFIED

    assert "purchases.recheck" in {entry["task"] for entry in app.conf.beat_schedule.values()}
    first = recheck.recheck()
    assert (first["asked"], first["invalidated"], first["errors"]) == (1, 0, 0)
    received.refresh_from_db()
    assert received.mh_status == MHStatus.VALID and received.state == ReceivedState.VERIFIED
    assert recheck.recheck()["asked"] == 0  # asked once per PURCHASES_RECHECK_HOURS

    period = timezone.localdate().replace(day=1)
    assert services.register(documents=[received], period=period, acting_user=accountant) == (1, [])
    event = invalidation_event(sealed_doc=doc, sello=sealed.sello, tipo=2)
    assert supplier.invalidate(ambiente="00", id_envio=1, version=2, documento=signed(event, key)).accepted

    ReceivedDocument.objects.filter(pk=received.pk).update(mh_checked_at=timezone.now() - datetime.timedelta(days=2))
    users["Contador"].email = "contador@empresa.test"
    users["Contador"].save()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, **kw: fn())
        second = recheck.recheck()
    assert (second["asked"], second["invalidated"]) == (1, 1)
    label = period.strftime("%m/%Y")
    assert second["messages"] == [f"El proveedor invalidó este documento y ya estaba registrado en el periodo {label}: "
                                  "corrija el Libro de Compras y la declaración de ese periodo."]
    received.refresh_from_db()
    assert received.state == ReceivedState.INVALIDATED and received.mh_status == MHStatus.INVALIDATED
    assert received.tax_period == period  # the period to correct stays on the document
    [alert] = mail.outbox
    assert "contador@empresa.test" in alert.to and label in alert.body and ident["numeroControl"] in alert.subject


def test_without_the_receptor_query_nothing_is_asked(company, settings):
    settings.PURCHASES_RECEPTOR_QUERY = False
    assert recheck.recheck() == {"asked": 0, "invalidated": 0, "errors": 0, "messages": []}
