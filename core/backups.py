"""Database backups: online copies of SQLite, ``pg_dump``/``pg_restore`` for PostgreSQL.

The management commands ``backup_db`` and ``restore_db`` are thin wrappers around
:func:`backup_database`, :func:`restore_database` and :func:`prune_backups` (see docs/operations.md).
SQLite is copied with ``sqlite3.Connection.backup()`` from/into Django's own raw connection, which is
safe while the application runs (WAL) and works the same for a file and an in-memory test database.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

BACKUP_PREFIX = "crm-"
SQLITE_SUFFIX = ".sqlite3"
POSTGRES_SUFFIX = ".dump"
# Only files named like this are ever pruned: crm-YYYYmmdd-HHMMSS[-N].sqlite3 / .dump
BACKUP_NAME_RE = re.compile(r"^crm-\d{8}-\d{6}(?:-\d+)?\.(?:sqlite3|dump)$")
_MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
_KIND_LABEL = {"sqlite": "una base de datos SQLite", "postgresql": "un volcado de PostgreSQL (pg_dump --format=custom)"}
_SUFFIX = {"sqlite": SQLITE_SUFFIX, "postgresql": POSTGRES_SUFFIX}


class BackupError(Exception):
    """A backup or restore could not be done; the message (Spanish, for the operator) says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    removed: list[Path] = field(default_factory=list)
    keep_days: int = 0


def _vendor(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in _MAGIC:
        raise BackupError(f"Los respaldos funcionan con SQLite y PostgreSQL, no con {vendor!r}.")
    return vendor


def backup_directory(directory=None) -> Path:
    return Path(directory or settings.BACKUP_DIR)


def _writable_directory(directory) -> Path:
    path = backup_directory(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".crm-probe-"):
            pass
    except OSError as exc:
        raise BackupError(f"No se puede escribir en el directorio de respaldos {path}: {exc}") from exc
    return path


def _target_path(directory: Path, suffix: str) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = directory / f"{BACKUP_PREFIX}{stamp}{suffix}"
    counter = 1
    while target.exists():
        counter += 1
        target = directory / f"{BACKUP_PREFIX}{stamp}-{counter}{suffix}"
    return target


def _find_tool(name: str) -> str:
    tool = shutil.which(name)
    if not tool:
        raise BackupError(
            f"No se encontró {name} en el PATH. Instale las herramientas cliente de PostgreSQL (Debian: "
            f"`apt-get install postgresql-client`), de la misma versión mayor que el servidor o posterior."
        )
    return tool


def _pg_args(using: str) -> tuple[list[str], dict]:
    """Connection arguments and environment (password in PGPASSWORD) for pg_dump/pg_restore."""
    conf = connections[using].settings_dict
    args, env = ["--no-password"], os.environ.copy()
    if conf.get("HOST"):
        args.append(f"--host={conf['HOST']}")
    if conf.get("PORT"):
        args.append(f"--port={conf['PORT']}")
    if conf.get("USER"):
        args.append(f"--username={conf['USER']}")
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    options = conf.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("service", "PGSERVICE")):
        if options.get(option):
            env[variable] = str(options[option])
    if conf.get("NAME"):
        args.append(f"--dbname={conf['NAME']}")
    return args, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip() or f"código de salida {result.returncode}"
        raise BackupError(f"{Path(command[0]).name} falló: {detail}")


def _backup_sqlite(using: str, destination: Path) -> None:
    connection = connections[using]
    connection.ensure_connection()
    target = sqlite3.connect(destination)
    try:
        # One step (pages=-1) copies a consistent snapshot while other connections keep working.
        connection.connection.backup(target)
        # The copy is a single self-contained file, not a WAL database with -wal/-shm companions.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()


def _backup_postgresql(using: str, destination: Path) -> None:
    args, env = _pg_args(using)
    _run([_find_tool("pg_dump"), "--format=custom", f"--file={destination}", *args], env)


def backup_database(*, directory=None, keep_days=None, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write a backup of the database into ``directory`` (settings.BACKUP_DIR), then prune old ones.

    ``keep_days`` (settings.BACKUP_RETENTION_DAYS) – backups older than this are deleted; 0 keeps all.
    """
    vendor = _vendor(using)
    folder = _writable_directory(directory)
    target = _target_path(folder, _SUFFIX[vendor])
    partial = target.with_name(f".{target.name}.partial")
    try:
        if vendor == "sqlite":
            _backup_sqlite(using, partial)
        else:
            _backup_postgresql(using, partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"Falló el respaldo de SQLite: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    keep = settings.BACKUP_RETENTION_DAYS if keep_days is None else keep_days
    removed = prune_backups(directory=folder, keep_days=keep, exclude=[target])
    return BackupResult(path=target, size=target.stat().st_size, removed=removed, keep_days=keep)


def prune_backups(*, directory=None, keep_days=None, now: datetime | None = None, exclude=()) -> list[Path]:
    """Delete backups (``crm-*.sqlite3`` / ``crm-*.dump``) last modified more than ``keep_days`` ago.

    Other files in the directory are never touched. ``keep_days=0`` disables pruning.
    Returns the deleted paths, oldest first.
    """
    keep = settings.BACKUP_RETENTION_DAYS if keep_days is None else int(keep_days)
    if keep < 0:
        raise BackupError(f"keep_days debe ser 0 (conservar todo) o un número positivo de días, no {keep}.")
    folder = backup_directory(directory)
    if keep == 0 or not folder.is_dir():
        return []
    cutoff = (now or timezone.now()) - timedelta(days=keep)
    cutoff_ts = cutoff.timestamp()
    excluded = {Path(p).resolve() for p in exclude}
    old = []
    for path in folder.iterdir():
        if not BACKUP_NAME_RE.match(path.name) or not path.is_file() or path.resolve() in excluded:
            continue
        mtime = path.stat().st_mtime
        if mtime < cutoff_ts:
            old.append((mtime, path))
    removed = []
    for _mtime, path in sorted(old):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def backup_kind(path) -> str | None:
    """``"sqlite"`` or ``"postgresql"`` from the file's first bytes; None when it is neither."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    for kind, magic in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def check_backup_file(path, *, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Raise BackupError unless ``path`` is a backup this database's engine can restore."""
    vendor = _vendor(using)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No existe el archivo de respaldo: {path}")
    kind = backup_kind(path)
    if kind is None:
        raise BackupError(f"{path} no es un respaldo del CRM: se esperaba {_KIND_LABEL[vendor]}.")
    if kind != vendor:
        raise BackupError(
            f"{path} es {_KIND_LABEL[kind]}, pero la base de datos es {vendor}: se necesita {_KIND_LABEL[vendor]}."
        )
    return path


def _restore_sqlite(using: str, path: Path) -> None:
    connection = connections[using]
    # Drop Django's connection (no open transaction, no cached state); an in-memory test
    # database is kept alive by Django and its content is replaced in place below.
    connection.close()
    connection.ensure_connection()
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(f"Falló la restauración de SQLite: {exc}") from exc
    finally:
        source.close()
    # Reconnect so the connection's init_command (WAL, synchronous) applies to the restored file.
    connection.close()


def _restore_postgresql(using: str, path: Path) -> None:
    args, env = _pg_args(using)
    connections[using].close()
    command = [_find_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([*command, *args, str(path)], env)


def restore_database(*, path, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Replace the database's content with the backup at ``path``; returns the checked path."""
    path = check_backup_file(path, using=using)
    if _vendor(using) == "sqlite":
        _restore_sqlite(using, path)
    else:
        _restore_postgresql(using, path)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return path


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
