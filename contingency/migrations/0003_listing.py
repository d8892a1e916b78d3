# The links from documents to contingency events and lots move to contingency's side: one
# Listing row per document listed or in a lot, carried over from dte_document's columns (which
# dte 0022 then drops).

import django.db.models.deletion
from django.db import migrations, models


def carry_links(apps, schema_editor):
    Document = apps.get_model("dte", "Document")
    Listing = apps.get_model("contingency", "Listing")
    rows = (Document.objects.filter(models.Q(contingency_event__isnull=False) | models.Q(contingency_lot__isnull=False))
            .values_list("pk", "contingency_event_id", "contingency_lot_id").order_by("pk"))
    batch = []
    for pk, event_id, lot_id in rows.iterator(chunk_size=2000):
        batch.append(Listing(document_id=pk, event_id=event_id, lot_id=lot_id))
        if len(batch) >= 2000:
            Listing.objects.bulk_create(batch)
            batch = []
    Listing.objects.bulk_create(batch)


def carry_back(apps, schema_editor):
    Document = apps.get_model("dte", "Document")
    Listing = apps.get_model("contingency", "Listing")
    for document_id, event_id, lot_id in Listing.objects.values_list("document_id", "event_id", "lot_id").iterator():
        Document.objects.filter(pk=document_id).update(contingency_event_id=event_id, contingency_lot_id=lot_id)


class Migration(migrations.Migration):

    dependencies = [
        ('contingency', '0002_period_moves_to_dte'),
        ('dte', '0021_offline_scope'),
    ]

    operations = [
        migrations.CreateModel(
            name='Listing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('document', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='contingency_listing', to='dte.document')),
                ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='listings', to='contingency.event')),
                ('lot', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='listings', to='contingency.lot')),
            ],
            options={
                'verbose_name': 'documento en contingencia',
                'verbose_name_plural': 'documentos en contingencia',
            },
        ),
        migrations.RunPython(carry_links, carry_back),
    ]
