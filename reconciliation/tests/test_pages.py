"""The pages through the test client: the statement's dry run and confirmation, the mapping
editor, and a matching page whose queries do not grow with its rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reconciliation.models import BankLine, Match, Statement
from reconciliation.tests.helpers import account_for, client, csv_file, day, pay

pytestmark = pytest.mark.django_db


def test_upload_review_then_apply_through_the_pages(company, users, client_as):
    user = users["Contador"]
    account = account_for(company)
    pay(client(), user, "110.00", day(2), "DEP-1001")
    web = client_as(user)
    response = web.post(f"/conciliacion/cuentas/{account.pk}/extractos/",
                        {"file": csv_file([("2026-11-02", "110.00", "DEP-1001", "DEPOSITO")])})
    statement = Statement.objects.get()
    assert response["Location"] == f"/conciliacion/extractos/{statement.pk}/"
    page = web.get(response["Location"]).content.decode()
    assert "Importar 1 línea" in page and BankLine.objects.count() == 0  # a dry run adds nothing
    response = web.post(f"/conciliacion/extractos/{statement.pk}/aplicar/")
    assert response["Location"] == f"/conciliacion/cuentas/{account.pk}/conciliar/"
    assert BankLine.objects.count() == 1 and Match.objects.get().rule == "reference"
    page = web.get(response["Location"]).content.decode()
    assert "Referencia exacta" in page and "100 %" in page
    # Edited by hand: the proposal's line and payment come chosen in the manual form.
    match, line = Match.objects.get(), BankLine.objects.get()
    page = web.get(f"{response['Location']}?editar={match.pk}").content.decode()
    assert "Editar la propuesta" in page
    assert f'name="lines" value="{line.pk}" aria-label="Elegir línea" checked' in page
    payment = match.payment_links.get().payment_id
    assert f'name="payments" value="{payment}" aria-label="Elegir pago" checked' in page
    web.post(f"/conciliacion/cuentas/{account.pk}/a-mano/", {"lines": [line.pk], "payments": [payment]})
    assert sorted(Match.objects.values_list("rule", "state")) == [("manual", "accepted"), ("reference", "rejected")]


def test_the_mapping_editor_saves_and_starts_from_a_bank(company, users, client_as):
    account = account_for(company)
    web = client_as(users["Contador"])
    assert "débitos" in web.get(f"/conciliacion/cuentas/{account.pk}/columnas/?banco=bac").content.decode()
    response = web.post(f"/conciliacion/cuentas/{account.pk}/columnas/",
                        {"date": "F. Operación", "debit": "Retiros", "credit": "Depósitos", "date_format": "%d/%m/%Y",
                         "decimal_comma": "on"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.mapping == {"date": "f. operación", "debit": "retiros", "credit": "depósitos",
                               "date_format": "%d/%m/%Y", "decimal_comma": True}


def _queries(web, path):
    with CaptureQueriesContext(connection) as ctx:
        assert web.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_matching_page_reads_in_a_fixed_number_of_queries(company, users, client_as):
    from reconciliation import services

    user = users["Contador"]
    account = account_for(company)
    acme = client()

    def add(first, count):
        for i in range(first, first + count):
            pay(acme, user, f"{100 + i}.00", day(2), f"DEP-{2000 + i}")
        services.statement_review(account=account, acting_user=user, upload=csv_file(
            [("2026-11-02", f"{100 + i}.00", f"DEP-{2000 + i}", "DEPOSITO") for i in range(first, first + count)],
            name=f"e{first}.csv"))
        services.statement_apply(statement=Statement.objects.order_by("-pk").first(), acting_user=user)

    add(0, 2)
    services.match_accept(matches=Match.objects.filter(pk=Match.objects.order_by("pk")[0].pk), acting_user=user)
    pay(acme, user, "999.00", day(3), "SUELTO")
    web = client_as(user)
    path = f"/conciliacion/cuentas/{account.pk}/conciliar/"
    _queries(web, path)  # the first request of a session reads more (the session itself)
    few = _queries(web, path)
    add(2, 10)
    five = list(Match.objects.filter(state="proposed").order_by("pk").values_list("pk", flat=True)[:5])
    services.match_accept(matches=Match.objects.filter(pk__in=five), acting_user=user)
    assert _queries(web, path) == few
