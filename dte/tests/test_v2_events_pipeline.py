"""The v2.0 events through the real pipeline: a Celery worker sends them over HTTP to govsim's
/fesv/recepciondte, which validates them against its schema folder (MH's official fe-eret-v1 and
fe-eop-v1 in CI), checks the retorno against the sealed Factura it reduces, and seals them."""

import datetime
import time
from decimal import Decimal

import pytest

from dte import events
from dte.models import EventState, MHCall, MHEvent
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.tests.test_pipeline import _wait
from dte.tests.test_v2_events import FVS_AND_INTERNAL, _v2026
from tests.mh_helpers import ledger

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _settled(record, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = MHEvent.objects.get(pk=record.pk)
        if current.state in (EventState.ACCEPTED, EventState.REJECTED):
            return current
        time.sleep(0.2)
    raise AssertionError(f"{record} sigue en {MHEvent.objects.get(pk=record.pk).state}")


def test_govsim_seals_a_retorno_and_an_operaciones_especiales(wired, make_draft, issuer, parties, users, signing_company):
    factura = document_issue(document=make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"]),
                             acting_user=issuer)
    factura = _wait(factura, "sealed")  # a 2023 Factura, sealed by govsim
    _v2026("retorno")
    _v2026("operaciones")
    retorno = _settled(events.return_request(document=factura, acting_user=users["Contador"],
                                             returned=[{"numItem": 1, "quantity": 1}]))
    assert retorno.state == EventState.ACCEPTED, retorno.answer
    assert len(retorno.sello_recibido) == 40
    assert ledger(wired, retorno.codigo_generacion)["accepted"] == 1
    call = MHCall.objects.get(codigo_generacion=retorno.codigo_generacion)
    assert call.endpoint == "/fesv/recepciondte" and call.request_summary["tipoDte"] == "18"
    moves = [(m.from_state, m.to_state) for m in events.MH_EVENT_MACHINE.history_of(retorno).order_by("at", "id")]
    assert moves == [("pending", "sending"), ("sending", "accepted")]
    special = _settled(events.special_request(company=signing_company, acting_user=users["Contador"],
                                              rows=FVS_AND_INTERNAL, period=datetime.date(2026, 11, 1)))
    assert special.state == EventState.ACCEPTED, special.answer


def test_govsim_refuses_a_retorno_beyond_the_factura_and_invalidating_a_reduced_one(wired, make_draft, issuer, parties,
                                                                                    users):
    """What this side refuses before sending, govsim refuses too (the two catch each other's mistakes)."""
    from django.utils import timezone

    from dte import jsonio, numbering
    from dte.invalidation import build_event
    from dte.mh import client as mh_client
    from dte.signing.backends import get_signer

    factura = _wait(document_issue(document=make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"]),
                                   acting_user=issuer), "sealed")
    _v2026("retorno")
    first = _settled(events.return_request(document=factura, acting_user=users["Contador"],
                                           returned=[{"numItem": 1, "quantity": 2}]))
    assert first.state == EventState.ACCEPTED, first.answer
    company, signer = factura.company, get_signer()
    client = mh_client.client_for_company(company)
    try:
        # A second retorno of one more chair: 226.00 + 113.00 > 226.00 (built here, past this side's check).
        items, _errors = events._returned_items(factura, [{"numItem": 1, "quantity": 1}])
        again = events.build_return(factura, items, version=1, now=timezone.localtime(),
                                    codigo=numbering.codigo_generacion())
        answer = client.send_dte(ambiente="00", id_envio=1, version=1, tipo_dte="18",
                                 documento=signer.sign_bytes(jsonio.dumps(again).encode(), company=company),
                                 codigo_generacion=again["identificacion"]["codigoGeneracion"])
        assert answer.rejected and answer.descripcion_msg == "RETORNO MAYOR QUE EL DOCUMENTO"
        # Invalidating the Factura the retorno reduced.
        person = {"name": "María Rivas", "id_type": "13", "id_number": "00016297-5"}
        event = build_event(factura, tipo=2, reason="Venta rescindida por el cliente", replacement=None,
                            responsible=person, requester=person)
        answer = client.invalidate(ambiente="00", id_envio=2, version=event["identificacion"]["version"],
                                   documento=signer.sign_bytes(jsonio.dumps(event).encode(), company=company))
        assert answer.rejected and answer.descripcion_msg == "DOCUMENTO CON EVENTO DE RETORNO"
    finally:
        client.close()


def test_govsim_seals_one_retorno_over_two_facturas_and_holds_each_to_its_remainder(wired, make_draft, issuer, parties,
                                                                                  users):
    """One retorno reduces two sealed Facturas of the same client (sv-tax-facts-2.md §2); govsim
    checks each document's share against what is left of it, not the retorno's total."""
    from django.utils import timezone

    from dte import jsonio, numbering
    from dte.mh import client as mh_client
    from dte.signing.backends import get_signer

    first = document_issue(document=make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"]),
                           acting_user=issuer)
    second = document_issue(document=make_draft("01", [line("Lámpara", "3", "22.60")], client=parties["consumer"]),
                            acting_user=issuer)
    first, second = _wait(first, "sealed"), _wait(second, "sealed")
    _v2026("retorno")
    # 1 chair (113.00) of the first, 2 lamps (45.20) of the second: 158.20
    both = _settled(events.return_request(document=first, documents=[first, second], acting_user=users["Contador"],
                                          returned=[{"numItem": 1, "quantity": 1},
                                                    {"numItem": 1, "quantity": 2, "document": second.pk}]))
    assert both.state == EventState.ACCEPTED, both.answer
    assert both.total == Decimal("158.20")
    company, signer = first.company, get_signer()
    client = mh_client.client_for_company(company)
    try:
        # The second Factura has 67.80 − 45.20 = 22.60 left: 2 more lamps (45.20) are refused by govsim,
        # though 45.20 is well within the first Factura's 113.00 left.
        items, _errors = events._returned_items(second, [{"numItem": 1, "quantity": 2}])
        again = events.build_return(second, items, version=1, now=timezone.localtime(),
                                    codigo=numbering.codigo_generacion())
        answer = client.send_dte(ambiente="00", id_envio=3, version=1, tipo_dte="18",
                                 documento=signer.sign_bytes(jsonio.dumps(again).encode(), company=company),
                                 codigo_generacion=again["identificacion"]["codigoGeneracion"])
        assert answer.rejected and answer.descripcion_msg == "RETORNO MAYOR QUE EL DOCUMENTO"
        # One lamp (22.60) fits exactly.
        items, _errors = events._returned_items(second, [{"numItem": 1, "quantity": 1}])
        fits = events.build_return(second, items, version=1, now=timezone.localtime(), codigo=numbering.codigo_generacion())
        answer = client.send_dte(ambiente="00", id_envio=4, version=1, tipo_dte="18",
                                 documento=signer.sign_bytes(jsonio.dumps(fits).encode(), company=company),
                                 codigo_generacion=fits["identificacion"]["codigoGeneracion"])
        assert answer.accepted, answer.raw
        # A retorno in contingency that no sealed contingency event lists is refused.
        offline = events.build_return(first, events._returned_items(first, [{"numItem": 1, "quantity": 1}])[0], version=1,
                                      now=timezone.localtime(), codigo=numbering.codigo_generacion(),
                                      offline=type("Outage", (), {"tipo": 1, "motivo": ""})())
        answer = client.send_dte(ambiente="00", id_envio=5, version=1, tipo_dte="18",
                                 documento=signer.sign_bytes(jsonio.dumps(offline).encode(), company=company),
                                 codigo_generacion=offline["identificacion"]["codigoGeneracion"])
        assert answer.rejected and answer.descripcion_msg == "DOCUMENTO DE CONTINGENCIA SIN EVENTO"
    finally:
        client.close()
