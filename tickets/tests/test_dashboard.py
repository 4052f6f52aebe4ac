"""The support dashboard: figures under frozen time, scoping, the query budget, the page."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from tickets import services
from tickets.choices import Priority, Status
from tickets.conversation import comment_add
from tickets.dashboard import dashboard_data
from tickets.models import Ticket
from tickets.tests.conftest import CR

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=CR)


@pytest.fixture
def week(desk, agente, agente_b, soporte, soporte_b, monday):
    """Monday: four tickets (soporte, soporte_b, soporte, soporte_b by round-robin)."""
    made = [
        services.ticket_create(requester=requester, title=f"T{i}", description="x", aplicativo=app, priority=prio)
        for i, (requester, app, prio) in enumerate(
            [
                (agente, "crm", Priority.ALTA),
                (agente, "crm", Priority.MEDIA),
                (agente_b, "vicidial", Priority.MEDIA),
                (agente_b, "vicidial", Priority.CRITICA),
            ]
        )
    ]
    monday.move_to(at(2, 9, 30))
    comment_add(ticket=made[0], author=soporte, body="Voy")  # 30 min to first response
    monday.move_to(at(2, 11))
    services.ticket_transition(ticket=made[0], by=soporte, status=Status.RESUELTO)  # 120 min, in time (480)
    monday.move_to(at(3, 9))
    comment_add(ticket=made[1], author=soporte_b, body="Voy")  # 9 working hours: late (120)
    services.ticket_transition(ticket=made[1], by=soporte_b, status=Status.EN_ESPERA)
    monday.move_to(at(5, 9))
    services.ticket_transition(ticket=made[2], by=soporte, status=Status.RESUELTO)  # 2 days: late
    return made


def test_figures(week, agente):
    data = dashboard_data(tickets=Ticket.objects.all(), date_from=date(2026, 3, 1), date_to=date(2026, 3, 5))
    assert data["open_total"] == 2
    assert dict((s, n) for _, s, n in data["by_status"]) == {"abierto": 1, "en_progreso": 0, "en_espera": 1}
    assert dict((p, n) for _, p, n in data["by_priority"]) == {"baja": 0, "media": 1, "alta": 0, "critica": 1}
    assert data["ageing"][2] == ("3–7 días", 2)  # Monday 09:00 tickets on Thursday 09:00
    totals = data["totals"]
    assert (totals["created"], totals["resolved"]) == (4, 2)
    assert totals["sla_met"] == 1 and totals["sla_total"] == 2 and totals["sla_met_pct"] == Decimal("50.0")
    assert totals["avg_first_response_hours"] == Decimal("4.8")  # (30 + 540) / 2 minutes
    assert totals["avg_resolution_hours"] == Decimal("14.5")  # (120 + 1620) / 2 working minutes
    vicidial, crm = data["by_aplicativo"]  # in the order of the aplicativo list
    assert (crm["label"], crm["created"], crm["resolved"], crm["sla_met_pct"]) == ("CRM", 2, 1, Decimal("100.0"))
    assert (vicidial["label"], vicidial["resolved"], vicidial["sla_met_pct"]) == ("Vicidial", 1, Decimal("0.0"))
    people = {row["label"]: row for row in data["by_assignee"]}
    assert people["Sofía Soporte"]["resolved"] == 2 and people["Samuel Soporte"]["open"] == 2
    days = {day: (created, resolved) for day, created, resolved in data["days"]}
    assert days[date(2026, 3, 2)] == (4, 1) and days[date(2026, 3, 5)] == (0, 1)


def test_a_period_without_tickets(week):
    data = dashboard_data(tickets=Ticket.objects.all(), date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    assert data["totals"]["created"] == 0 and data["totals"]["sla_met_pct"] is None
    assert data["open_total"] == 2  # "now" does not depend on the dates


def test_few_queries_whatever_the_size(week, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        dashboard_data(tickets=Ticket.objects.all(), date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))


def test_page_is_scoped_and_links_the_list_export(week, login, supervisor, soporte, agente, calidad, monday):
    body = login(supervisor).get(reverse("tickets:dashboard") + "?from=2026-03-01&to=2026-03-05").content.decode()
    assert 'data-testid="kpi-created">4<' in body  # agente and agente_b are the supervisor's team
    assert "/tickets/todos/?created_from=2026-03-01&amp;created_to=2026-03-05&amp;status=&amp;export=xlsx" in body
    body = (
        login(soporte)
        .get(reverse("tickets:dashboard") + "?from=2026-03-01&to=2026-03-05&aplicativo=crm")
        .content.decode()
    )
    assert 'data-testid="kpi-created">2<' in body and "/tickets/cola/?" in body
    assert login(agente).get(reverse("tickets:dashboard")).status_code == 403
    assert login(calidad).get(reverse("tickets:dashboard")).status_code == 403


def test_bad_dates_fall_back_with_a_message(week, login, admin):
    body = login(admin).get(reverse("tickets:dashboard") + "?from=2026-03-09&to=2026-03-01").content.decode()
    assert "no puede ser posterior" in body and 'data-testid="form-error"' in body
    body = login(admin).get(reverse("tickets:dashboard") + "?from=ayer").content.decode()
    assert "Fecha no válida" in body


def test_the_exported_list_matches_the_period(week, login, supervisor, monday):
    from io import BytesIO

    from openpyxl import load_workbook

    monday.move_to(at(10, 9))
    services.ticket_create(requester=week[0].requester, title="Después", description="x", aplicativo="crm")
    url = reverse("tickets:all") + "?created_from=2026-03-01&created_to=2026-03-05&status=&export=xlsx"
    rows = list(load_workbook(BytesIO(login(supervisor).get(url).content)).active.iter_rows(values_only=True))
    assert sorted(row[0] for row in rows[1:]) == sorted(t.number for t in week)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the per-day counts by index ranges are PostgreSQL's")
def test_per_day_by_ranges_matches_grouping_by_local_date(week, soporte, supervisor, monday):
    from tickets import selectors
    from tickets.dashboard import _per_day_by_date, _per_day_by_ranges

    monday.move_to(at(6, 23, 30))  # late evening: UTC is already the next day
    services.ticket_create(requester=supervisor, title="Tarde", description="x", aplicativo="crm")
    scopes = [
        Ticket.objects.all(),
        selectors.my_queue(user=soporte),
        selectors.all_tickets(user=supervisor).filter(aplicativo="crm"),
        Ticket.objects.none(),
    ]
    for tickets in scopes:
        expected = _per_day_by_date(tickets, date(2026, 2, 20), date(2026, 3, 10))
        assert _per_day_by_ranges(tickets, date(2026, 2, 20), date(2026, 3, 10)) == expected
    created, resolved = _per_day_by_ranges(Ticket.objects.all(), date(2026, 3, 1), date(2026, 3, 6))
    assert created == {date(2026, 3, 2): 4, date(2026, 3, 6): 1} and resolved == {
        date(2026, 3, 2): 1,
        date(2026, 3, 5): 1,
    }
