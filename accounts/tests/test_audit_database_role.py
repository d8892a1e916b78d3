"""The audit trail cannot be emptied (issue 15): PostgreSQL refuses TRUNCATE on it, and the role
the application runs as (README, "Database roles": it owns no table and has only SELECT and
INSERT on the trail) can neither change, delete, truncate it nor disable its triggers."""

import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from accounts import services
from core.models import AuditEntry


def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("los disparadores y los roles son de PostgreSQL")


@pytest.mark.django_db
@pytest.mark.parametrize("sql", ["TRUNCATE accounts_auditentry", "TRUNCATE accounts_user CASCADE"])
def test_truncate_is_refused_even_to_the_owner(company, users, sql):
    _postgresql()
    services.audit_record(actor=users["Administrador"], action="other", obj=company, summary="x")
    # The test database lets its harness empty tables between tests (conftest.django_db_setup);
    # turned off, as on any real database, the owner is refused too.
    with pytest.raises(DatabaseError, match="solo anexar"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL facturador.allow_audit_truncate = 'off'")
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own deferred FK checks, run first
            cur.execute(sql)
    assert AuditEntry.objects.filter(summary="x").exists()


@pytest.mark.django_db(transaction=True)
def test_the_app_role_may_only_append_to_the_trail(company, users):
    _postgresql()
    import psycopg

    role, password = f"fact_app_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    with connection.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        call_command("grant_app_role", role)  # what the owner runs after migrating (README)
        kept = services.audit_record(actor=users["Administrador"], action="other", obj=company, summary="antes")
        db = connection.settings_dict
        with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, dbname=db["NAME"], user=role,
                             password=password, autocommit=True) as app:
            # What the application does: read and write its tables, append to the trail.
            app.execute("UPDATE accounts_company SET trade_name = 'Por el rol de la app' WHERE id = %s", [company.pk])
            with app.transaction():  # the bulk upload engine stages rows in a temporary table
                app.execute("CREATE TEMP TABLE bulk_import ON COMMIT DROP AS SELECT * FROM clients_client WITH NO DATA")
            app.execute("INSERT INTO accounts_auditentry (at, actor_name, action, object_id, object_repr, summary) "
                        "VALUES (now(), 'app', 'other', '', 'x', 'escrito por el rol de la app')")
            assert app.execute("SELECT count(*) FROM accounts_auditentry").fetchone()[0] == 2
            # What it must not be able to do, whatever it sets in its session.
            app.execute("SET facturador.allow_audit_truncate = 'on'")
            refused = {
                "UPDATE accounts_auditentry SET summary = 'borrado'": "permission denied",
                "DELETE FROM accounts_auditentry": "permission denied",
                "TRUNCATE accounts_auditentry": "permission denied",
                "TRUNCATE accounts_user CASCADE": "permission denied",
                "ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_append_only": "must be owner",
                "ALTER TABLE accounts_auditentry DISABLE TRIGGER ALL": "must be owner",
                "DROP TRIGGER accounts_auditentry_no_truncate ON accounts_auditentry": "must be owner",
                "DROP TABLE accounts_auditentry": "must be owner",
            }
            for sql, reason in refused.items():
                with pytest.raises(psycopg.Error, match=reason):
                    app.execute(sql)
        assert AuditEntry.objects.get(pk=kept.pk).summary == "antes"
        assert set(AuditEntry.objects.values_list("summary", flat=True)) == {"antes", "escrito por el rol de la app"}
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP OWNED BY {role}")  # its grants (it owns nothing else)
            cur.execute(f"DROP ROLE {role}")


@pytest.mark.django_db
def test_grant_app_role_refuses_a_role_that_could_empty_the_trail():
    _postgresql()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="superusuario o dueño"):
        call_command("grant_app_role", connection.settings_dict["USER"] or "postgres")
    with pytest.raises(CommandError, match="no existe"):
        call_command("grant_app_role", f"nadie_{uuid.uuid4().hex[:8]}")
