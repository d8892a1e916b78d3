# The contingency period becomes dte's offline scope (issue 17: dte owns "MH is unreachable").
# The table stays contingency_period; only Django's state moves, and the content type follows so
# the audit rows already written about periods still name their model.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="dte", model="offlinescope").exists():
        ContentType.objects.filter(app_label="contingency", model="period").update(app_label="dte", model="offlinescope")


def content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="contingency", model="period").exists():
        ContentType.objects.filter(app_label="dte", model="offlinescope").update(app_label="contingency", model="period")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0006_company_mh_responsible'),
        ('contingency', '0001_initial'),
        ('dte', '0020_invalidation_state_choices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='OfflineScope',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('tipo', models.PositiveSmallIntegerField(choices=[(1, 'No disponibilidad de sistema del MH'), (2, 'No disponibilidad de sistema del emisor'), (3, 'Falla en el suministro de servicio de Internet del emisor'), (4, 'Falla en el suministro de servicio de energía eléctrica del emisor'), (5, 'Otro motivo')], verbose_name='tipo de contingencia')),
                    ('motivo', models.CharField(blank=True, max_length=500, verbose_name='motivo')),
                    ('automatic', models.BooleanField(default=False, verbose_name='detectada por el sistema')),
                    ('end_automatically', models.BooleanField(default=True, verbose_name='termina sola cuando MH responde')),
                    ('started_at', models.DateTimeField(verbose_name='inicio')),
                    ('ended_at', models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='fin')),
                    ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='todo transmitido')),
                    ('busy_until', models.DateTimeField(blank=True, null=True)),
                    ('last_error', models.CharField(blank=True, max_length=500)),
                    ('alerts_sent', models.JSONField(blank=True, default=list)),
                    ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.company')),
                    ('ended_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('establishment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.establishment')),
                    ('opened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('point_of_sale', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.pointofsale')),
                ],
                options={
                    'verbose_name': 'periodo de contingencia',
                    'verbose_name_plural': 'periodos de contingencia',
                    'db_table': 'contingency_period',
                    'ordering': ['-started_at', '-id'],
                    'indexes': [models.Index(condition=models.Q(('completed_at__isnull', True)), fields=['company'], name='period_open_idx')],
                },
            ),
            migrations.AlterField(
                model_name='document',
                name='contingency_period',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='dte.offlinescope'),
            ),
        ]),
        migrations.RunPython(content_type_follows, content_type_back),
    ]
