"""What every tickets page reads and admins rarely change — business calendars, categories,
support groups — kept in the cache for a few minutes (TICKETS_CATALOGUE_SECONDS), so a list
page does not pay five queries for them. Saving any of them in Django admin forgets the cached
copy (with Redis, in every process; with the local-memory cache, other processes catch up
within the timeout). Writes (services) always read calendars fresh."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from tickets.deadlines import Calendars, load_calendars

KEY = "tickets:catalogue:v1"


@dataclass(frozen=True)
class Catalogue:
    calendars: Calendars
    categories: list[tuple[int, str]]  # (pk, label) of the active categories
    groups: list[tuple[int, str]]  # (pk, name) of every support group
    active_groups: list[tuple[int, str]]


def _load() -> Catalogue:
    from tickets.models import Category, SupportGroup

    groups = list(SupportGroup.objects.values_list("pk", "name", "active"))
    return Catalogue(
        calendars=load_calendars(),
        categories=[(c.pk, str(c)) for c in Category.objects.filter(active=True)],
        groups=[(pk, name) for pk, name, _ in groups],
        active_groups=[(pk, name) for pk, name, active in groups if active],
    )


def catalogue() -> Catalogue:
    return cache.get_or_set(KEY, _load, timeout=settings.TICKETS_CATALOGUE_SECONDS)


def forget(*args, **kwargs) -> None:
    """Signal receiver (post_save/post_delete of the catalogue's models): drop the cached copy."""
    cache.delete(KEY)
