from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalogs import loader, services
from catalogs.models import Edition
from catalogs.seed import seed_rows


class Command(BaseCommand):
    help = "Carga catálogos de MH desde su libro .xlsx, desde CSV por catálogo, o la semilla del proyecto."

    def add_arguments(self, parser):
        parser.add_argument("--edition", choices=Edition.values, required=True)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--workbook", type=Path, help="El libro de catálogos de MH (.xlsx)")
        source.add_argument("--csv", type=Path, nargs="+", help="Uno o más cat-NNN-….csv")
        source.add_argument("--dir", type=Path, help="Una carpeta de cat-NNN-….csv: toma el de la edición")
        source.add_argument("--seed", action="store_true", help="La semilla pequeña del proyecto")

    def handle(self, *args, edition, workbook=None, csv=None, dir=None, seed=False, **options):
        try:
            if seed:
                rows, source = seed_rows(edition), "semilla del proyecto"
            elif workbook:
                rows, source = loader.read_workbook(workbook.read_bytes(), workbook.name), workbook.name
            else:
                files = csv or loader.pick_csv_files(dir, edition)
                if not files:
                    raise CommandError(f"No hay archivos cat-NNN-….csv en {dir}")
                rows = [row for path in files for row in loader.read_csv(path.read_bytes(), path.name)]
                source = ", ".join(p.name for p in files)
        except (OSError, loader.CatalogFileError) as exc:
            raise CommandError(str(exc)) from exc
        stats = services.catalog_import(rows=rows, edition=edition, source=source[:200])
        for catalog, s in stats.items():
            self.stdout.write(f"{catalog}: {s['created']} nuevos, {s['updated']} modificados, {s['retired']} retirados")
        self.stdout.write(self.style.SUCCESS(f"{len(stats)} catálogos cargados (edición {edition})."))
