# The period is now dte.OfflineScope (dte 0021), same table: contingency's state lets go of it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contingency', '0001_initial'),
        ('dte', '0021_offline_scope'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='event',
                name='period',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='dte.offlinescope'),
            ),
            migrations.DeleteModel(name='Period'),
        ]),
    ]
