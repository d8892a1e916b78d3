"""The default roles, fitted to each job (accounts.modules.DEFAULT_ROLES):

- Vendedor: issues the sales-side types only; the Comprobante de Retención (07) and the Factura de
  Sujeto Excluido (14) are the company buying, not selling.
- Contador: exports clients, and issues credit and debit notes (05, 06) and nothing else.
- Auditor: still reads only, and may download every export (clients, inventory, reports).

An installation's roles are updated only while they are exactly as shipped: the same grants and
the same document types as the old default (or, on a new database, where migration 0002 already
created them with the new grants, as the new one). A role an admin has changed in any way is left
as it is, in full: it is the admin's now, and half-applying a default to it could only surprise.
The description changes only where it is still the shipped text. The audit trail also learns the
"return" action (goods back in stock, dte.returns)."""

from django.db import migrations, models

V, C, E, X = "view", "create", "edit", "export"
OLD = {
    "Vendedor": {"grants": {("clientes", V), ("clientes", C), ("inventario", V), ("documentos", V),
                            ("documentos", C), ("documentos", "send")},
                 "document_types": [], "description": "Emite documentos desde sus establecimientos y puntos de venta asignados."},
    "Contador": {"grants": {("clientes", V), ("inventario", V), ("documentos", V), ("documentos", E),
                            ("documentos", "invalidate"), ("documentos", "send"), ("reportes", V), ("reportes", X),
                            ("contingencia", V)},
                 "document_types": [], "description": "Revisa estados, resuelve rechazos, invalida y exporta libros."},
    "Auditor": {"grants": {(m, V) for m in ("clientes", "inventario", "documentos", "reportes", "contingencia",
                                           "configuracion")},
                "document_types": [], "description": "Solo lectura en todo el sistema, incluida la bitácora."},
}
NEW = {
    "Vendedor": {"grants": OLD["Vendedor"]["grants"], "document_types": ["01", "03", "04", "05", "06", "11"],
                 "description": OLD["Vendedor"]["description"]},
    "Contador": {"grants": OLD["Contador"]["grants"] | {("clientes", X), ("documentos", C)},
                 "document_types": ["05", "06"],
                 "description": "Revisa estados, resuelve rechazos, invalida, emite notas de crédito y débito y "
                                "exporta libros y clientes."},
    "Auditor": {"grants": OLD["Auditor"]["grants"] | {("clientes", X), ("inventario", X), ("reportes", X)},
                "document_types": [],
                "description": "Solo lectura en todo el sistema, incluida la bitácora; descarga las exportaciones."},
}


def _move(apps, source, target, *, accept_target_grants):
    Role = apps.get_model("accounts", "Role")
    RolePermission = apps.get_model("accounts", "RolePermission")
    for name, to in target.items():
        role = Role.objects.filter(name=name).first()
        if role is None:
            continue
        grants = set(RolePermission.objects.filter(role=role).values_list("module", "action"))
        was = source[name]
        known = grants == was["grants"] or (accept_target_grants and grants == to["grants"])
        if not known or list(role.document_types or []) != was["document_types"]:
            continue  # changed by an admin: left alone
        for permission in RolePermission.objects.filter(role=role):
            if (permission.module, permission.action) not in to["grants"]:
                permission.delete()
        RolePermission.objects.bulk_create([RolePermission(role=role, module=m, action=a)
                                            for m, a in sorted(to["grants"] - grants)])
        role.document_types = list(to["document_types"])
        fields = ["document_types"]
        if role.description == was["description"]:
            role.description = to["description"]
            fields.append("description")
        role.save(update_fields=fields)


def forwards(apps, schema_editor):
    # A new database: 0002 created the roles from the current DEFAULT_ROLES, new grants already.
    _move(apps, OLD, NEW, accept_target_grants=True)


def backwards(apps, schema_editor):
    _move(apps, NEW, OLD, accept_target_grants=False)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0011_role_permission_meaningful_pairs'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('create', 'Creación'), ('update', 'Modificación'), ('delete', 'Eliminación'), ('import', 'Importación'), ('login', 'Inicio de sesión'), ('login_fail', 'Inicio de sesión fallido'), ('logout', 'Cierre de sesión'), ('issue', 'Emisión'), ('confirm', 'Confirmación de caso especial'), ('request', 'Solicitud de aprobación'), ('approve', 'Aprobación'), ('refuse', 'Aprobación denegada'), ('correct', 'Corrección'), ('retransmit', 'Retransmisión'), ('invalidate', 'Invalidación'), ('status', 'Cambio de estado interno'), ('send', 'Envío'), ('return', 'Devolución de mercadería'), ('other', 'Otra')], max_length=10, verbose_name='acción'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
