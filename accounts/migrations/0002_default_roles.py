from django.db import migrations


def create_roles(apps, schema_editor):
    from accounts.modules import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    RolePermission = apps.get_model("accounts", "RolePermission")
    for name, spec in DEFAULT_ROLES.items():
        role, created = Role.objects.get_or_create(
            name=name, defaults={"description": str(spec["description"]), "company_wide": spec["company_wide"]}
        )
        if created:
            RolePermission.objects.bulk_create(
                [RolePermission(role=role, module=str(m), action=str(a)) for m, a in spec["grants"]]
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
