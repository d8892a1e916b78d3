"""A role holds only the (module, action) pairs that mean something (accounts.modules.MODULE_ACTIONS):
the ones it held that did not (the Administrador was given every module × every action, such as
"Reportes · Crear") are dropped, then the database refuses them."""

from django.db import migrations, models

# The pairs as they stood when this migration was written (a migration does not follow later code).
PAIRS = {
    "clientes": ["view", "create", "edit", "export"],
    "inventario": ["view", "create", "edit", "export"],
    "documentos": ["view", "create", "edit", "approve", "invalidate", "send"],
    "reportes": ["view", "export"],
    "contingencia": ["view", "edit"],
    "configuracion": ["view", "edit"],
}


def drop_meaningless(apps, schema_editor):
    RolePermission = apps.get_model("accounts", "RolePermission")
    keep = models.Q()
    for module, actions in PAIRS.items():
        keep |= models.Q(module=module, action__in=actions)
    RolePermission.objects.exclude(keep).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0010_audit_refuse_truncate_keep_actors'),
    ]

    operations = [
        migrations.RunPython(drop_meaningless, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='rolepermission',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('action__in', ['view', 'create', 'edit', 'export']), ('module', 'clientes')), models.Q(('action__in', ['view', 'create', 'edit', 'export']), ('module', 'inventario')), models.Q(('action__in', ['view', 'create', 'edit', 'approve', 'invalidate', 'send']), ('module', 'documentos')), models.Q(('action__in', ['view', 'export']), ('module', 'reportes')), models.Q(('action__in', ['view', 'edit']), ('module', 'contingencia')), models.Q(('action__in', ['view', 'edit']), ('module', 'configuracion')), _connector='OR'), name='role_permission_module_has_action'),
        ),
    ]
