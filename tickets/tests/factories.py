"""factory_boy factories of the tickets app."""

from datetime import time

import factory

from core.testing.factories import UserFactory
from tickets.choices import Aplicativo, Priority
from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    Category,
    SLAPolicy,
    SupportGroup,
    SupportGroupMember,
    Ticket,
    TicketComment,
)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("aplicativo", "name")

    aplicativo = Aplicativo.CRM
    name = factory.Sequence(lambda n: f"Categoría {n}")


class SupportGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportGroup

    name = factory.Sequence(lambda n: f"Mesa {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportGroupMember

    group = factory.SubFactory(SupportGroupFactory)
    user = factory.SubFactory(UserFactory)


class TicketFactory(factory.django.DjangoModelFactory):
    """A bare row (no assignment, SLA or spans): for reads. Writes go through services."""

    class Meta:
        model = Ticket

    title = factory.Sequence(lambda n: f"Falla {n}")
    description = "No funciona."
    aplicativo = Aplicativo.CRM
    priority = Priority.MEDIA
    requester = factory.SubFactory(UserFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketComment

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comentario {n}")


def office_calendar(*, name="Oficina", default=True, saturday=False, lunch=False) -> BusinessCalendar:
    """Monday to Friday 08:00–17:00 (with a 12:00–13:00 lunch if ``lunch``), Costa Rica time."""
    calendar = BusinessCalendar.objects.create(name=name, time_zone="America/Costa_Rica", is_default=default)
    for weekday in range(5):
        if lunch:
            BusinessHours.objects.create(calendar=calendar, weekday=weekday, start=time(8), end=time(12))
            BusinessHours.objects.create(calendar=calendar, weekday=weekday, start=time(13), end=time(17))
        else:
            BusinessHours.objects.create(calendar=calendar, weekday=weekday, start=time(8), end=time(17))
    if saturday:
        BusinessHours.objects.create(calendar=calendar, weekday=5, start=time(8), end=time(12))
    return calendar


def sla_policy(priority=Priority.MEDIA, *, first=60, resolution=480, aplicativo="", calendar=None) -> SLAPolicy:
    return SLAPolicy.objects.create(
        name=f"SLA {priority} {aplicativo}".strip(),
        priority=priority,
        aplicativo=aplicativo,
        first_response_minutes=first,
        resolution_minutes=resolution,
        calendar=calendar,
    )


PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def png(name: str = "captura.png", size: int = 2048):
    """An upload that looks like a PNG screenshot (its first bytes are a PNG's)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PNG_HEADER + b"\x00" * max(0, size - len(PNG_HEADER)), content_type="image/png")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)
