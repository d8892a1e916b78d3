"""search_text kept only ASCII: a product or provider named in Arabic script or with an emoji was
stored without it and could not be found. Recompute it for the rows with any character outside
ASCII, with the rule as it is now (frozen here: a migration must not change with later code)."""

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


def _recompute(model, fields, parts):
    changed = []
    for obj in model.objects.only(*fields, "search_text").order_by("pk").iterator(chunk_size=2000):
        if "".join(getattr(obj, f) for f in fields).isascii():
            continue
        text = search_text(*parts(obj))
        if text != obj.search_text:
            obj.search_text = text
            changed.append(obj)
    model.objects.bulk_update(changed, ["search_text"], batch_size=1000)


def forward(apps, schema_editor):
    _recompute(apps.get_model("inventory", "Product"), ("code", "description", "category"),
               lambda p: (p.code, p.description, p.category))
    _recompute(apps.get_model("inventory", "Provider"), ("name", "id_number", "nrc", "contact_name"),
               lambda p: (p.name, p.id_number, p.id_number.replace("-", ""), p.nrc, p.contact_name))


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_provider_address")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
