"""Give the database role the application runs as what it needs, and no more on the audit trail.

The owner of the tables (the role that runs ``migrate``) runs this after every migration:

    python manage.py grant_app_role facturador_app

The app role may then read and write every table, but on ``accounts_auditentry`` only SELECT and
INSERT: it cannot UPDATE, DELETE or TRUNCATE it, and as it owns nothing it cannot disable the
triggers that refuse those either (ALTER TABLE needs ownership). README, "Database roles"."""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

AUDIT_TABLE = "accounts_auditentry"


class Command(BaseCommand):
    help = "Concede al rol de la aplicación lo que necesita; en la bitácora, solo SELECT e INSERT."

    def add_arguments(self, parser):
        parser.add_argument("role", help="el rol de PostgreSQL con el que corre la aplicación (no el dueño)")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Solo en PostgreSQL.")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", role):
            raise CommandError(f"Nombre de rol no válido: {role!r}")
        qn = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper OR rolbypassrls, pg_has_role(%s, c.relowner, 'MEMBER') FROM pg_roles r, "
                           "pg_class c WHERE r.rolname = %s AND c.oid = %s::regclass", [role, role, AUDIT_TABLE])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"El rol {role} no existe (CREATE ROLE {role} LOGIN PASSWORD '…').")
            if row[0] or row[1]:
                raise CommandError(f"El rol {role} es superusuario o dueño de las tablas: podría vaciar la bitácora. "
                                   "Use un rol sin privilegios especiales para la aplicación.")
            cursor.execute("SELECT current_database(), current_schema()")
            database, schema = cursor.fetchone()
            r, s = qn(role), qn(schema)
            for sql in (
                # TEMPORARY: the bulk upload engine stages rows in a temporary table.
                f"GRANT CONNECT, TEMPORARY ON DATABASE {qn(database)} TO {r}",
                f"GRANT USAGE ON SCHEMA {s} TO {r}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
                # Tables a later migration creates get the same (the owner runs this command).
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
                # The audit trail: read and append, nothing else.
                f"REVOKE ALL ON {qn(AUDIT_TABLE)} FROM {r}",
                f"GRANT SELECT, INSERT ON {qn(AUDIT_TABLE)} TO {r}",
            ):
                cursor.execute(sql)
        self.stdout.write(f"{role}: lectura y escritura en {schema}; en {AUDIT_TABLE} solo SELECT e INSERT.")
