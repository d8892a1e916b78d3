"""The liquidations through the pages (sv-tax-facts-2.md §6): the accountant marks nothing, the
sales rep marks a sale as made on a mandante's behalf (ventaTercero), the accountant's Comprobante
de Liquidación brings the month's sales of that mandante (each once; an invalidated one comes back
negative) and issues it; the Documento Contable de Liquidación is filled in and issued. Scope: a
sales rep is not offered either type; a branch accountant brings only his branch's sales and cannot
open another's draft."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.services import user_assign_locations, user_create
from dte import jsonio
from dte.models import Document, GovStatus
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transitions import transition

pytestmark = pytest.mark.django_db
MANDANTE = "06142803901121"  # parties["taxpayer"]


def _sale(make_draft, issuer, parties, price="113.00", tipo="01", pos="M001P001", client="consumer"):
    doc = make_draft(tipo, [line("Mercadería en consignación", "1", price)], client=parties[client], pos=pos,
                     extra={"ventaTercero": {"nit": MANDANTE, "nombre": "Distribuidora Central"}})
    return document_issue(document=doc, acting_user=issuer)


def _posted_lines(doc):
    """The line fields the editor posts with every save (the page sends the whole form)."""
    out = {}
    for n, x in enumerate(doc.lines.order_by("position"), start=1):
        out[f"line-{n}-description"] = x.description
        out.update({f"line-{n}-{k}": v for k, v in (x.extra or {}).items()})
    return out


def _new(web, tipo, point):
    response = web.post("/documentos/nuevo/", {"tipo_dte": tipo, "point_of_sale": point.pk})
    assert response.status_code == 302, response.content.decode()[:300]
    return Document.objects.filter(tipo_dte=tipo).latest("pk")


def test_the_rep_marks_a_sale_on_a_mandantes_behalf(issuer, make_draft, parties, client_as):
    web = client_as(issuer)
    doc = make_draft("01", [line("Silla", "1", "113.00")], client=parties["consumer"])
    web.post(f"/documentos/{doc.pk}/guardar/", {"issue_date": timezone.localdate().isoformat(), "condition": "1",
                                               "tercero-nit": "0614-280390-112-1", "tercero-nombre": "Distribuidora Central",
                                               "line-a-description": "Silla", "line-a-quantity": "1",
                                               "line-a-unit_price": "113.00"})
    doc.refresh_from_db()
    assert doc.extra["ventaTercero"] == {"nit": MANDANTE, "nombre": "Distribuidora Central"}
    response = web.post(f"/documentos/{doc.pk}/guardar/", {"issue_date": timezone.localdate().isoformat(),
                                                          "tercero-nit": "12", "tercero-nombre": "X",
                                                          "line-a-description": "Silla", "line-a-quantity": "1",
                                                          "line-a-unit_price": "113.00"})
    assert "escriba el NIT (9 o 14 dígitos)" in response.content.decode()
    body = jsonio.loads(document_issue(document=Document.objects.get(pk=doc.pk), acting_user=issuer).payload)
    assert body["ventaTercero"] == {"nit": MANDANTE, "nombre": "Distribuidora Central"}


def test_the_accountant_liquidates_the_months_sales_of_a_mandante(users, issuer, make_draft, parties, establishments,
                                                                  client_as):
    factura = _sale(make_draft, issuer, parties, "113.00")  # 100.00 + IVA 13.00 inside
    ccf = _sale(make_draft, issuer, parties, "200.00", tipo="03", client="taxpayer")
    _sale(make_draft, issuer, parties, "50.00")  # 44.25 + IVA 5.75 inside
    own = make_draft("01", [line("Venta propia", "1", "56.50")], client=parties["consumer"])
    document_issue(document=own, acting_user=issuer)  # no ventaTercero: not liquidated
    web = client_as(users["Contador"])
    cl = _new(web, "08", establishments["pos"]["M001P001"])
    today = timezone.localdate().isoformat()
    web.post(f"/documentos/{cl.pk}/guardar/", {"action": "set_client", "client_id": parties["taxpayer"].pk,
                                               "issue_date": today, "condition": "1"})
    response = web.post(f"/documentos/{cl.pk}/guardar/", {"action": "add_liquidated", "issue_date": today,
                                                          "condition": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    codes = [x.extra["numeroDocumento"] for x in cl.lines.order_by("position")]
    assert factura.codigo_generacion in codes and ccf.codigo_generacion in codes and len(codes) == 3
    row = next(x.extra for x in cl.lines.all() if x.extra["numeroDocumento"] == factura.codigo_generacion)
    assert (row["tipoDte"], Decimal(row["ventaGravada"])) == ("01", Decimal("100.00"))  # the Factura's IVA taken off
    # bringing them again adds nothing
    response = web.post(f"/documentos/{cl.pk}/guardar/", {"action": "add_liquidated", "issue_date": today,
                                                          **_posted_lines(cl)}, HTTP_HX_REQUEST="true")
    assert "pendientes de liquidar" in response.content.decode() and cl.lines.count() == 3
    page = web.get(f"/documentos/{cl.pk}/confirmar/").content.decode()
    assert factura.codigo_generacion in page and "$ 389.00" in page and "Documentos liquidados" in page
    response = web.post(f"/documentos/{cl.pk}/emitir/")
    assert response.status_code == 302, response.content.decode()[:500]
    cl.refresh_from_db()
    assert cl.status == GovStatus.PENDING and cl.numero_control.startswith("DTE-08-")
    # gravada 100 + 200 + 44.25 (50.00 / 1.13 = 44.2477… → 44.25 on the Factura) = 344.25; IVA 13 % = 44.75
    body = jsonio.loads(cl.payload)
    assert body["resumen"]["totalGravada"] == Decimal("344.25")
    assert body["resumen"]["tributos"][0]["valor"] == Decimal("44.75")
    assert body["resumen"]["total"] == Decimal("389.00")

    # the Factura is invalidated: the next liquidation lists it again, negative
    transition(factura, GovStatus.TRANSMITTING)
    transition(factura, GovStatus.SEALED, sello_recibido="2026" + "D" * 36, processed_at=timezone.now())
    transition(factura, GovStatus.INVALIDATION_PENDING)
    transition(factura, GovStatus.INVALIDATED)
    nxt = _new(web, "08", establishments["pos"]["M001P001"])
    web.post(f"/documentos/{nxt.pk}/guardar/", {"action": "set_client", "client_id": parties["taxpayer"].pk,
                                                "issue_date": today})
    web.post(f"/documentos/{nxt.pk}/guardar/", {"action": "add_liquidated", "issue_date": today}, HTTP_HX_REQUEST="true")
    rows = [x.extra for x in nxt.lines.all()]
    assert len(rows) == 1 and rows[0]["numeroDocumento"] == factura.codigo_generacion
    assert Decimal(rows[0]["ventaGravada"]) == Decimal("-100.00")


def test_the_accountant_issues_a_dcl_through_the_page(signing_company, users, parties, establishments, client_as):
    web = client_as(users["Contador"])
    dcl = _new(web, "09", establishments["pos"]["M001P001"])
    page = web.get(f"/documentos/{dcl.pk}/editar/").content.decode()
    assert "Comercio afiliado" in page and 'name="valorOperaciones"' in page
    today = timezone.localdate().isoformat()
    web.post(f"/documentos/{dcl.pk}/guardar/", {"action": "set_client", "client_id": parties["taxpayer"].pk,
                                                "issue_date": today})
    response = web.post(f"/documentos/{dcl.pk}/guardar/", {
        "issue_date": today, "periodoInicio": "2026-11-01", "periodoFin": "2026-11-30", "valorOperaciones": "2,260.00",
        "montoSinPercepcion": "0", "porcentComision": "3.5", "cantidadDoc": "18", "codLiquidacion": "NOV-2026",
        "tipoEstablecimiento": "02", "nombEntrega": "Marta Ayala", "docuEntrega": "01234567-8"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    # 2260 → net 2000.00; 2 % = 40.00; commission 3.5 % × 2000 = 70.00, its IVA 9.10; líquido 2260 − 70 − 40 − 9.10
    for figure in ("$ 2,260.00", "$ 40.00", "$ 70.00", "$ 9.10", "$ 2,140.90"):
        assert figure in text, figure
    page = web.get(f"/documentos/{dcl.pk}/confirmar/").content.decode()
    assert "NOV-2026" in page and "$ 2,140.90" in page and "Líquido a pagar" in page
    response = web.post(f"/documentos/{dcl.pk}/emitir/")
    assert response.status_code == 302, response.content.decode()[:500]
    dcl.refresh_from_db()
    page = web.get(f"/documentos/{dcl.pk}/").content.decode()
    assert "DOS MIL CIENTO CUARENTA DÓLARES CON 90/100" in page and "Marta Ayala" in page
    assert dcl.status == GovStatus.PENDING and dcl.total_to_pay == Decimal("2140.90")
    assert jsonio.loads(dcl.payload)["cuerpoDocumento"]["liquidoApagar"] == Decimal("2140.90")


def test_bad_settlement_values_are_named(users, parties, establishments, client_as):
    web = client_as(users["Contador"])
    dcl = _new(web, "09", establishments["pos"]["M001P001"])
    response = web.post(f"/documentos/{dcl.pk}/guardar/", {"issue_date": timezone.localdate().isoformat(),
                                                           "valorOperaciones": "mil", "porcentComision": "150",
                                                           "periodoInicio": "2026-13-01"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "Valor de las operaciones: «mil» no es un número." in text
    assert "Porcentaje de comisión: va de 0 a 100." in text and "Inicio del período: la fecha no es válida." in text


def test_a_sales_rep_is_not_offered_the_liquidations(issuer, establishments, client_as):
    web = client_as(issuer)
    offered = set(re.findall(r'name="tipo_dte" id="tipo-\d+" value="(\d+)"', web.get("/documentos/nuevo/").content.decode()))
    assert not offered & {"08", "09"}
    for tipo in ("08", "09"):
        web.post("/documentos/nuevo/", {"tipo_dte": tipo, "point_of_sale": establishments["pos"]["M001P001"].pk})
    assert not Document.objects.filter(tipo_dte__in=["08", "09"]).exists()


def test_a_branch_accountant_liquidates_his_branch_only(users, issuer, make_draft, parties, establishments, client_as):
    from accounts.services import role_create

    admin = users["Administrador"]
    role = role_create(name="Contador de sucursal", grants=[("documentos", "view"), ("documentos", "create")],
                       acting_user=admin)
    Role.objects.filter(pk=role.pk).update(document_types=["08"])
    branch_user = user_create(username="conta-sucursal", password="x-Clave-larga-2026", role=Role.objects.get(pk=role.pk),
                              acting_user=admin)
    user_assign_locations(user=branch_user, establishments=[establishments["branch"]],
                          points_of_sale=[establishments["pos"]["S001P001"]], acting_user=admin)
    user_assign_locations(user=issuer, establishments=[establishments["main"], establishments["branch"]],
                          points_of_sale=[establishments["pos"]["M001P001"], establishments["pos"]["S001P001"]],
                          acting_user=admin)
    main_sale = _sale(make_draft, issuer, parties, "113.00", pos="M001P001")
    branch_sale = _sale(make_draft, issuer, parties, "226.00", pos="S001P001")
    web = client_as(branch_user)
    assert web.post("/documentos/nuevo/", {"tipo_dte": "08", "point_of_sale": establishments["pos"]["M001P001"].pk}
                    ).status_code == 200  # not his point of sale: refused, the form again
    cl = _new(web, "08", establishments["pos"]["S001P001"])
    today = timezone.localdate().isoformat()
    web.post(f"/documentos/{cl.pk}/guardar/", {"action": "set_client", "client_id": parties["taxpayer"].pk,
                                               "issue_date": today})
    web.post(f"/documentos/{cl.pk}/guardar/", {"action": "add_liquidated", "issue_date": today}, HTTP_HX_REQUEST="true")
    codes = {x.extra["numeroDocumento"] for x in cl.lines.all()}
    assert codes == {branch_sale.codigo_generacion} and main_sale.codigo_generacion not in codes
    # the company-wide accountant's draft is not his to open
    other = _new(client_as(users["Contador"]), "08", establishments["pos"]["M001P001"])
    assert web.get(f"/documentos/{other.pk}/editar/").status_code in (403, 404)
