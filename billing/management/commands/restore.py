from django.core.management.base import BaseCommand, CommandError

from billing.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restaura una copia de `manage.py backup` en la base de datos configurada (DATABASE_URL), que debe "
            "estar vacía, con sus archivos, y comprueba que la clave descifra los secretos restaurados.")

    def add_arguments(self, parser):
        parser.add_argument("carpeta", help="la carpeta que escribió `manage.py backup`")

    def handle(self, *args, **options):
        try:
            result = restore(options["carpeta"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restaurada la copia del {result['taken_at']}: {result['documents']} documentos, "
            f"{sum(result['restored_secrets'].values())} secretos descifrados."))
