"""Index types the portfolio needs beyond Django's plain ``Index``."""

from __future__ import annotations

from copy import copy

from django.db import models


class NullsFirstIndex(models.Index):
    """A btree index that sorts NULL before any value in its ``nulls_first`` fields.

    The work queue orders by "never contacted first" (``last_contact_at ASC NULLS FIRST``);
    PostgreSQL can only read that order straight from an index built the same way (its
    ascending indexes put NULLs last). SQLite already puts NULLs first in an ascending index and
    rejects the ``NULLS FIRST`` clause in ``CREATE INDEX``, so there the index is built plain.
    """

    def __init__(self, *args, nulls_first: tuple[str, ...] | list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.nulls_first = tuple(nulls_first)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["nulls_first"] = self.nulls_first
        return path, args, kwargs

    def create_sql(self, model, schema_editor, using="", **kwargs):
        index = self
        if schema_editor.connection.vendor == "postgresql" and self.nulls_first:
            index = copy(self)
            index.fields_orders = [
                (name, f"{order or 'ASC'} NULLS FIRST" if name in self.nulls_first else order)
                for name, order in self.fields_orders
            ]
        return models.Index.create_sql(index, model, schema_editor, using=using, **kwargs)
