from django.db import migrations


def seed(apps, schema_editor):
    """The seed's CAT-017 (forma de pago) gained MH's codes 08, 09, 11, 12, 13 and 14 (the project
    seeded only 01–05 and 99): an order paid through PayPal is written with its own code. Add what
    an existing database lacks, in both editions."""
    from catalogs.seed import seed_rows  # noqa: PLC0415 - the seed as it is when the migration runs

    CatalogEntry = apps.get_model("catalogs", "CatalogEntry")
    for edition in ("2023", "2026"):
        CatalogEntry.objects.bulk_create(
            [CatalogEntry(catalog=r.catalog, edition=edition, code=r.code, parent=r.parent, name=r.name)
             for r in seed_rows(edition) if r.catalog == "CAT-017"],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0005_seed_tipo_regimen")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
