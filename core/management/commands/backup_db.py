"""``manage.py backup_db``: back up the database into BACKUP_DIR and prune old backups."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.backups import BackupError, backup_database, human_size


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: online copy; PostgreSQL: pg_dump --format=custom) into "
        "BACKUP_DIR as crm-YYYYmmdd-HHMMSS.sqlite3/.dump, then delete backups older than the retention."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", dest="directory", help="Directory to write to (default: settings.BACKUP_DIR).")
        parser.add_argument(
            "--keep-days",
            type=int,
            help="Delete backups older than this many days; 0 keeps all (default: BACKUP_RETENTION_DAYS).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, directory=None, keep_days=None, database=DEFAULT_DB_ALIAS, **options):
        if keep_days is not None and keep_days < 0:
            raise CommandError("--keep-days must be 0 (keep everything) or a positive number of days.")
        try:
            result = backup_database(directory=directory, keep_days=keep_days, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        verbosity = options["verbosity"]
        if verbosity < 1:
            return
        self.stdout.write(self.style.SUCCESS(f"Backup written: {result.path} ({human_size(result.size)})"))
        if result.keep_days:
            self.stdout.write(f"Removed {len(result.removed)} backup(s) older than {result.keep_days} day(s).")
        else:
            self.stdout.write("Retention disabled (--keep-days 0): no backups removed.")
        if verbosity > 1:
            for path in result.removed:
                self.stdout.write(f"  removed {path}")
