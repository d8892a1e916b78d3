"""search_text kept only ASCII: a name in Arabic script or with an emoji was stored without it and
could not be found. Recompute it for the rows with any character outside ASCII, with the rule
as it is now (frozen here: a migration must not change with later code)."""

import unicodedata

from django.db import migrations

DROPPED = frozenset(("Mn", "Me", "Cc", "Cf"))


def search_text(*parts):
    text = ""
    for part in parts:
        if not part:
            continue
        if not part.isascii():
            part = "".join(ch for ch in unicodedata.normalize("NFKD", part) if unicodedata.category(ch) not in DROPPED)
        part = " ".join(part.lower().split())
        if part and part not in text:
            text = f"{text} {part}" if text else part
    return text


def forward(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    changed = []
    rows = Client.objects.only("name", "trade_name", "id_number", "nrc", "search_text").order_by("pk")
    for c in rows.iterator(chunk_size=2000):
        if (c.name + c.trade_name).isascii():
            continue
        text = search_text(c.name, c.trade_name, c.id_number, c.id_number.replace("-", ""), c.nrc)
        if text != c.search_text:
            c.search_text = text
            changed.append(c)
    Client.objects.bulk_update(changed, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_client_other_emails")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
