"""``manage.py restore_db FILE``: replace the database's content with a backup."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core.backups import BackupError, backup_database, check_backup_file, human_size, restore_database


class Command(BaseCommand):
    help = (
        "Restore the database from a backup written by backup_db (SQLite: .sqlite3 file; "
        "PostgreSQL: .dump file, via pg_restore --clean --if-exists --no-owner). "
        "Everything written since that backup is lost. Stop the web and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file to restore.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--no-backup-first",
            action="store_false",
            dest="backup_first",
            help="Skip the safety backup of the current database taken before restoring.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, path, interactive=True, backup_first=True, database=DEFAULT_DB_ALIAS, **options):
        try:
            backup = check_backup_file(path, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        name = connections[database].settings_dict["NAME"]
        if interactive:
            self.stdout.write(
                self.style.WARNING(f"This replaces ALL data in database {name} with the backup {backup}.")
            )
            try:
                answer = input("Type 'yes' to continue: ")
            except EOFError:
                answer = ""
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled (pass --yes to skip the confirmation).")
        try:
            if backup_first:
                safety = backup_database(keep_days=0, using=database)
                self.stdout.write(f"Safety backup of the current data: {safety.path} ({human_size(safety.size)})")
            restore_database(path=backup, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Database {name} restored from {backup}."))
