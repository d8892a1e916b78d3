from collections import defaultdict

from django.db import transaction

from catalogs.models import CatalogEntry, Edition
from core.audit import audit_record
from core.models import AuditAction


def catalog_import(*, rows, edition, source, acting_user=None):
    """Load catalog rows for one edition, in one transaction.

    Each catalog present in ``rows`` is brought to exactly those rows: new codes are added,
    changed names updated, codes no longer listed marked not current (never deleted: documents
    issued earlier still name them). Catalogs absent from ``rows`` are left alone.
    Returns {catalog: {"created": n, "updated": n, "retired": n}}.
    """
    if edition not in Edition.values:
        raise ValueError(f"edición desconocida: {edition}")
    by_catalog = defaultdict(dict)
    for row in rows:
        by_catalog[row.catalog][(row.parent, row.code)] = row
    stats = {}
    with transaction.atomic():
        for catalog, wanted in sorted(by_catalog.items()):
            existing = {
                (e.parent, e.code): e
                for e in CatalogEntry.objects.select_for_update().filter(catalog=catalog, edition=edition)
            }
            to_create, to_update = [], []
            for key, row in wanted.items():
                entry = existing.get(key)
                if entry is None:
                    to_create.append(
                        CatalogEntry(catalog=catalog, edition=edition, code=row.code, parent=row.parent,
                                     name=row.name, extra=row.extra)
                    )
                elif entry.name != row.name or entry.extra != row.extra or not entry.is_active:
                    entry.name, entry.extra, entry.is_active = row.name, row.extra, True
                    to_update.append(entry)
            retired = [e for key, e in existing.items() if key not in wanted and e.is_active]
            for e in retired:
                e.is_active = False
            CatalogEntry.objects.bulk_create(to_create, batch_size=1000)
            CatalogEntry.objects.bulk_update(to_update + retired, ["name", "extra", "is_active"], batch_size=1000)
            stats[catalog] = {"created": len(to_create), "updated": len(to_update), "retired": len(retired)}
        audit_record(
            actor=acting_user,
            action=AuditAction.IMPORT,
            obj=None,
            object_repr=f"Catálogos MH {edition}",
            summary=f"{source}: {len(stats)} catálogos, "
            f"{sum(s['created'] for s in stats.values())} nuevos, "
            f"{sum(s['updated'] for s in stats.values())} modificados, "
            f"{sum(s['retired'] for s in stats.values())} retirados",
            after={"edition": edition, "source": source, "catalogs": stats},
        )
    return stats
