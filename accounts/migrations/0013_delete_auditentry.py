"""The audit trail now belongs to core (same table, same triggers): only the state moves."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0012_default_roles_fit_their_jobs'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='AuditEntry'),
        ]),
    ]
