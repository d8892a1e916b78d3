"""The two liquidation types (sv-tax-facts-2.md §6), in both generations: the Comprobante de
Liquidación (08) an agent or consignee issues its mandante, and the Documento Contable de
Liquidación (09) a card issuer issues an affiliated merchant. Amounts computed here by hand; the
autouse fixture validates every issued document against MH's official schema of its generation."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dte import jsonio
from dte.models import SchemaGeneration
from dte.services.issuing import IssueError, document_issue
from dte.tests.conftest import line

pytestmark = pytest.mark.django_db

GENERATIONS = ["2023", "2026"]


@pytest.fixture
def generation(request, db):
    if request.param == "2026":
        SchemaGeneration.objects.create(kind="*", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    return request.param


def liquidated(numero, fecha="2026-11-03", tipo="03", gravada="0", exenta="0", no_suj="0", export="0", gen=2,
               note=""):
    return line(note, "1", "0", extra={"tipoDte": tipo, "tipoGeneracion": gen, "numeroDocumento": numero,
                                       "fechaGeneracion": fecha, "ventaGravada": gravada, "ventaExenta": exenta,
                                       "ventaNoSuj": no_suj, "exportaciones": export})


UUID_A = "5C1B6F0E-6A45-4C7E-9D8B-2A1F3E4D5C6B"
UUID_B = "7D2C8A1F-1B23-4F5A-8C9D-0E1F2A3B4C5D"
UUID_C = "9E3D7B2A-2C34-4A6B-9DAE-1F2A3B4C5D6E"


def settlement(**over):
    out = {"liquidacion": {"periodoInicio": "2026-11-01", "periodoFin": "2026-11-15", "codLiquidacion": "LQ-2026-11-A",
                           "cantidadDoc": "42", "valorOperaciones": "1130.00", "montoSinPercepcion": "0",
                           "descripSinPercepcion": "", "porcentComision": "5", "tipoEstablecimiento": "02"},
           "extension": {"nombEntrega": "Marta Ayala", "docuEntrega": "01234567-8", "codEmpleado": "E-17"}}
    out["liquidacion"].update(over)
    return out


@pytest.mark.parametrize("generation", GENERATIONS, indirect=True)
def test_a_comprobante_de_liquidacion(generation, make_draft, issuer, parties):
    lines = [liquidated(UUID_A, tipo="03", gravada="1000.00", note="CCF de mayo"),
             liquidated(UUID_B, tipo="01", gravada="250.50", exenta="40.00"),
             liquidated(UUID_C, tipo="11", export="300.00"),
             liquidated("23CC000451", tipo="03", gravada="-100.00", gen=1, note="CCF físico anulado")]
    doc = document_issue(document=make_draft("08", lines, client=parties["taxpayer"]), acting_user=issuer)
    body = jsonio.loads(doc.payload)
    assert (doc.generation, doc.version) == (generation, 1 if generation == "2023" else 2)
    assert body["identificacion"]["tipoDte"] == "08" and body["identificacion"]["tipoModelo"] == 1
    assert "tipoContingencia" not in body["identificacion"]
    # gravada 1000 + 250.50 − 100 = 1150.50; IVA 13 % = 149.565 → 149.57 (once, on the total)
    # exenta 40; exportación 300; subTotalVentas = 1490.50; montoTotalOperacion = 1640.07
    r = body["resumen"]
    assert r["totalGravada"] == Decimal("1150.50") and r["totalExenta"] == Decimal("40.00")
    assert r["subTotalVentas"] == Decimal("1490.50")
    assert r["tributos"] == [{"codigo": "20", "descripcion": "Impuesto al Valor Agregado 13%", "valor": Decimal("149.57")}]
    assert r["montoTotalOperacion"] == Decimal("1640.07") and r["total"] == Decimal("1640.07")
    assert r["ivaPerci"] == 0
    assert r["totalLetras"] == "MIL SEISCIENTOS CUARENTA DÓLARES CON 07/100"
    items = body["cuerpoDocumento"]
    assert [i["ivaItem"] for i in items] == [Decimal("130"), Decimal("32.565"), Decimal("0"), Decimal("-13")]
    assert items[2]["tributos"] is None and items[0]["tributos"] == ["20"]
    if generation == "2023":
        assert r["totalExportacion"] == Decimal("300.00") and items[0]["fechaGeneracion"] == "2026-11-03"
        assert items[0]["obsItem"] == "CCF de mayo" and body["receptor"]["nit"] == "06142803901121"
        assert body["extension"] is not None
    else:
        assert r["exportacion"] == Decimal("300.00") and items[0]["fechaEmision"] == "2026-11-03"
        assert items[1]["observaciones"] is None and "extension" not in body
        assert body["receptor"]["numDocumento"] == "06142803901121" and body["receptor"]["codDomiciliado"] == 1
        assert body["identificacion"]["fusion"] is None
    assert doc.total_to_pay == Decimal("1640.07") and doc.total_iva == Decimal("149.57")


@pytest.mark.parametrize("generation", GENERATIONS, indirect=True)
def test_a_liquidation_that_nets_below_zero_pays_nothing(generation, make_draft, issuer, parties):
    lines = [liquidated(UUID_A, gravada="-50.00", note="Factura invalidada")]
    body = jsonio.loads(document_issue(document=make_draft("08", lines, client=parties["taxpayer"], condition=2,
                                                           payment_term_days=30), acting_user=issuer).payload)
    # −50 − 6.50 = −56.50 of operation, the total floors at 0 and is then al contado
    assert body["resumen"]["montoTotalOperacion"] == Decimal("-56.50")
    assert body["resumen"]["total"] == 0 and body["resumen"]["condicionOperacion"] == 1


def test_a_liquidation_lists_each_document_once(make_draft, issuer, parties):
    lines = [liquidated(UUID_A, gravada="10.00"), liquidated(UUID_A, gravada="20.00")]
    with pytest.raises(IssueError, match="ya está en la línea 1"):
        document_issue(document=make_draft("08", lines, client=parties["taxpayer"]), acting_user=issuer)


def test_a_liquidation_goes_to_a_taxpayer(make_draft, issuer, parties):
    with pytest.raises(IssueError, match="contribuyente con NIT y NRC"):
        document_issue(document=make_draft("08", [liquidated(UUID_A, gravada="10.00")], client=parties["consumer"]),
                       acting_user=issuer)


@pytest.mark.parametrize("generation", GENERATIONS, indirect=True)
def test_a_documento_contable_de_liquidacion(generation, make_draft, issuer, parties):
    doc = document_issue(document=make_draft("09", [], client=parties["taxpayer"], extra=settlement(),
                                             observations="Liquidación quincenal"), acting_user=issuer)
    body = jsonio.loads(doc.payload)
    assert (doc.generation, doc.version) == (generation, 1 if generation == "2023" else 2)
    c = body["cuerpoDocumento"]
    # 1130.00 of card sales: net 1130 / 1.13 = 1000.00, IVA inside 130.00; perceived 2 % × 1000 = 20.00;
    # commission 5 % × 1000 = 50.00, its IVA 13 % = 6.50; líquido 1130 − 50 − 20 − 6.50 = 1053.50
    assert (c["valorOperaciones"], c["subTotal"], c["montoSujetoPercepcion"], c["iva"]) == (
        Decimal("1130.00"), Decimal("1130.00"), Decimal("1000.00"), Decimal("130.00"))
    assert (c["ivaPercibido"], c["comision"], c["ivaComision"], c["liquidoApagar"]) == (
        Decimal("20.00"), Decimal("50.00"), Decimal("6.50"), Decimal("1053.50"))
    assert c["totalLetras"] == "MIL CINCUENTA Y TRES DÓLARES CON 50/100"
    assert c["periodoLiquidacionFechaInicio"] == "2026-11-01" and c["cantidadDoc"] == 42
    assert body["extension"] == {"nombEntrega": "Marta Ayala", "docuEntrega": "01234567-8", "codEmpleado": "E-17"}
    if generation == "2023":
        assert c["porcentComision"] == "5.00" and body["emisor"]["codigoMH"] == "M001"
    else:
        assert c["porcentComision"] == Decimal("5.00") and "codigoMH" not in body["emisor"]
    assert doc.total_to_pay == Decimal("1053.50") and doc.iva_percibido == Decimal("20.00")


def test_a_dcl_with_sales_outside_the_perception(make_draft, issuer, parties):
    body = jsonio.loads(document_issue(document=make_draft("09", [], client=parties["taxpayer"], extra=settlement(
        montoSinPercepcion="130.00", descripSinPercepcion="Ventas exentas", porcentComision="0")),
        acting_user=issuer).payload)
    c = body["cuerpoDocumento"]
    # subTotal 1130 − 130 = 1000; net 1000 / 1.13 = 884.955… → 884.96, IVA 115.04; 2 % → 17.6992 → 17.70;
    # no commission: líquido 1130 − 17.70 = 1112.30
    assert (c["subTotal"], c["montoSujetoPercepcion"], c["iva"], c["ivaPercibido"]) == (
        Decimal("1000.00"), Decimal("884.96"), Decimal("115.04"), Decimal("17.70"))
    assert (c["comision"], c["ivaComision"], c["liquidoApagar"]) == (0, 0, Decimal("1112.30"))


def test_a_dcl_names_who_delivers_it_and_its_period(make_draft, issuer, parties):
    extra = settlement(periodoInicio="2026-11-20")
    extra["extension"] = {}
    with pytest.raises(IssueError) as caught:
        document_issue(document=make_draft("09", [], client=parties["taxpayer"], extra=extra), acting_user=issuer)
    assert any("termina antes de empezar" in p for p in caught.value.problems)
    assert any("quién entrega" in p for p in caught.value.problems)


def _sealed(doc):
    from dte.models import Document, GovStatus

    Document.objects.filter(pk=doc.pk).update(status=GovStatus.SEALED, sello_recibido="A" * 40,
                                              processed_at=timezone.now())
    return Document.objects.get(pk=doc.pk)


@pytest.mark.parametrize("generation", GENERATIONS, indirect=True)
def test_both_liquidations_are_invalidated_in_their_generation(generation, make_draft, issuer, parties, users):
    """The invalidation event of each (checked against MH's official event schema of its generation
    by the autouse fixture); a CL, like an NC, needs no replacement document (facts §6)."""
    from dte import jsonio as io
    from dte.invalidation import invalidation_request

    person = {"name": "Ana Ramos", "id_type": "13", "id_number": "01234567-8"}
    cl = _sealed(document_issue(document=make_draft("08", [liquidated(UUID_A, gravada="10.00")],
                                                    client=parties["taxpayer"]), acting_user=issuer))
    record = invalidation_request(document=cl, acting_user=users["Administrador"], tipo=3, reason="Liquidación repetida",
                                  responsible=person, requester=person)
    event = io.loads(record.payload)
    assert event["documento"]["tipoDte"] == "08" and event["documento"]["codigoGeneracionR"] is None
    dcl = _sealed(document_issue(document=make_draft("09", [], client=parties["taxpayer"], extra=settlement()),
                                 acting_user=issuer))
    record = invalidation_request(document=dcl, acting_user=users["Administrador"], tipo=2, reason="Liquidación anulada",
                                  responsible=person, requester=person)
    event = io.loads(record.payload)
    assert event["documento"]["numDocumento"] == "06142803901121"
    assert event["identificacion"]["version"] == (2 if generation == "2023" else 3)


# Invalidation deadlines of 08 and 09, counted by hand on the calendar. v2.0 (Manual Funcional v2.0,
# sv-tax-facts-2.md §2 [D]; the Normativa digest agrees for CL and DCL): until 23:59:59 of the 10th
# business day of the month after the seal. 2023 manual (facts §6): like every type but FE/FEX, until
# 23:59:59 of the day after the seal.
DEADLINE_CASES = [
    # Month-end: sealed Friday 31-07-2026 18:00. August 2026: Sat 1, Mon 3 (1), 4 (2), 5 (3), Thu 6
    # holiday (Fiestas Agostinas), 7 (4), 10-14 (5-9), Mon 17 (10).
    ("08", "2026", (2026, 7, 31, 18, 0), (2026, 8, 17)),
    ("09", "2026", (2026, 7, 31, 18, 0), (2026, 8, 17)),
    # December → January: sealed 15-12-2026. January 2027: Fri 1 holiday, 4-8 (1-5), 11-15 (6-10).
    ("08", "2026", (2026, 12, 15, 9, 30), (2027, 1, 15)),
    ("09", "2026", (2026, 12, 15, 9, 30), (2027, 1, 15)),
    # Sealed on the last second of January: February 2026 begins on Sunday; 2-6 (1-5), 9-13 (6-10).
    ("09", "2026", (2026, 1, 31, 23, 59, 59), (2026, 2, 13)),
    # 2023: the next day, across the year too.
    ("08", "2023", (2026, 7, 31, 18, 0), (2026, 8, 1)),
    ("09", "2023", (2026, 12, 31, 22, 0), (2027, 1, 1)),
]


@pytest.mark.parametrize(("tipo", "gen", "sealed", "last_day"), DEADLINE_CASES)
def test_liquidation_invalidation_deadlines_by_generation(tipo, gen, sealed, last_day, make_draft, issuer, parties):
    from zoneinfo import ZoneInfo

    from dte.invalidation import deadline, problems
    from dte.models import Document, InvalidationType
    from govsim.deadlines import invalidation_deadline as govsim_deadline

    sv = ZoneInfo("America/El_Salvador")
    if gen == "2026":
        SchemaGeneration.objects.create(kind="*", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    draft = (make_draft("08", [liquidated(UUID_A, gravada="10.00")], client=parties["taxpayer"]) if tipo == "08"
             else make_draft("09", [], client=parties["taxpayer"], extra=settlement()))
    doc = _sealed(document_issue(document=draft, acting_user=issuer))
    assert (doc.tipo_dte, doc.generation) == (tipo, gen)
    Document.objects.filter(pk=doc.pk).update(processed_at=datetime.datetime(*sealed, tzinfo=sv))
    doc = Document.objects.get(pk=doc.pk)
    last = datetime.datetime(*last_day, 23, 59, 59, tzinfo=sv)
    assert deadline(doc) == last
    assert govsim_deadline(tipo, doc.version, doc.processed_at) == last  # MH's simulator agrees
    on_time = problems(doc, tipo=InvalidationType.RESCIND, now=last)
    assert not [p for p in on_time if "plazo" in p]
    late = problems(doc, tipo=InvalidationType.RESCIND, now=last + datetime.timedelta(seconds=1))
    assert [p for p in late if "plazo" in p and last.strftime("%d/%m/%Y") in p]
