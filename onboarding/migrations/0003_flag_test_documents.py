from django.db import migrations


def flag(apps, schema_editor):
    """Documents the authorisation test set issued before the flag existed: flagged, so the books,
    reports and annexes leave them out (dte.Document.is_authorisation_test)."""
    TestDocument = apps.get_model("onboarding", "TestDocument")
    Document = apps.get_model("dte", "Document")
    Document.objects.filter(pk__in=TestDocument.objects.values("document_id")).update(is_authorisation_test=True)


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0002_requirements"), ("dte", "0027_document_is_authorisation_test")]
    operations = [migrations.RunPython(flag, migrations.RunPython.noop)]
