# Invalidations record each attempt to send them (the sweeper's backoff reads it) and a claimed
# state "sending"; rows written so far keep their state, with no attempt recorded (the sweeper
# counts from their creation).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dte', '0022_contingency_links_move'),
    ]

    operations = [
        migrations.AddField(
            model_name='invalidation',
            name='attempts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='invalidation',
            name='last_attempt_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='invalidation',
            name='state',
            field=models.CharField(choices=[('pending', 'Enviada, esperando a MH'), ('sending', 'Enviándose a MH'), ('accepted', 'Aceptada por MH'), ('rejected', 'Rechazada por MH'), ('failed', 'Fallida')], default='pending', max_length=12),
        ),
        migrations.AddIndex(
            model_name='invalidation',
            index=models.Index(condition=models.Q(('state__in', ['pending', 'sending'])), fields=['last_attempt_at'], name='invalidation_unsettled'),
        ),
    ]
