"""A small fixed month of documents whose report figures are computed by hand in the tests.

October 2026, two establishments (M001 "Matriz" and S001 "Sucursal Santa Tecla"):

| # | day | where    | type | client    | lines                                  | gravada | exenta | IVA   | total  |
|---|-----|----------|------|-----------|----------------------------------------|---------|--------|-------|--------|
| 1 | 3   | M001P001 | 01   | consumer  | 2 × 56.50 (IVA included)               | 113.00  |        | 13.00 | 113.00 |
| 2 | 3   | M001P001 | 01   | consumer  | 1 × 22.60 taxed + 1 × 10.00 exempt     | 22.60   | 10.00  | 2.60  | 32.60  |
| 3 | 3   | M001P001 | 03   | taxpayer  | 1 × 200.00 (net)                       | 200.00  |        | 26.00 | 226.00 |
| 4 | 5   | M001P001 | 05   | taxpayer  | 1 × 50.00, corrects #3                 | 50.00   |        | 6.50  | 56.50  |
| 5 | 5   | M001P001 | 11   | foreign   | 1 × 300.00 + freight 20.00             | 300.00  |        | 0     | 320.00 |
| 6 | 5   | S001P001 | 01   | consumer  | 1 × 45.20 (IVA included)               | 45.20   |        | 5.20  | 45.20  |
| 7 | 5   | S001P001 | 03   | taxpayer  | 2 × 150.00 (net)                       | 300.00  |        | 39.00 | 339.00 |
| 8 | 6   | M001P001 | 01   | consumer  | 1 × 11.30, then invalidated            | 11.30   |        | 1.30  | 11.30  |
| 9 | 6   | M001P001 | 07   | provider  | retention 1 % of 1,500.00              | 1500.00 |        |       | 15.00  |

Documents 1–5, 8 and 9 were issued by the Matriz rep, 6 and 7 by the branch rep."""

import datetime
from decimal import Decimal

import pytest

from dte.tests.conftest import issuer, line, make_draft, parties, products, signing_company  # noqa: F401

MONTH = datetime.date(2026, 10, 1)


@pytest.fixture
def branch_rep(make_user, establishments, users):
    from accounts.services import user_assign_locations

    rep = make_user("vendedor_sucursal", "Vendedor", first_name="Rosa", last_name="Campos")
    user_assign_locations(user=rep, establishments=[establishments["branch"]],
                          points_of_sale=[establishments["pos"]["S001P001"]], acting_user=users["Administrador"])
    return rep


@pytest.fixture
def book(make_draft, issuer, branch_rep, parties, establishments, settings):  # noqa: F811
    """The month above, issued through the services and then sealed and dated as MH would."""
    from accounts.models import User
    from dte.models import Document, GovStatus, Invalidation
    from dte.services.cases import case_confirm, cases_refresh
    from dte.services.issuing import document_issue

    settings.DTE_LARGE_AMOUNT_THRESHOLD = "100000000"
    admin = User.objects.get(username="administrador")

    def issue(tipo, lines, day, *, user=issuer, pos="M001P001", **data):
        draft = make_draft(tipo, lines, user=user, pos=pos, **data)
        for case in cases_refresh(document=draft, acting_user=admin):
            case_confirm(case=case, acting_user=admin)
        doc = document_issue(document=draft, acting_user=user)
        Document.objects.filter(pk=doc.pk).update(status=GovStatus.SEALED, sello_recibido=f"2026SELLO{doc.pk:031d}",
                                                  issue_date=MONTH.replace(day=day))
        return Document.objects.get(pk=doc.pk)

    docs = {}
    docs[1] = issue("01", [line("Silla", "2", "56.50")], 3, client=parties["consumer"])
    docs[2] = issue("01", [line("Lámpara", "1", "22.60"), line("Libro", "1", "10.00", treatment="exento")], 3,
                    client=parties["consumer"])
    docs[3] = issue("03", [line("Escritorio", "1", "200.00")], 3, client=parties["taxpayer"])
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": docs[3].codigo_generacion,
                "fecha_emision": docs[3].issue_date, "target_id": docs[3].pk}]
    docs[4] = issue("05", [line("Devolución", "1", "50.00", related_code=docs[3].codigo_generacion)], 5,
                    client=parties["taxpayer"], related=related)
    docs[5] = issue("11", [line("Café oro", "1", "300.00")], 5, client=parties["foreign"],
                    extra={"seguro": "0", "flete": "20", "codIncoterms": "05", "descIncoterms": "DAP",
                           "recintoFiscal": "02", "regimen": "EX-1.1000.000"})
    docs[6] = issue("01", [line("Mesa", "1", "45.20")], 5, user=branch_rep, pos="S001P001", client=parties["consumer"])
    docs[7] = issue("03", [line("Silla", "2", "150.00")], 5, user=branch_rep, pos="S001P001", client=parties["taxpayer"])
    docs[8] = issue("01", [line("Taza", "1", "11.30")], 6, client=parties["consumer"])
    Document.objects.filter(pk=docs[8].pk).update(status=GovStatus.INVALIDATED)
    Invalidation.objects.create(document=docs[8], tipo=2, reason="Venta anulada por el cliente", state="accepted",
                                codigo_generacion="7E1B3D52-0000-4000-8000-000000000008",
                                sello_recibido="2026INVALIDA0000000000000000000000008", created_by=admin,
                                responsible={}, requester={})
    from dte.models import Invalidation as Inv

    Inv.objects.filter(document=docs[8]).update(created_at=datetime.datetime(2026, 10, 7, 10, 0,
                                                                             tzinfo=datetime.UTC))
    retention = [line("Retención 1 % CCF 123", "1", "0", extra={
        "tipoDte": "03", "tipoDoc": 1, "numDocumento": "23CC000451", "fechaEmision": "2026-10-02",
        "montoSujetoGrav": "1500.00", "codigoRetencionMH": "22"})]
    docs[9] = issue("07", retention, 6, provider=parties["provider"])
    return {k: Document.objects.get(pk=v.pk) for k, v in docs.items()}


def month_query(**extra):
    from urllib.parse import urlencode

    return urlencode({"mes": "2026-10", **extra})


def range_query(**extra):
    from urllib.parse import urlencode

    return urlencode({"desde": "2026-10-01", "hasta": "2026-10-31", **extra})


D = Decimal
