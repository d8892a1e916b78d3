from django.core.management.base import BaseCommand, CommandError

from billing.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Copia de seguridad: la base de datos (pg_dump, formato custom), los archivos (media) y la "
            "comprobación de que FIELD_ENCRYPTION_KEY descifra cada secreto guardado.")

    def add_arguments(self, parser):
        parser.add_argument("carpeta", help="carpeta nueva o vacía donde dejar la copia")

    def handle(self, *args, **options):
        try:
            manifest = backup(options["carpeta"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        secrets = sum(manifest["secrets"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Copia en {options['carpeta']}: {manifest['documents']} documentos, {secrets} secretos comprobados, "
            f"{manifest['media_files'] if manifest['media_files'] is not None else 'sin'} archivos de media."))
