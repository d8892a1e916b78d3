
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0012_default_roles_fit_their_jobs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The audit trail moves from accounts without touching its table (or its triggers).
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='fecha y hora')),
                        ('actor_name', models.CharField(blank=True, max_length=150, verbose_name='usuario (nombre)')),
                        ('action', models.CharField(choices=[('create', 'Creación'), ('update', 'Modificación'), ('delete', 'Eliminación'), ('import', 'Importación'), ('login', 'Inicio de sesión'), ('login_fail', 'Inicio de sesión fallido'), ('logout', 'Cierre de sesión'), ('issue', 'Emisión'), ('confirm', 'Confirmación de caso especial'), ('request', 'Solicitud de aprobación'), ('approve', 'Aprobación'), ('refuse', 'Aprobación denegada'), ('correct', 'Corrección'), ('retransmit', 'Retransmisión'), ('invalidate', 'Invalidación'), ('status', 'Cambio de estado interno'), ('send', 'Envío'), ('return', 'Devolución de mercadería'), ('other', 'Otra')], max_length=10, verbose_name='acción')),
                        ('object_id', models.CharField(blank=True, max_length=64, verbose_name='id del objeto')),
                        ('object_repr', models.CharField(blank=True, max_length=255, verbose_name='objeto')),
                        ('summary', models.CharField(blank=True, max_length=255, verbose_name='resumen')),
                        ('before', models.JSONField(blank=True, null=True, verbose_name='antes')),
                        ('after', models.JSONField(blank=True, null=True, verbose_name='después')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='usuario')),
                        ('content_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='contenttypes.contenttype', verbose_name='tipo de objeto')),
                    ],
                    options={
                        'verbose_name': 'registro de bitácora',
                        'verbose_name_plural': 'bitácora',
                        'db_table': 'accounts_auditentry',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['content_type', 'object_id'], name='accounts_au_content_3ef208_idx')],
                    },
                ),
        ]),
        migrations.CreateModel(
            name='StateChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model', models.CharField(max_length=100)),
                ('object_id', models.CharField(max_length=64)),
                ('field', models.CharField(default='state', max_length=32)),
                ('from_state', models.CharField(max_length=24)),
                ('to_state', models.CharField(max_length=24)),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('reason', models.CharField(blank=True, max_length=500)),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'cambio de estado',
                'verbose_name_plural': 'cambios de estado',
                'ordering': ['at', 'id'],
                'indexes': [models.Index(fields=['model', 'object_id'], name='core_statec_model_64b186_idx')],
            },
        ),
    ]
