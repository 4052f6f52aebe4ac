"""Backups and restores on the test database itself: SQLite (in memory) and PostgreSQL alike."""

import os
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core.backups import (
    BackupError,
    backup_database,
    backup_kind,
    check_backup_file,
    prune_backups,
    restore_database,
)
from core.models import Campaign, CampaignMembership, FollowUp, User
from core.testing.factories import CampaignFactory, FollowUpFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

MODELS = [User, Campaign, CampaignMembership, FollowUp, User.history.model, Campaign.history.model]
DAY = 86400


def counts():
    return {model._meta.db_table: model.objects.count() for model in MODELS}


def engine_suffix():
    return ".sqlite3" if connection.vendor == "sqlite" else ".dump"


def make_data():
    campaigns = [CampaignFactory(name=f"Campaña respaldo {n}") for n in range(3)]
    for n in range(4):
        MembershipFactory(user=UserFactory(username=f"respaldo{n}"), campaign=campaigns[n % 3])
    FollowUpFactory.create_batch(2)
    return campaigns


def touch(path, age_days):
    path.write_bytes(b"old backup")
    when = time.time() - age_days * DAY
    os.utime(path, (when, when))
    return path


def test_backup_then_restore_brings_back_the_same_rows(tmp_path):
    campaigns = make_data()
    before = counts()
    assert before["core_user"] >= 4 and before["core_campaign"] == 3

    result = backup_database(directory=tmp_path, keep_days=7)
    assert result.path.parent == tmp_path
    assert result.path.name.startswith("crm-") and result.path.suffix == engine_suffix()
    assert result.size == result.path.stat().st_size > 0
    assert backup_kind(result.path) == connection.vendor
    assert [p.name for p in tmp_path.iterdir()] == [result.path.name]  # no probe or partial files left

    # Change the data every way: add, edit, delete.
    make_more = CampaignFactory(name="Creada después")
    MembershipFactory(user=UserFactory(username="despues"), campaign=make_more)
    Campaign.objects.filter(pk=campaigns[0].pk).update(name="Renombrada")
    CampaignMembership.objects.filter(campaign=campaigns[1]).delete()
    FollowUp.objects.all().delete()
    assert counts() != before

    restore_database(path=result.path)
    assert counts() == before
    assert Campaign.objects.get(pk=campaigns[0].pk).name == "Campaña respaldo 0"
    assert not User.objects.filter(username="despues").exists()
    # The application keeps working on the restored database.
    CampaignFactory(name="Después de restaurar")
    assert Campaign.objects.count() == before["core_campaign"] + 1


def test_backup_names_do_not_collide(tmp_path):
    first = backup_database(directory=tmp_path, keep_days=0)
    second = backup_database(directory=tmp_path, keep_days=0)
    assert first.path != second.path
    assert first.path.exists() and second.path.exists()


def test_prune_removes_only_old_backups(tmp_path):
    old = touch(tmp_path / "crm-20200101-000000.sqlite3", age_days=10)
    old_dump = touch(tmp_path / "crm-20200101-003000.dump", age_days=8)
    recent = touch(tmp_path / "crm-20200105-000000.sqlite3", age_days=2)
    foreign = touch(tmp_path / "notas.sqlite3", age_days=30)

    removed = prune_backups(directory=tmp_path, keep_days=7)
    assert removed == [old, old_dump]
    assert not old.exists() and not old_dump.exists()
    assert recent.exists() and foreign.exists()
    assert prune_backups(directory=tmp_path, keep_days=0) == []
    assert recent.exists()
    with pytest.raises(BackupError):
        prune_backups(directory=tmp_path, keep_days=-1)


def test_backup_applies_retention(tmp_path, settings):
    settings.BACKUP_RETENTION_DAYS = 3
    old = touch(tmp_path / "crm-20200101-000000.sqlite3", age_days=4)
    recent = touch(tmp_path / "crm-20200102-000000.dump", age_days=1)
    result = backup_database(directory=tmp_path)
    assert result.removed == [old] and result.keep_days == 3
    assert recent.exists() and result.path.exists()


def test_backup_command(tmp_path):
    old = touch(tmp_path / "crm-20200101-000000.sqlite3", age_days=30)
    out = StringIO()
    call_command("backup_db", directory=str(tmp_path), keep_days=7, stdout=out)
    written = [p for p in tmp_path.iterdir() if p.suffix == engine_suffix() and p != old]
    assert len(written) == 1
    assert f"Respaldo escrito: {written[0]}" in out.getvalue()
    assert "Se borraron 1 respaldo(s) de más de 7 día(s)." in out.getvalue()
    assert not old.exists()


def test_backup_to_unwritable_directory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(BackupError, match="No se puede escribir"):
        backup_database(directory=blocker / "backups")
    with pytest.raises(CommandError, match="No se puede escribir"):
        call_command("backup_db", directory=str(blocker / "backups"))


def test_restore_command(tmp_path, settings, monkeypatch):
    settings.BACKUP_DIR = tmp_path / "safety"
    make_data()
    before = counts()
    backup = backup_database(directory=tmp_path, keep_days=0).path
    CampaignFactory(name="Se perderá")

    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelada"):
        call_command("restore_db", str(backup))
    assert Campaign.objects.filter(name="Se perderá").exists()

    out = StringIO()
    monkeypatch.setattr("builtins.input", lambda prompt: "sí")
    call_command("restore_db", str(backup), stdout=out)
    assert counts() == before
    assert "restaurada desde" in out.getvalue()
    # The data as it was before the restore was saved first.
    assert len(list((tmp_path / "safety").glob(f"crm-*{engine_suffix()}"))) == 1

    CampaignFactory(name="Otra vez")
    call_command("restore_db", str(backup), interactive=False, backup_first=False, stdout=StringIO())
    assert counts() == before


def test_restore_refuses_missing_file(tmp_path):
    with pytest.raises(BackupError, match="No existe el archivo"):
        restore_database(path=tmp_path / "crm-20200101-000000.sqlite3")
    with pytest.raises(CommandError, match="No existe el archivo"):
        call_command("restore_db", str(tmp_path / "nada.dump"), interactive=False)


def test_restore_refuses_wrong_kind(tmp_path):
    CampaignFactory(name="Intacta")
    other = b"PGDMP\x01\x0e\x00" if connection.vendor == "sqlite" else b"SQLite format 3\x00" + b"\x00" * 84
    wrong = tmp_path / "crm-20200101-000000.other"
    wrong.write_bytes(other + b"\x00" * 100)
    with pytest.raises(BackupError, match=f"pero la base de datos es {connection.vendor}"):
        restore_database(path=wrong)
    with pytest.raises(CommandError, match="pero la base de datos es"):
        call_command("restore_db", str(wrong), interactive=False)

    garbage = tmp_path / "crm-20200101-000000.sqlite3"
    garbage.write_text("esto no es un respaldo")
    with pytest.raises(BackupError, match="no es un respaldo del CRM"):
        check_backup_file(garbage)
    assert Campaign.objects.filter(name="Intacta").exists()


def test_pg_dump_missing_is_reported(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump is only used with PostgreSQL")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="No se encontró pg_dump"):
        backup_database(directory=tmp_path)
