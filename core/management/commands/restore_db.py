"""``manage.py restore_db FILE``: replace the database's content with a backup."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core.backups import BackupError, backup_database, check_backup_file, human_size, restore_database


class Command(BaseCommand):
    help = (
        "Restaura la base de datos desde un respaldo de backup_db (SQLite: archivo .sqlite3; "
        "PostgreSQL: archivo .dump, con pg_restore --clean --if-exists --no-owner). "
        "Se pierde todo lo escrito después del respaldo. Detenga antes el servidor web y el worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Archivo de respaldo a restaurar.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="No pedir confirmación.",
        )
        parser.add_argument(
            "--no-backup-first",
            action="store_false",
            dest="backup_first",
            help="No tomar el respaldo de seguridad de los datos actuales antes de restaurar.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Alias de la base de datos (por omisión: default)."
        )

    def handle(self, *args, path, interactive=True, backup_first=True, database=DEFAULT_DB_ALIAS, **options):
        try:
            backup = check_backup_file(path, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        name = connections[database].settings_dict["NAME"]
        if interactive:
            self.stdout.write(
                self.style.WARNING(f"Esto reemplaza todos los datos de la base {name} por el respaldo {backup}.")
            )
            try:
                answer = input("Escriba «si» para continuar: ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in {"si", "sí", "yes"}:
                raise CommandError("Restauración cancelada (use --yes para no pedir confirmación).")
        try:
            if backup_first:
                safety = backup_database(keep_days=0, using=database)
                size = human_size(safety.size)
                self.stdout.write(f"Respaldo de seguridad de los datos actuales: {safety.path} ({size})")
            restore_database(path=backup, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Base de datos {name} restaurada desde {backup}."))
