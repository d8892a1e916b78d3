import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction

from accounts import services
from accounts.models import Company, Establishment
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _raw(column, pk):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM accounts_company WHERE id = %s", [pk])
        return cur.fetchone()[0]


def test_secrets_are_encrypted_at_rest(company):
    raw = _raw("mh_api_password", company.pk)
    assert raw and "api-secret-value" not in raw
    assert Company.objects.get(pk=company.pk).mh_api_password == "api-secret-value"


def test_certificate_bytes_round_trip_encrypted(company, users):
    blob = b"-----BEGIN PRIVATE KEY-----\nxyz\n-----END PRIVATE KEY-----\n"
    services.company_update(company=company, data={}, certificate=blob, certificate_filename="cert.pem",
                            certificate_password="clave-cert", acting_user=users["Administrador"])
    assert b"xyz" not in _raw("certificate", company.pk).encode()
    stored = Company.objects.get(pk=company.pk)
    assert stored.certificate == blob and stored.certificate_password == "clave-cert"


def test_key_rotation_reads_old_values(company, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    assert Company.objects.get(pk=company.pk).mh_api_password == "api-secret-value"


def test_wrong_key_is_a_clear_configuration_error(company, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        Company.objects.get(pk=company.pk)


def test_audit_records_before_and_after_and_masks_secrets(company, users):
    admin = users["Administrador"]
    services.company_update(company=company, data={"trade_name": "Nuevo nombre"}, mh_api_password="otra-clave",
                            acting_user=admin)
    entry = AuditEntry.objects.get(object_id=str(company.pk), action="update")
    assert entry.actor == admin and entry.actor_name == admin.username
    assert entry.before["trade_name"] == "Prueba" and entry.after["trade_name"] == "Nuevo nombre"
    assert "contraseña de la API" in entry.summary
    dumped = str(entry.before) + str(entry.after) + entry.summary
    assert "otra-clave" not in dumped and "api-secret-value" not in dumped


def test_failed_change_leaves_no_audit_row(company, users):
    before = AuditEntry.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll the audit row back too
        with transaction.atomic():
            services.audited_save(instance=Establishment(company=company, name="X", cod_estable_mh="M009",
                                                         departamento="06", municipio="14", address="c"),
                                  acting_user=users["Administrador"])
            raise RuntimeError("fallo a mitad de camino")
    assert AuditEntry.objects.count() == before
    assert not Establishment.objects.filter(cod_estable_mh="M009").exists()


def test_audit_entries_cannot_be_changed_or_deleted(company, users):
    entry = services.audit_record(actor=users["Administrador"], action="other", obj=company, summary="x")
    entry.summary = "cambiado"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_database_refuses_audit_updates_on_postgresql(company, users):
    if connection.vendor != "postgresql":
        pytest.skip("el disparador de solo-anexar es de PostgreSQL")
    entry = services.audit_record(actor=users["Administrador"], action="other", obj=company, summary="x")
    for sql in ("UPDATE accounts_auditentry SET summary = 'y' WHERE id = %s",
                "DELETE FROM accounts_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="solo anexar"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [entry.pk])


def test_company_admin_never_shows_secrets_back(company, users, client_as):
    html = client_as(users["Administrador"]).get(f"/admin/accounts/company/{company.pk}/change/").content.decode()
    assert "api-secret-value" not in html
    assert "Reemplazar contraseña de la API de MH" in html


def test_company_admin_keeps_secret_when_replacement_left_empty(company, users, client_as):
    data = {f: getattr(company, f) for f in ["nit", "nrc", "legal_name", "trade_name", "activity_code",
                                             "activity_description", "departamento", "municipio", "address",
                                             "phone", "email", "mh_environment", "mh_api_url", "mh_api_user"]}
    data.update(trade_name="Cambiado", new_mh_api_password="")
    response = client_as(users["Administrador"]).post(f"/admin/accounts/company/{company.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    company.refresh_from_db()
    assert company.trade_name == "Cambiado" and company.mh_api_password == "api-secret-value"


def test_company_address_must_match_catalog(company, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.company_update(company=company, data={"departamento": "06", "municipio": "25"},
                                acting_user=users["Administrador"])
    assert "municipio" in exc.value.message_dict
    assert "no pertenece al departamento 06" in exc.value.message_dict["municipio"][0]


def test_audit_page_filters(company, users, client_as):
    services.company_update(company=company, data={"trade_name": "Filtrable"}, acting_user=users["Administrador"])
    c = client_as(users["Auditor"])
    html = c.get("/configuracion/bitacora/", {"text": "Filtrable"}).content.decode()
    assert "Filtrable" in html and "Nombre comercial" in html and "trade_name" not in html  # by its label
    html = c.get("/configuracion/bitacora/", {"text": "no-existe-nada"}).content.decode()
    assert "No hay registros que coincidan" in html


def test_logo_must_be_a_small_image(db):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.validators import validate_logo

    big = SimpleUploadedFile("logo.png", b"0" * (2 * 1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(ValidationError, match="2 MB"):
        validate_logo(big)
    from accounts.admin import CompanyForm

    field = CompanyForm().fields["logo"]  # the admin's form parses the upload as an image (Pillow)
    with pytest.raises(ValidationError):
        field.clean(SimpleUploadedFile("logo.png", b"not an image", content_type="image/png"))
