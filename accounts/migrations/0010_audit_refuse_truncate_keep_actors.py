"""The audit trail cannot be emptied either: on PostgreSQL a statement trigger refuses TRUNCATE on
accounts_auditentry (also when it would come by CASCADE from accounts_user). A user who appears
in it is protected from deletion (deactivated instead), and it gets the actions it now records.

TRUNCATE is let through only when the session says so (facturador.allow_audit_truncate = on) AND
the role owns the table: that is the test harness, which empties every table between
transactional tests (pytest-django's flush is one TRUNCATE of all tables; the root conftest.py
turns the setting on for the test database only). An owner can disable any trigger anyway, so
the exception gives it nothing; the application must run as a role that does not own the table
and has only SELECT and INSERT on it (README, "Database roles"; manage.py grant_app_role), which
can neither truncate, update, delete nor disable the triggers, whatever it sets."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_auditentry_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('facturador.allow_audit_truncate', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'accounts_auditentry es de solo anexar (%% no permitido)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditentry_no_truncate
    BEFORE TRUNCATE ON accounts_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditentry_no_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_auditentry_no_truncate ON accounts_auditentry;
DROP FUNCTION IF EXISTS accounts_auditentry_no_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_role_send_documents_grant'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('create', 'Creación'), ('update', 'Modificación'), ('delete', 'Eliminación'), ('import', 'Importación'), ('login', 'Inicio de sesión'), ('login_fail', 'Inicio de sesión fallido'), ('logout', 'Cierre de sesión'), ('issue', 'Emisión'), ('confirm', 'Confirmación de caso especial'), ('request', 'Solicitud de aprobación'), ('approve', 'Aprobación'), ('refuse', 'Aprobación denegada'), ('correct', 'Corrección'), ('retransmit', 'Retransmisión'), ('invalidate', 'Invalidación'), ('status', 'Cambio de estado interno'), ('send', 'Envío'), ('other', 'Otra')], max_length=10, verbose_name='acción'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='usuario'),
        ),
        migrations.RunPython(forward, backward),
    ]
