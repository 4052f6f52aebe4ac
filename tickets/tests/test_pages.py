"""The pages as a user uses them: opening a ticket (with attachment errors on the form), the
ticket page and its actions, downloads, the lists with filters, saved filters, export, bulk."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tickets import selectors, services
from tickets.choices import Status
from tickets.conversation import comment_add
from tickets.models import SavedFilter, Ticket
from tickets.tests.factories import png, upload

pytestmark = pytest.mark.django_db


def create(requester, **kwargs):
    kwargs.setdefault("aplicativo", "crm")
    kwargs.setdefault("title", "El marcador no abre")
    return services.ticket_create(requester=requester, description="Desde las 8", **kwargs)


def form_data(**extra):
    return {"title": "Pantalla azul", "aplicativo": "crm", "priority": "alta", "description": "Se cae el CRM", **extra}


def test_open_a_ticket_with_a_screenshot(desk, login, agente, soporte):
    client = login(agente)
    assert client.get(reverse("tickets:create")).status_code == 200
    response = client.post(reverse("tickets:create"), form_data(files=[png("pantallazo.png")]))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.assignee == soporte and ticket.attachments.get().name == "pantallazo.png"
    page = client.get(response["Location"]).content.decode()
    assert "Pantalla azul" in page and "pantallazo.png" in page and f"Ticket {ticket.number} creado" in page


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("programa.exe", b"MZ\x90")], "ese tipo de archivo no se acepta"),
        ([upload("foto.png", b"GIF89a trucha")], "no es un archivo .png válido"),
        ([png("grande.png", 1024 * 1024 + 10)], "el máximo es 1 MB por archivo"),
    ],
)
def test_bad_attachments_are_form_errors(desk, login, agente, settings, files, message):
    settings.TICKETS_ATTACHMENT_MAX_MB = 1
    response = login(agente).post(reverse("tickets:create"), form_data(files=files))
    body = response.content.decode()
    assert response.status_code == 400 and message in body
    assert 'data-testid="files-field"' in body and "invalid-feedback" in body
    assert 'value="Pantalla azul"' in body  # what was typed is kept
    assert not Ticket.objects.exists()


def test_missing_fields_and_a_category_of_another_aplicativo(desk, login, agente):
    from tickets.tests.factories import CategoryFactory

    other = CategoryFactory(aplicativo="vicidial", name="Campañas")
    response = login(agente).post(reverse("tickets:create"), form_data(title="", category=other.pk))
    body = response.content.decode()
    assert response.status_code == 400 and "Este campo es obligatorio" in body
    assert "no es de CRM" in body and not Ticket.objects.exists()


def test_ticket_page_shows_notes_only_to_support(desk, login, agente, soporte, supervisor, admin):
    ticket = create(agente)
    comment_add(ticket=ticket, author=soporte, body="Respuesta pública visible")
    comment_add(ticket=ticket, author=soporte, body="NOTA-SECRETA del equipo", internal=True)
    url = reverse("tickets:detail", args=[ticket.pk])
    for viewer in (agente, supervisor):
        body = login(viewer).get(url).content.decode()
        assert "Respuesta pública visible" in body and "NOTA-SECRETA" not in body
        assert "Nota interna (solo soporte)" not in body and 'data-testid="support-actions"' not in body
    for viewer in (soporte, admin):
        body = login(viewer).get(url).content.decode()
        assert "NOTA-SECRETA del equipo" in body and 'data-testid="support-actions"' in body


def test_timeline_shows_changes_with_who_and_when(desk, login, agente, soporte, soporte_b):
    ticket = create(agente)
    services.ticket_transition(ticket=ticket, by=soporte, status=Status.EN_PROGRESO)
    services.ticket_assign(ticket=ticket, by=soporte, assignee=soporte_b)
    services.ticket_set_priority(ticket=ticket, by=soporte_b, priority="critica")
    body = login(agente).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "abrió el ticket" in body
    assert "Estado: Abierto → <strong>En progreso</strong>" in body
    assert f"Asignado a: {soporte} → <strong>{soporte_b}</strong>" in body
    assert "Prioridad: Media → <strong>Crítica</strong>" in body


def test_timeline_shows_who_started_and_stopped_following(
    desk, login, agente, soporte, soporte_b, django_assert_max_num_queries
):
    ticket = create(agente, watchers=[soporte_b])
    url = reverse("tickets:watch", args=[ticket.pk])
    assert login(soporte).post(url, {"watch": "1"}).status_code == 302
    assert login(soporte_b).post(url, {"watch": "0"}).status_code == 302
    detail = reverse("tickets:detail", args=[ticket.pk])
    client = login(agente)
    client.get(detail)
    with CaptureQueriesContext(connection) as few:
        client.get(detail)
    services.ticket_watch(ticket=ticket, user=soporte_b, watching=True)
    services.ticket_watch(ticket=ticket, user=soporte_b, watching=False)
    with django_assert_max_num_queries(len(few)):  # the watchers of the whole history cost two queries
        body = client.get(detail).content.decode()
    assert f"Seguidores: — → <strong>+ {soporte}</strong>" in body
    assert f"Seguidores: sin {soporte_b} → <strong>—</strong>" in body
    entries = [e for e in selectors.timeline(ticket=ticket, user=agente) if e.kind == "change"]
    assert [(str(e.user), e.changes[0][0]) for e in entries] == [
        (str(agente), "Seguidores"),  # who opened it with a watcher
        (str(soporte), "Seguidores"),
        (str(soporte_b), "Seguidores"),
        (str(soporte_b), "Seguidores"),
        (str(soporte_b), "Seguidores"),
    ]
    assert list(ticket.watchers.all()) == [soporte]


def test_reply_note_and_their_errors_through_the_page(desk, login, agente, soporte):
    ticket = create(agente)
    url = reverse("tickets:comment_add", args=[ticket.pk])
    assert login(soporte).post(url, {"body": "Listo, probá ahora"}).status_code == 302
    assert login(soporte).post(url, {"body": "interna", "internal": "on"}).status_code == 302
    response = login(agente).post(url, {"body": "   "})
    assert response.status_code == 400 and "obligatorio" in response.content.decode()
    # a requester cannot sneak an internal note in: the field is not theirs
    login(agente).post(url, {"body": "¿interna?", "internal": "on"})
    assert list(ticket.comments.values_list("internal", flat=True)) == [False, True, False]
    response = login(soporte).post(url, {"body": "log", "files": [upload("a.exe", b"MZ")]})
    assert response.status_code == 400 and "ese tipo de archivo no se acepta" in response.content.decode()


def test_status_buttons_follow_who_is_looking(desk, login, agente, soporte):
    ticket = create(agente)
    url = reverse("tickets:transition", args=[ticket.pk])
    page = login(agente).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="to-resuelto"' not in page
    response = login(agente).post(url, {"status": "resuelto"}, follow=True)
    assert "No se puede pasar un ticket de «Abierto» a «Resuelto»." in response.content.decode()
    assert login(soporte).post(url, {"status": "resuelto"}).status_code == 302
    page = login(agente).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Reabrir" in page and "Confirmar solución" in page


def test_support_actions_from_the_page(desk, login, agente, soporte, soporte_b):
    ticket, duplicate = create(agente), create(agente, title="Lo mismo")
    client = login(soporte)
    client.post(reverse("tickets:priority", args=[ticket.pk]), {"priority": "alta"})
    client.post(reverse("tickets:assign", args=[ticket.pk]), {"group": desk["group"].pk, "assignee": soporte_b.pk})
    client.post(
        reverse("tickets:update", args=[ticket.pk]),
        {"title": "Marcador caído", "aplicativo": "vicidial", "description": "d"},
    )
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee, ticket.title, ticket.aplicativo) == (
        "alta",
        soporte_b,
        "Marcador caído",
        "vicidial",
    )
    response = client.post(reverse("tickets:merge", args=[duplicate.pk]), {"into": ticket.number})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    duplicate.refresh_from_db()
    assert duplicate.merged_into == ticket and duplicate.status == Status.CERRADO
    body = client.get(reverse("tickets:detail", args=[duplicate.pk])).content.decode()
    assert 'data-testid="merged-note"' in body
    response = client.post(reverse("tickets:merge", args=[ticket.pk]), {"into": "TCK-999999"}, follow=True)
    assert "No encontramos ese ticket" in response.content.decode()


def test_watch_and_unwatch(desk, login, agente, agente_b, supervisor):
    ticket = create(agente)
    client = login(supervisor)  # sees the team's ticket and may follow it
    client.post(reverse("tickets:watch", args=[ticket.pk]), {"watch": "1"})
    assert supervisor in ticket.watchers.all()
    client.post(reverse("tickets:watch", args=[ticket.pk]), {"watch": "0"})
    assert supervisor not in ticket.watchers.all()


def test_attachment_download_is_for_those_who_see_it(desk, login, agente, soporte, outsider, supervisor):
    ticket = create(agente, files=[png("publica.png")])
    note = comment_add(
        ticket=ticket, author=soporte, body="log interno", internal=True, files=[upload("srv.log", b"ok\n")]
    )
    public, internal = ticket.attachments.get(comment__isnull=True), note.attachments.get()
    public_url = reverse("tickets:attachment", args=[public.pk])
    internal_url = reverse("tickets:attachment", args=[internal.pk])
    response = login(agente).get(public_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert login(agente).get(internal_url).status_code == 404  # the requester never gets a note's file
    assert login(supervisor).get(internal_url).status_code == 404
    assert login(outsider).get(public_url).status_code == 404
    response = login(soporte).get(internal_url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


def test_lists_scope_and_filters(desk, login, agente, agente_b, soporte, supervisor, outsider):
    mine = create(agente, title="Primero")
    other = create(agente_b, title="Segundo", priority="critica")
    foreign = create(outsider, title="Ajeno")
    services.ticket_transition(ticket=other, by=soporte, status=Status.RESUELTO)

    def numbers(client, name, query=""):
        body = client.get(reverse(name) + query).content.decode()
        return {t.number for t in (mine, other, foreign) if f'data-number="{t.number}"' in body}

    assert numbers(login(agente), "tickets:mine") == {mine.number}
    assert numbers(login(supervisor), "tickets:all") == {mine.number, other.number}  # the team's
    queue = login(soporte)
    assert numbers(queue, "tickets:queue") == {mine.number, foreign.number}  # unresolved by default
    assert numbers(queue, "tickets:queue", "?status=") == {mine.number, other.number, foreign.number}
    assert numbers(queue, "tickets:queue", "?status=resuelto") == {other.number}
    assert numbers(queue, "tickets:queue", f"?status=&q={other.number.lower()}") == {other.number}
    assert numbers(queue, "tickets:queue", "?status=&q=ajeno") == {foreign.number}
    assert numbers(queue, "tickets:queue", "?status=&priority=critica") == {other.number}
    assert numbers(queue, "tickets:queue", "?q=Primero&orden=prioridad") == {mine.number}


def test_breached_filter_and_sla_colours(desk, login, agente, monday):
    from datetime import timedelta

    late = create(agente, title="Tarde")
    monday.shift(timedelta(hours=3))  # past the 2 h first response
    fresh = create(agente, title="Reciente")
    client = login(agente)
    body = client.get(reverse("tickets:mine") + "?sla=vencido").content.decode()
    assert late.number in body and fresh.number not in body
    body = client.get(reverse("tickets:mine")).content.decode()
    assert 'data-state="breached"' in body and 'data-state="ok"' in body


def test_export_has_the_filtered_rows_and_no_notes(desk, login, agente, soporte):
    ticket = create(agente)
    comment_add(ticket=ticket, author=soporte, body="NOTA-SECRETA", internal=True)
    create(agente, aplicativo="vicidial", title="Otro")
    response = login(soporte).get(reverse("tickets:queue") + "?aplicativo=crm&export=xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Número", "Título", "Estado", "Prioridad")
    assert [row[0] for row in rows[1:]] == [ticket.number]
    assert rows[1][-2:] == ("En plazo", "En plazo")
    assert not any("NOTA-SECRETA" in str(cell) for row in rows for cell in row)


def test_saved_filters_are_personal(desk, login, agente, agente_b):
    client = login(agente)
    response = client.post(
        reverse("tickets:filter_save", args=["mine"]), {"name": "Críticos", "query": "priority=critica&page=3"}
    )
    saved = SavedFilter.objects.get()
    assert saved.query == "priority=critica" and response["Location"] == "/tickets/?priority=critica"
    body = client.get(reverse("tickets:mine")).content.decode()
    assert "Críticos" in body
    response = client.post(
        reverse("tickets:filter_save", args=["mine"]), {"name": "críticos", "query": "x=1"}, follow=True
    )
    assert "Ya tienes un filtro llamado" in response.content.decode()
    assert login(agente_b).post(reverse("tickets:filter_delete", args=[saved.pk])).status_code == 404
    assert login(agente).post(reverse("tickets:filter_delete", args=[saved.pk])).status_code == 302
    assert not SavedFilter.objects.exists()


def test_bulk_actions_report_what_could_not_change(desk, login, agente, soporte, outsider):
    first, second, closed = create(agente), create(agente), create(agente)
    services.ticket_transition(ticket=closed, by=soporte, status=Status.CERRADO)
    client = login(soporte)
    response = client.post(
        reverse("tickets:bulk"),
        {
            "action": "status",
            "status": "en_progreso",
            "tickets": [first.pk, second.pk, closed.pk],
            "next": "/tickets/cola/",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "2 ticket(s) actualizados" in body and f"{closed.number}: No se puede pasar" in body
    assert set(Ticket.objects.filter(status="en_progreso").values_list("pk", flat=True)) == {first.pk, second.pk}
    response = client.post(reverse("tickets:bulk"), {"action": "priority", "priority": "alta", "tickets": [first.pk]})
    first.refresh_from_db()
    assert first.priority == "alta"
    # not support: refused; tickets outside the queue: refused by the form
    assert login(outsider).post(reverse("tickets:bulk"), {"action": "status", "tickets": [first.pk]}).status_code == 403
    response = login(soporte).post(
        reverse("tickets:bulk"), {"action": "status", "status": "cerrado", "tickets": [999]}, follow=True
    )
    assert "no está en tu cola" in response.content.decode()


def test_queue_list_query_budget(desk, login, agente, soporte, django_assert_max_num_queries):
    for index in range(30):
        create(agente, title=f"Falla {index}")
    client = login(soporte)
    client.get(reverse("tickets:queue"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tickets:queue") + "?priority=media&sla=&q=Falla")
    assert response.status_code == 200 and response.content.decode().count('data-testid="ticket-row"') == 25
