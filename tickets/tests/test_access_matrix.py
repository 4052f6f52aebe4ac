"""Every tickets URL × every role (ARCHITECTURE.md §4). ``backoffice`` is the support-group
member here; the ticket is ``agente``'s (``supervisor``'s team); ``calidad`` is a stranger to it."""

import pytest

from core.testing.access import Route, allow, assert_covered, check_matrix, everyone
from tickets import services
from tickets.conversation import comment_add
from tickets.models import SavedFilter, SupportGroupMember
from tickets.tests.factories import png, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(desk, users):
    group = desk["group"]
    SupportGroupMember.objects.all().delete()
    SupportGroupMember.objects.create(group=group, user=users["backoffice"])
    ticket = services.ticket_create(
        requester=users["agente"], title="Falla", description="x", aplicativo="crm", files=[png("publica.png")]
    )
    note = comment_add(
        ticket=ticket, author=users["backoffice"], body="interna", internal=True, files=[upload("n.log", b"x\n")]
    )
    return {
        "ticket": ticket,
        "public_file": ticket.attachments.get(comment__isnull=True),
        "note_file": note.attachments.get(),
        "saved": SavedFilter.objects.create(
            user=users["agente"], list_name="mine", name="Míos", query="status=abierto"
        ),
    }


def routes(records):
    pk = records["ticket"].pk
    on_ticket = lambda u: {"pk": pk}  # noqa: E731
    sees = {"agente": 200, "supervisor": 200, "backoffice": 200, "calidad": 404, "admin": 200}
    acts = {role: 302 if code == 200 else code for role, code in sees.items()}
    works = {**acts, "agente": 403, "supervisor": 403}
    support = allow("backoffice")
    return [
        Route("tickets:mine", everyone(200)),
        Route("tickets:queue", support),
        Route("tickets:all", allow("supervisor")),
        Route("tickets:dashboard", allow("supervisor", "backoffice")),
        Route("tickets:create", everyone(200)),
        Route("tickets:bulk", allow("backoffice", status=302), method="post", data={"action": "status"}),
        Route(
            "tickets:filter_save",
            everyone(302),
            kwargs=lambda u: {"list_name": "mine"},
            method="post",
            data={"name": "Abiertos", "query": "status=abierto"},
        ),
        # Saved filters are personal: not even an admin deletes someone else's.
        Route(
            "tickets:filter_delete",
            {**everyone(404), "agente": 302},
            kwargs=lambda u: {"pk": records["saved"].pk},
            method="post",
        ),
        Route("tickets:detail", sees, kwargs=on_ticket),
        Route("tickets:comment_add", acts, kwargs=on_ticket, method="post", data={"body": "Hola"}),
        # The requester may ask (and is told why not); a supervisor only looks.
        Route(
            "tickets:transition",
            {**acts, "supervisor": 403},
            kwargs=on_ticket,
            method="post",
            data={"status": "en_progreso"},
        ),
        Route("tickets:priority", works, kwargs=on_ticket, method="post", data={"priority": "alta"}),
        Route("tickets:assign", works, kwargs=on_ticket, method="post", data={}),
        Route("tickets:update", works, kwargs=on_ticket, method="post", data={"title": ""}),
        Route("tickets:merge", works, kwargs=on_ticket, method="post", data={"into": "TCK-999999"}),
        Route("tickets:watch", acts, kwargs=on_ticket, method="post", data={"watch": "1"}),
        Route("tickets:attachment", sees, kwargs=lambda u: {"pk": records["public_file"].pk}),
        # The file of an internal note: support and admins only — never the requester.
        Route(
            "tickets:attachment",
            {**everyone(404), "backoffice": 200, "admin": 200},
            kwargs=lambda u: {"pk": records["note_file"].pk},
        ),
    ]


def test_every_tickets_url_has_a_row(records):
    assert_covered(routes(records), "tickets")


def test_access_matrix(client, users, records):
    assert check_matrix(client, users, routes(records)) == []


def test_an_outsider_sees_nothing_of_it(login, users, records):
    client = login(users["outsider"])
    for name, kwargs in (
        ("tickets:detail", {"pk": records["ticket"].pk}),
        ("tickets:attachment", {"pk": records["public_file"].pk}),
    ):
        from django.urls import reverse

        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404
    assert records["ticket"].number not in client.get("/tickets/").content.decode()
