# Invalidation.state was free text; it gets choices. The column is unchanged (same length, no
# constraint): every value written so far (pending, accepted, rejected, failed) is one of them.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dte', '0019_returned_goods'),
    ]

    operations = [
        migrations.AlterField(
            model_name='invalidation',
            name='state',
            field=models.CharField(choices=[('pending', 'Enviada, esperando a MH'), ('accepted', 'Aceptada por MH'), ('rejected', 'Rechazada por MH'), ('failed', 'Fallida')], default='pending', max_length=12),
        ),
    ]
