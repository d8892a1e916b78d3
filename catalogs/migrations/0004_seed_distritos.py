from django.db import migrations


def seed(apps, schema_editor):
    """The seed gained CAT-008 (distritos, 2026 edition) for the addresses of the 2026 generation:
    add what an existing database lacks (rows already there are left as they are)."""
    from catalogs.seed import seed_rows

    CatalogEntry = apps.get_model("catalogs", "CatalogEntry")
    CatalogEntry.objects.bulk_create(
        [CatalogEntry(catalog=r.catalog, edition="2026", code=r.code, parent=r.parent, name=r.name)
         for r in seed_rows("2026") if r.catalog == "CAT-008"],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0003_seed_export_catalogs")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
