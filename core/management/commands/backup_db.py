"""``manage.py backup_db``: back up the database into BACKUP_DIR and prune old backups."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.backups import BackupError, backup_database, human_size


class Command(BaseCommand):
    help = (
        "Respalda la base de datos (SQLite: copia en línea; PostgreSQL: pg_dump --format=custom) en "
        "BACKUP_DIR como crm-AAAAmmdd-HHMMSS.sqlite3/.dump y borra los respaldos más antiguos que la retención."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", dest="directory", help="Directorio de destino (por omisión: BACKUP_DIR).")
        parser.add_argument(
            "--keep-days",
            type=int,
            help="Borra los respaldos de más de N días; 0 los conserva todos (por omisión: BACKUP_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Alias de la base de datos (por omisión: default)."
        )

    def handle(self, *args, directory=None, keep_days=None, database=DEFAULT_DB_ALIAS, **options):
        if keep_days is not None and keep_days < 0:
            raise CommandError("--keep-days debe ser 0 (conservar todo) o un número positivo de días.")
        try:
            result = backup_database(directory=directory, keep_days=keep_days, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        verbosity = options["verbosity"]
        if verbosity < 1:
            return
        self.stdout.write(self.style.SUCCESS(f"Respaldo escrito: {result.path} ({human_size(result.size)})"))
        if result.keep_days:
            self.stdout.write(f"Se borraron {len(result.removed)} respaldo(s) de más de {result.keep_days} día(s).")
        else:
            self.stdout.write("Retención desactivada (--keep-days 0): no se borró ningún respaldo.")
        if verbosity > 1:
            for path in result.removed:
                self.stdout.write(f"  borrado {path}")
