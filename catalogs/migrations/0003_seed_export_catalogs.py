from django.db import migrations


def seed(apps, schema_editor):
    """The seed gained CAT-027 (recinto fiscal) and CAT-028 (régimen) for the export invoice's
    editor: add what an existing database lacks (rows already there are left as they are)."""
    from catalogs.seed import seed_rows

    CatalogEntry = apps.get_model("catalogs", "CatalogEntry")
    for edition in ("2023", "2026"):
        CatalogEntry.objects.bulk_create(
            [CatalogEntry(catalog=r.catalog, edition=edition, code=r.code, parent=r.parent, name=r.name)
             for r in seed_rows(edition) if r.catalog in ("CAT-027", "CAT-028")],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0002_seed")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
