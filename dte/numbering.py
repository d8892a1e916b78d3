"""numeroControl: DTE-{type}-{codEstableMH}{codPuntoVentaMH}-{15-digit correlative}, one counter
per type, establishment, point of sale and year, restarting each year (facts §2.1).

The counter row is incremented with one INSERT … ON CONFLICT DO UPDATE … RETURNING inside the
issuing transaction. The row stays locked until that transaction ends, so concurrent issuers of
the same series queue behind each other; if the issue fails, the increment rolls back with it:
no gap and no repeat."""

import uuid

from django.db import connection

from dte.models import NumberCounter


def allocate(*, tipo_dte, establishment, point_of_sale, year) -> int:
    table = connection.ops.quote_name(NumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tipo_dte, establishment_id, point_of_sale_id, year, last) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, 1) "
            "ON CONFLICT (tipo_dte, establishment_id, point_of_sale_id, year) "
            f"DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [tipo_dte, establishment.pk, point_of_sale.pk, year],
        )
        return cursor.fetchone()[0]


def numero_control(tipo_dte, establishment, point_of_sale, correlative) -> str:
    return f"DTE-{tipo_dte}-{establishment.cod_estable_mh}{point_of_sale.cod_punto_venta_mh}-{correlative:015d}"


def codigo_generacion() -> str:
    """An uppercase UUID4, as MH's pattern asks (facts §2.1)."""
    return str(uuid.uuid4()).upper()
