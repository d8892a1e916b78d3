# The document's event and lot links now live in contingency.Listing (contingency 0003 carried
# them over).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contingency', '0003_listing'),
        ('dte', '0021_offline_scope'),
    ]

    operations = [
        migrations.RemoveField(model_name='document', name='contingency_event'),
        migrations.RemoveField(model_name='document', name='contingency_lot'),
    ]
