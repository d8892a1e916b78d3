"""``make run``'s demo: setup_demo gives the demo company an account at each paysim gateway and
writes the merchants paysim registers when it starts, and makes an order whose pay link works."""

import json
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_setup_demo_pay_link_pays_through_paysim(paysim, settings, tmp_path, monkeypatch, capsys, client):
    from billing.management.commands import setup_demo
    from core.models import AuditEntry
    from orders.models import Order, OrderState
    from payments.models import GatewayAccount

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(setup_demo, "PAYSIM_URL", paysim)
    call_command("setup_demo")
    out = capsys.readouterr().out
    accounts = {a.gateway: a for a in GatewayAccount.objects.all()}
    assert set(accounts) == {"wompi", "n1co", "paypal"}
    assert all(a.enabled and a.base_url == f"{paysim}/{a.gateway}" for a in accounts.values())
    merchants = json.loads((tmp_path / "paysim-merchants.json").read_text())
    assert {m["gateway"] for m in merchants} == {"wompi", "n1co", "paypal"}
    for m in merchants:  # the same credentials on both sides, and the webhook URL of the account
        assert accounts[m["gateway"]].credentials_dict()["client_secret"] == m["client_secret"]
        assert m["webhook_url"].endswith(f"/pagar/webhooks/{accounts[m['gateway']].webhook_token}/")
        # what `python -m paysim serve` does with the file at start (paysim.__main__.load_merchants)
        assert httpx.post(f"{paysim}/_paysim/merchants", json=m).status_code == 201
    # twice: nothing new (no second order, account or audit row)
    counts = (Order.objects.count(), GatewayAccount.objects.count(), AuditEntry.objects.count())
    call_command("setup_demo")
    assert (Order.objects.count(), GatewayAccount.objects.count(), AuditEntry.objects.count()) == counts
    capsys.readouterr()
    order = Order.objects.get()
    assert order.state == OrderState.PENDING and order.total == Decimal("28.25")
    link = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Enlace de pago"))
    path = "/" + link.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and "Wompi" in page.content.decode() and "PayPal" in page.content.decode()
    go = client.post(path, {"gateway": "wompi"})
    assert go.status_code == 302 and go["Location"].startswith(paysim), go.content.decode()[:500]
    op = order.operations.get()
    paid = httpx.post(f"{paysim}/_paysim/pay", json={"gateway": "wompi", "id": op.gateway_id}).json()
    assert paid["outcome"] == "approved", paid
    client.get(path + "retorno/")
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.amount_captured == Decimal("28.25")
    # once paid, the next run makes a new pending demo order (the printed link always works)
    call_command("setup_demo")
    assert Order.objects.filter(state=OrderState.PENDING).count() == 1 and Order.objects.count() == 2
