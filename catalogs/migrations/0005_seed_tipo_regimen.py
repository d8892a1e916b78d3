from django.db import migrations


def seed(apps, schema_editor):
    """The seed gained CAT-033 (tipo de régimen, 2026 edition): the FEX form of the 2026 generation
    asks for it beside the 2026 CAT-028 code. Add what an existing database lacks."""
    from catalogs.seed import seed_rows  # noqa: PLC0415 - the seed as it is when the migration runs

    CatalogEntry = apps.get_model("catalogs", "CatalogEntry")
    CatalogEntry.objects.bulk_create(
        [CatalogEntry(catalog=r.catalog, edition="2026", code=r.code, parent=r.parent, name=r.name)
         for r in seed_rows("2026") if r.catalog == "CAT-033"],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0004_seed_distritos")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
