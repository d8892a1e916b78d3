"""Write the issued documents of a date range as their signed JSON, as delivered to the client
(the JSON plus firmaElectronica and, once sealed, selloRecibido), one file per document."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dte import jsonio
from dte.models import Document, GovStatus
from dte.services.issuing import signed_document


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Fecha no válida: {value} (use AAAA-MM-DD)") from exc


class Command(BaseCommand):
    help = "Exporta los DTE emitidos de un rango de fechas como JSON firmado, un archivo por documento."

    def add_arguments(self, parser):
        parser.add_argument("--desde", required=True, help="fecha inicial (AAAA-MM-DD)")
        parser.add_argument("--hasta", required=True, help="fecha final, incluida (AAAA-MM-DD)")
        parser.add_argument("--carpeta", required=True, help="carpeta de destino (se crea si no existe)")
        parser.add_argument("--tipo", action="append", help="solo estos tipos (01, 03…); repetible")

    def handle(self, *args, **options):
        start, end = _date(options["desde"]), _date(options["hasta"])
        if end < start:
            raise CommandError("La fecha final es anterior a la inicial.")
        folder = Path(options["carpeta"])
        folder.mkdir(parents=True, exist_ok=True)
        qs = (Document.objects.exclude(status=GovStatus.DRAFT).filter(issue_date__range=(start, end))
              .only("tipo_dte", "issue_date", "codigo_generacion", "payload", "jws", "sello_recibido")
              .order_by("issue_date", "id"))
        if options["tipo"]:
            qs = qs.filter(tipo_dte__in=options["tipo"])
        count = 0
        for doc in qs.iterator(chunk_size=500):
            name = f"{doc.issue_date.isoformat()}_{doc.tipo_dte}_{doc.codigo_generacion}.json"
            target = folder / name
            tmp = target.with_suffix(".json.part")
            tmp.write_text(jsonio.dumps(signed_document(doc), indent=2), encoding="utf-8")
            tmp.replace(target)  # a crash never leaves a half-written file under the final name
            count += 1
        self.stdout.write(self.style.SUCCESS(f"{count} documento(s) escritos en {folder}"))
