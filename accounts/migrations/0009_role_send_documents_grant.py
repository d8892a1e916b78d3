"""Sending a document out by email becomes a grant of its own (Documentos · Enviar), where it used
to need only «Ver». Existing roles that already change documents (create, edit, approve or
invalidate them) keep sending; read-only roles (the default Auditor) lose it."""

from django.db import migrations, models

WRITING = ("create", "edit", "approve", "invalidate")


def grant_send(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    RolePermission = apps.get_model("accounts", "RolePermission")
    roles = Role.objects.filter(permissions__module="documentos", permissions__action__in=WRITING).distinct()
    for role in roles:
        if RolePermission.objects.filter(role=role, module="documentos", action="view").exists():
            RolePermission.objects.get_or_create(role=role, module="documentos", action="send")


def revoke_send(apps, schema_editor):
    apps.get_model("accounts", "RolePermission").objects.filter(module="documentos", action="send").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_logo_size'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rolepermission',
            name='action',
            field=models.CharField(choices=[('view', 'Ver'), ('create', 'Crear'), ('edit', 'Editar'), ('approve', 'Aprobar'), ('invalidate', 'Invalidar'), ('export', 'Exportar'), ('send', 'Enviar')], max_length=20, verbose_name='acción'),
        ),
        migrations.RunPython(grant_send, revoke_send),
    ]
