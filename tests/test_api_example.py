"""examples/issue_factura.py, run as a program against the live server, with govsim over HTTP and a
real Celery worker: it creates a client, issues a Factura, hears of the seal through a signed
webhook and downloads the PDF."""

import subprocess
import sys
from pathlib import Path

import pytest

from dte.tests.conftest import issuer, make_draft, parties, products, signing_company, wired  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("wired")
def test_the_example_client_issues_a_factura_hears_the_seal_and_downloads_the_pdf(live_server, establishments, users,
                                                                                   tmp_path):
    from api.services import api_key_create
    from dte.models import Document
    from webhooks.models import Delivery, Integration, Subscription

    integration = Integration.objects.create(name="Ejemplo", contact_email="dev@example.com")
    _key, raw = api_key_create(integration=integration, name="Caja 1", role=users["Vendedor"].role,
                               points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    out = tmp_path / "factura.pdf"
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "issue_factura.py"), "--url", live_server.url,
                           "--key", raw, "--out", str(out), "--timeout", "120"],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    doc = Document.objects.get()
    assert last == f"numero_control={doc.numero_control} sello={doc.sello_recibido} pdf_bytes={out.stat().st_size}"
    assert doc.status == "sealed" and doc.client.id_number == "04444444-0"
    assert out.read_bytes().startswith(b"%PDF")
    delivery = Delivery.objects.get(event__kind="document.sealed")
    assert delivery.state == "delivered" and delivery.attempts_made.get().status_code == 204
    assert Subscription.objects.get().state == "disabled"  # the example cleans up after itself
