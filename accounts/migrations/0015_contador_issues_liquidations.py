"""The accountant also issues the two liquidations (sv-tax-facts-2.md §6): the Comprobante de
Liquidación (08) a commission agent or consignee issues its mandante once per period, and the
Documento Contable de Liquidación (09) a card issuer issues an affiliated merchant. Both are
period-end settlements, not sales at a till: the accountant's job, not a sales rep's.

As in 0012, only a Contador role still as shipped (document types exactly 05 and 06) changes."""

from django.db import migrations

SHIPPED, NOW = ["05", "06"], ["05", "06", "08", "09"]


def _set(apps, source, target):
    Role = apps.get_model("accounts", "Role")
    role = Role.objects.filter(name="Contador").first()
    if role is not None and list(role.document_types or []) == source:
        role.document_types = list(target)
        role.save(update_fields=["document_types"])


def forwards(apps, schema_editor):
    _set(apps, SHIPPED, NOW)


def backwards(apps, schema_editor):
    _set(apps, NOW, SHIPPED)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0014_distrito")]
    operations = [migrations.RunPython(forwards, backwards)]
