from django.db import migrations

# The 2023 generation's version per type (dte.schemas.registry at the time of this migration).
VERSIONS_2023 = {"01": 1, "03": 3, "04": 3, "05": 3, "06": 3, "07": 1, "11": 1, "14": 1}


def issued_in_2023(apps, schema_editor):
    """Every document issued before generations became data was issued in the 2023 generation:
    say so on the row, so its corrections, invalidation, contingency lot and reprints keep it."""
    Document = apps.get_model("dte", "Document")
    issued = Document.objects.filter(codigo_generacion__isnull=False)
    issued.filter(generation="").update(generation="2023")
    for tipo, version in VERSIONS_2023.items():
        issued.filter(tipo_dte=tipo, generation="2023", version__isnull=True).update(version=version)


class Migration(migrations.Migration):

    dependencies = [
        ("dte", "0024_schema_generation"),
    ]

    operations = [migrations.RunPython(issued_in_2023, migrations.RunPython.noop)]
