import pytest
from django.core.management import call_command

from accounts.models import Company, Establishment, PointOfSale, User
from catalogs.models import CatalogEntry
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_setup_demo_creates_everything_once(capsys, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("setup_demo")
    out = capsys.readouterr().out
    assert "0614-050707-104-8" in out and "vendedor" in out and "demo-Facturador-2026" in out
    company = Company.objects.get()
    assert company.has_certificate and company.certificate.startswith(b"<?xml") and b"<CertificadoMH>" in company.certificate
    assert company.mh_api_url.startswith("http://127.0.0.1:")
    assert company.certificate_password and company.mh_api_password
    assert Establishment.objects.count() == 1 and PointOfSale.objects.count() == 2
    assert {u.role.name for u in User.objects.all()} == {"Administrador", "Supervisor", "Vendedor", "Contador", "Auditor"}
    counts = (User.objects.count(), AuditEntry.objects.count(), Company.objects.count())
    call_command("setup_demo")
    assert (User.objects.count(), AuditEntry.objects.count(), Company.objects.count()) == counts


def test_demo_certificate_is_mh_crt_and_opens_with_its_password(settings, tmp_path):
    import json

    from dte.signing.certificates import load_signing_key

    settings.VAR_DIR = tmp_path
    call_command("setup_demo")
    company = Company.objects.get()
    key = load_signing_key(company.certificate, company.certificate_password)
    assert key.source_format == "mh-crt" and key.private_key.key_size == 2048 and key.nit == company.nit
    issuer = json.loads((tmp_path / "demo-issuer.json").read_text())
    assert issuer["public_key_pem"] == key.public_pem.decode() and issuer["nit"] == company.nit


def test_load_command_from_csv_folder(shared_dir, capsys):
    call_command("load_mh_catalogs", "--edition", "2023", "--dir", str(shared_dir / "spec" / "catalogs"))
    assert "catálogos cargados" in capsys.readouterr().out
    assert CatalogEntry.objects.filter(catalog="CAT-013", edition="2023").count() == 263
