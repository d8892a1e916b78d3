from django.db import migrations


def load(apps, schema_editor):
    from onboarding.seed import load as load_requirements

    load_requirements(apps.get_model("onboarding", "TestRequirement"))


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
