from django.db import migrations


def seed(apps, schema_editor):
    from catalogs.seed import seed_rows

    CatalogEntry = apps.get_model("catalogs", "CatalogEntry")
    for edition in ("2023", "2026"):
        CatalogEntry.objects.bulk_create(
            [CatalogEntry(catalog=r.catalog, edition=edition, code=r.code, parent=r.parent, name=r.name)
             for r in seed_rows(edition)],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
