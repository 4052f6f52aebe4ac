"""Bulk writes for imports: plain rows (dicts of column attnames) straight to multi-row SQL.

``QuerySet.bulk_create`` and simple-history's ``bulk_create_with_history`` build a model
instance per row and send every value through the ORM's compiler: at 100,000 debtors that is
most of an import's time. These helpers take the values as the caller already has them, adapt
only the types the database needs adapted (dates, datetimes, decimals, JSON), and write one
statement per few hundred rows. Historical rows (django-simple-history) are built from the same
values, so the change history stays exactly what a ``save()`` would have written.

Only for trusted, already validated values: nothing here calls ``full_clean`` or signals.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from operator import itemgetter

from django.db import DatabaseError, connections, models
from django.db.models import Lookup
from django.db.models.functions import Cast

logger = logging.getLogger(__name__)
HISTORY_FIELDS = frozenset({"history_id", "history_date", "history_change_reason", "history_type", "history_user"})
# Types a DB driver takes as they are (FKs are written through their attname, an int).
_PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


# SQLite keeps 2 MB of pages per connection by default. An import inserts into a dozen indexes
# keyed in random order (document, name, phone), so with 2 MB most index pages are evicted and
# read back for every batch: 64 MB halved SQLite's own time in a 100,000-row import.
SQLITE_BULK_CACHE_KIB = 65536
# In WAL mode SQLite copies the log back into the database at a commit once the log passes 1,000
# pages. An import's batches touch the same index pages again and again, so with 1,000 pages each
# page was copied back many times; 20,000 pages (80 MB) and one copy at the end write it once:
# the writes of a 100,000-row import went from 10.5–12.7 s to 7.7–9.6 s.
SQLITE_BULK_CHECKPOINT_PAGES = 20000


@contextlib.contextmanager
def bulk_session(using: str = "default") -> Iterator[None]:
    """Around many bulk writes on one connection: on SQLite a larger page cache and a longer log
    between checkpoints for the duration, restored after (web requests on a reused connection keep
    the defaults), then the log copied back. A no-op elsewhere."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        checkpoint = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_BULK_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache)}")
                cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")
                if connection.get_autocommit():
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")  # readers in the way: done later
        except DatabaseError:  # the connection broke mid-import: keep the import's own error
            logger.warning("bulk session: could not restore SQLite's settings", exc_info=True)


@contextlib.contextmanager
def frozen_heap() -> Iterator[Callable[[], None]]:
    """For a long run that builds objects it keeps to its end (an import's parsed debtors). Python's
    cycle collector re-examines every live object at each full collection, so as they pile up by
    the hundred thousand each collection costs more: 4.9–5.3 s of a 100,000-row import went to
    collections, 1.3–2.7 s with this. The yielded function moves everything alive so far out of
    the collector's sight (``gc.freeze``); call it after each big step. Leaving the block gives the
    objects back to the collector, unless the process had frozen its heap before (a server
    preloading its code): then it stays frozen. Reference counting frees objects as usual; only
    garbage cycles frozen meanwhile wait for the end of the block."""
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        if not frozen_before:
            gc.unfreeze()


class AnyOf(Lookup):
    """``field IN (values)`` for the long lists an import matches by, as a filter expression:
    ``Debtor.objects.filter(AnyOf(F("document_number"), documents))``. On PostgreSQL the list
    travels as one array parameter, ``= ANY(%s)``: a 2,000-value ``IN`` costs psycopg more to
    split into placeholders, and Django more to compile, than the server to answer."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in dict.fromkeys(self.rhs)]
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def _adapter(field: models.Field, connection) -> Callable | None:
    kind = field.get_internal_type()
    if kind in _PLAIN:
        return None
    ops = connection.ops
    if kind == "DateTimeField":
        return partial(_datetime_or_stored_text, ops.adapt_datetimefield_value)
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DecimalField":
        return partial(ops.adapt_decimalfield_value, max_digits=field.max_digits, decimal_places=field.decimal_places)
    return partial(field.get_db_prep_save, connection=connection)  # JSON and anything else: Django's own path


def _datetime_or_stored_text(adapt: Callable, value):
    """A datetime for the database; a string is one read back as the database's own text (see
    ``stored_text``) and goes back as it came."""
    return value if type(value) is str else adapt(value)


def stored_text(model: type[models.Model], names: Iterable[str]) -> list:
    """``values_list`` arguments for ``names`` reading date-times as the database's own text: for
    rows read only to be written again (a history row copies every column), decoding each
    timestamp into an aware datetime and encoding it back cost more than the rest of the read."""
    meta = model._meta
    return [
        Cast(name, models.TextField()) if meta.get_field(name).get_internal_type() == "DateTimeField" else name
        for name in names
    ]


def _parameter_limit(connection) -> int:
    """How many parameters one statement may carry. Django says 999 for SQLite, the limit of
    SQLite before 3.32; the library in use reports its own (250,000 here), and at 999 a debtor
    INSERT carried 45 rows: 2,100 statements for 94,500 debtors instead of 95."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 30000


class _Table:
    def __init__(self, model: type[models.Model], using: str):
        self.connection = connections[using]
        meta = model._meta
        self.pk = meta.pk
        self.fields = [f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]
        self.adapters = [_adapter(f, self.connection) for f in self.fields]
        quote = self.connection.ops.quote_name
        self.head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in self.fields)}) VALUES "  # noqa: S608 - names from the model
        self.returning = f" RETURNING {quote(self.pk.column)}"
        self.row_sql = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self.batch = max(1, min(1000, _parameter_limit(self.connection) // len(self.fields)))

    def defaults(self, now) -> dict:
        """The model's defaults, computed once per call (``auto_now``/``auto_now_add`` get ``now``)."""
        values = {}
        for field in self.fields:
            auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            values[field.attname] = now if auto else field.get_default()
        return values

    def params(self, rows: list[dict]) -> list:
        return self.params_of(self.fields, self.adapters, rows)

    @staticmethod
    def params_of(fields: list, adapters: list, rows: list[dict]) -> list:
        """The flat parameter list of ``rows``. Each row's values are read in one C-level call and
        only the columns whose type needs adapting are touched again; adapting is memoised per
        column on the value's identity: the batch's shared timestamp is converted once."""
        read = itemgetter(*(field.attname for field in fields))
        adapted = [(index, adapt) for index, adapt in enumerate(adapters) if adapt is not None]
        memo: dict[int, tuple] = {index: (object(), None) for index, _ in adapted}
        values: list = []
        for row in rows:
            row_values = read(row)
            if not adapted:
                values.extend(row_values if len(fields) > 1 else (row_values,))
                continue
            row_values = list(row_values) if len(fields) > 1 else [row_values]
            for index, adapt in adapted:
                value = row_values[index]
                if value is None:
                    continue
                seen, result = memo[index]
                if value is not seen:
                    result = adapt(value)
                    memo[index] = (value, result)
                row_values[index] = result
            values.extend(row_values)
        return values


def insert_rows(model: type[models.Model], rows: list[dict], *, now, returning: bool = False, using: str = "default"):
    """INSERT ``rows`` (dicts of attnames; missing ones get the model's defaults, filled into the
    dicts). With ``returning`` the new primary keys are written back into each dict under the pk's
    attname. PostgreSQL gets the rows through COPY (keys drawn from the table's sequence first);
    other databases through multi-row INSERTs (``RETURNING`` keeps the order of the VALUES)."""
    table = _Table(model, using)
    defaults = table.defaults(now)
    for row in rows:
        row.update(defaults | row)  # the defaults under the row's own values, in C: no loop per field
    if not rows:
        return
    if table.connection.vendor == "postgresql":
        _copy_rows(table, rows, returning)
        return
    with _driver_cursor(table.connection) as (cursor, placeholder):
        row_sql = table.row_sql.replace("%s", placeholder)
        for start in range(0, len(rows), table.batch):
            chunk = rows[start : start + table.batch]
            sql = table.head + ", ".join([row_sql] * len(chunk))
            params = table.params(chunk)
            if not returning:
                cursor.execute(sql, params)
                continue
            cursor.execute(sql + table.returning, params)
            for row, (pk, *_) in zip(chunk, cursor.fetchall(), strict=True):
                row[table.pk.attname] = pk


@contextlib.contextmanager
def _driver_cursor(connection) -> Iterator[tuple]:
    """The database driver's own cursor and its placeholder. Django's SQLite cursor rewrites every
    ``%s`` of a statement into ``?`` with a regular expression: a tenth of an import's writes went
    there, on statements of thousands of placeholders. The driver takes ``?`` as it is."""
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        if connection.vendor == "sqlite":
            cursor = connection.connection.cursor()
            try:
                yield cursor, "?"
            finally:
                cursor.close()
        else:
            yield wrapper, "%s"


def _copy_rows(table: _Table, rows: list[dict], returning: bool) -> None:
    """COPY is PostgreSQL's bulk path: one statement, rows streamed, no SQL text to parse per row
    (a 1,000-row VALUES list costs psycopg more to split than the server to insert)."""
    quote = table.connection.ops.quote_name
    meta = table.pk.model._meta
    fields, adapters = table.fields, table.adapters
    with table.connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, table.pk.column, len(rows)],
            )
            for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
                row[table.pk.attname] = pk
            fields, adapters = [table.pk, *fields], [None, *adapters]
        columns = ", ".join(quote(field.column) for field in fields)
        width = len(fields)
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            flat = _Table.params_of(fields, adapters, rows)
            for start in range(0, len(flat), width):
                copy.write_row(flat[start : start + width])


def update_rows(model: type[models.Model], rows: list[dict], fields: Iterable[str], *, using: str = "default") -> None:
    """UPDATE ``fields`` of each row (dicts with the pk and those attnames). PostgreSQL gets the
    values through COPY into a temporary table and one ``UPDATE … FROM`` (an UPDATE per row costs
    it a round of parse, plan and index lookups each); other databases one statement run many
    times (executemany). Call it inside a transaction."""
    connection = connections[using]
    meta = model._meta
    targets = [meta.get_field(name) for name in fields]
    if not rows or not targets:
        return
    if connection.vendor == "postgresql":
        _update_from_copy(connection, meta, targets, rows)
        return
    adapters = [_adapter(field, connection) for field in targets]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in targets)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from the model
    params = []
    for row in rows:
        values = [row[f.attname] for f in targets]
        adapted = [v if a is None or v is None else a(v) for v, a in zip(values, adapters, strict=True)]
        params.append([*adapted, row[meta.pk.attname]])
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _update_from_copy(connection, meta, targets: list, rows: list[dict]) -> None:
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), meta.pk
    fields = [pk, *targets]
    columns = ", ".join(quote(field.column) for field in fields)
    temp = quote(f"bulk_update_{meta.db_table}")
    assignments = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in targets)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        # A copy of the columns' types, empty; dropped at the end of the transaction at the latest.
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")  # noqa: S608 - names from the model
        with cursor.copy(f"COPY {temp} ({columns}) FROM STDIN") as copy:
            flat = _Table.params_of(fields, [None, *(_adapter(f, connection) for f in targets)], rows)
            width = len(fields)
            for start in range(0, len(flat), width):
                copy.write_row(flat[start : start + width])
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {temp} AS u WHERE t.{quote(pk.column)} = u.{quote(pk.column)}"  # noqa: S608 - names from the model
        )
        cursor.execute(f"DROP TABLE {temp}")


def insert_history(
    model: type[models.Model], rows: list[dict], *, history_type: str, when, user=None, reason: str = ""
) -> None:
    """The django-simple-history rows ``save()`` would write for ``rows`` (complete rows with their
    pk): ``history_type`` is ``"+"`` for created, ``"~"`` for changed."""
    history = model.history.model
    tracked = [f.attname for f in history._meta.concrete_fields if f.name not in HISTORY_FIELDS]
    extra = {
        "history_date": when,
        "history_type": history_type,
        "history_change_reason": reason or None,
        "history_user_id": getattr(user, "pk", None),
    }
    insert_rows(history, [{**{name: row[name] for name in tracked}, **extra} for row in rows], now=when)


def model_row(instance: models.Model) -> dict:
    """An instance's concrete values by attname (what ``insert_history`` needs for a change)."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
