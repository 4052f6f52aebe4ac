"""seed_demo's support desk: every status, consistent SLA figures, and idempotent."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tickets.choices import Status
from tickets.deadlines import load_calendars
from tickets.models import SupportGroup, Ticket
from tickets.sla import clock_deadline, spans_of

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_desk(capsys):
    call_command("seed_demo")
    assert "tickets:" in capsys.readouterr().out
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 1
    assert SupportGroup.objects.get(is_default=True).name == "Mesa de ayuda"
    assert Ticket.objects.filter(assignee__username="soporte").exists()
    calendars, now = load_calendars(), timezone.now()
    for ticket in Ticket.objects.select_related("sla_policy"):
        assert ticket.sla_policy is not None
        spans = spans_of(ticket.status_spans.order_by("started_at", "pk"))
        target = timedelta(minutes=ticket.sla_policy.resolution_minutes)
        clock = clock_deadline(spans, target, calendars.for_policy(ticket.sla_policy), now)
        assert ticket.resolution_due_at == clock.due, ticket  # what the services would have stored
        assert ticket.created_at <= now and ticket.history.earliest().history_date == ticket.created_at
    count = Ticket.objects.count()
    call_command("seed_demo")
    assert Ticket.objects.count() == count
