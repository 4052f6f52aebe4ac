"""``core.bulk`` on the model it was written for: rows and history as ``save()`` would write them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cartera.models import Debtor, DebtorPhone
from core.bulk import (
    SQLITE_BULK_CACHE_KIB,
    SQLITE_BULK_CHECKPOINT_PAGES,
    AnyOf,
    bulk_session,
    insert_history,
    insert_rows,
    model_row,
    update_rows,
)

pytestmark = pytest.mark.django_db
IGNORED = {"id", "created_at", "updated_at"}


def values(campaign, number):
    return {
        "campaign_id": campaign.pk,
        "document_type": "cedula",
        "document_number": f"1{number:08d}",
        "full_name": f"Cliente {number}",
        "city": "San José",
        "amount_due": Decimal("1250.50"),
        "original_amount": Decimal("2000"),
        "due_date": date(2026, 3, 1),
        "variables": {"producto": "Tarjeta", "tramo": number % 3},
    }


def test_inserted_rows_and_history_match_a_saved_debtor(campaign, supervisor):
    now = timezone.now()
    saved = Debtor(**values(campaign, 1), last_seen_at=now)
    saved._history_user = supervisor
    saved._change_reason = "Importación"
    saved.save()
    row = {**values(campaign, 1), "document_number": "222222222", "last_seen_at": now}
    insert_rows(Debtor, [row], now=now, returning=True)
    insert_history(Debtor, [row], history_type="+", when=now, user=supervisor, reason="Importación")

    inserted = Debtor.objects.get(pk=row["id"])
    expected = {k: v for k, v in model_row(saved).items() if k not in IGNORED | {"document_number"}}
    assert {k: v for k, v in model_row(inserted).items() if k in expected} == expected
    assert inserted.created_at == inserted.updated_at == now  # auto_now(_add) filled with the batch's time
    mine, theirs = inserted.history.get(), saved.history.get()
    for field in ("history_type", "history_change_reason", "history_user_id", "full_name", "variables", "amount_due"):
        assert getattr(mine, field) == getattr(theirs, field), field


def test_returned_keys_follow_the_rows_across_statements(campaign):
    rows = [values(campaign, n) for n in range(1, 1201)]  # several INSERT statements
    insert_rows(Debtor, rows, now=timezone.now(), returning=True)
    stored = dict(Debtor.objects.values_list("pk", "document_number"))
    assert len(stored) == 1200
    assert all(stored[row["id"]] == row["document_number"] for row in rows)


def test_update_rows_changes_only_the_named_fields_and_records_the_change(campaign, supervisor):
    rows = [values(campaign, n) for n in (1, 2)]
    insert_rows(Debtor, rows, now=timezone.now(), returning=True)
    later = timezone.now() + timedelta(hours=1)
    changed = [{**model_row(Debtor.objects.get(pk=row["id"])), "amount_due": Decimal("99.90")} for row in rows]
    changed[0]["full_name"] = "No se guarda"  # not among the fields given
    changed[0]["last_seen_at"] = changed[1]["last_seen_at"] = later
    update_rows(Debtor, changed, ["amount_due", "last_seen_at"])
    insert_history(Debtor, changed, history_type="~", when=later, user=supervisor, reason="Importación")

    first = Debtor.objects.get(pk=rows[0]["id"])
    assert first.amount_due == Decimal("99.90") and first.full_name == "Cliente 1" and first.last_seen_at == later
    record = first.history.get()
    assert record.history_type == "~" and record.amount_due == Decimal("99.90") and record.history_user == supervisor


def test_rows_without_returning_and_phone_defaults(campaign):
    debtor = Debtor.objects.create(**values(campaign, 7))
    insert_rows(DebtorPhone, [{"debtor_id": debtor.pk, "e164": "+50688881234", "raw": "8888-1234"}], now=timezone.now())
    phone = debtor.phones.get()
    assert (phone.phone_type, phone.is_primary, phone.invalid, phone.last_result) == ("other", False, False, "")
    insert_rows(DebtorPhone, [], now=timezone.now(), returning=True)  # nothing to write is not an error
    assert DebtorPhone.objects.count() == 1


def _settings() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        return cache, cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the page cache is SQLite's; elsewhere a no-op")
def test_bulk_session_widens_sqlite_page_cache_and_log_and_restores_them_even_after_an_error(campaign):
    before = _settings()
    with pytest.raises(RuntimeError), bulk_session():
        assert _settings() == (-SQLITE_BULK_CACHE_KIB, SQLITE_BULK_CHECKPOINT_PAGES)
        insert_rows(DebtorPhone, [], now=timezone.now())
        raise RuntimeError("a batch failed")
    assert _settings() == before


def test_rows_missing_fields_get_the_models_defaults(campaign):
    rows = [values(campaign, 7), values(campaign, 8)]
    rows[1].pop("city")
    insert_rows(Debtor, rows, now=timezone.now(), returning=True)
    assert rows[1]["city"] == ""  # the model's default was filled into the caller's dict
    assert Debtor.objects.get(pk=rows[1]["id"]).city == ""
    assert Debtor.objects.get(pk=rows[0]["id"]).city == "San José"


def test_any_of_matches_what_in_matches_with_one_parameter_on_postgresql(campaign):
    rows = [values(campaign, n) for n in range(1, 6)]
    insert_rows(Debtor, rows, now=timezone.now(), returning=True)
    wanted = [rows[0]["document_number"], rows[3]["document_number"], rows[3]["document_number"], "999"]
    debtors = Debtor.objects.filter(campaign=campaign)
    with CaptureQueriesContext(connection) as queries:
        found = set(debtors.filter(AnyOf(F("document_number"), wanted)).values_list("pk", flat=True))
    assert found == set(debtors.filter(document_number__in=wanted).values_list("pk", flat=True))
    assert found == {rows[0]["id"], rows[3]["id"]}
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"]
    assert set(debtors.filter(AnyOf(F("pk"), {rows[1]["id"]})).values_list("pk", flat=True)) == {rows[1]["id"]}
    assert not debtors.filter(AnyOf(F("document_number"), [])).exists()


def test_frozen_heap_hides_kept_objects_from_the_collector_until_the_end():
    import gc

    from core.bulk import frozen_heap

    assert gc.get_freeze_count() == 0
    with frozen_heap() as freeze:
        at_start = gc.get_freeze_count()
        kept = [[n] for n in range(1000)]  # lists are always tracked by the collector
        assert at_start > 0 and gc.get_freeze_count() == at_start
        freeze()
        assert gc.get_freeze_count() >= at_start + len(kept)
    assert gc.get_freeze_count() == 0  # given back


def test_frozen_heap_leaves_a_heap_frozen_before_it_frozen():
    import gc

    from core.bulk import frozen_heap

    gc.freeze()
    try:
        with frozen_heap():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
