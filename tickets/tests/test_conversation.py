"""Replies, internal notes, attachments (limits, storage, clean-up) and merging duplicates."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages

from tickets import services
from tickets.choices import Status
from tickets.conversation import attachment_add, comment_add, ticket_merge
from tickets.models import Ticket, TicketAttachment, TicketComment
from tickets.tests.factories import png, upload

pytestmark = pytest.mark.django_db


def create(requester, **kwargs):
    return services.ticket_create(requester=requester, title="Falla", description="x", aplicativo="crm", **kwargs)


def stored_names():
    storage = storages["tickets"]
    names = []

    def walk(path):
        try:
            dirs, files = storage.listdir(path)
        except FileNotFoundError:
            return
        names.extend(f"{path}/{name}".lstrip("/") for name in files)
        for folder in dirs:
            walk(f"{path}/{folder}".lstrip("/"))

    walk("")
    return set(names)


def test_attachments_go_to_the_tickets_storage(desk, agente):
    ticket = create(agente, files=[png("pantalla.png", 5000)])
    attachment = ticket.attachments.get()
    assert attachment.name == "pantalla.png" and attachment.size == 5000 and attachment.content_type == "image/png"
    assert (
        attachment.file.storage is storages["tickets"]
        or attachment.file.storage.location == storages["tickets"].location
    )
    assert attachment.file.name in stored_names()
    assert attachment.file.read().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (lambda: upload("virus.exe", b"MZ\x90\x00"), "ese tipo de archivo no se acepta"),
        (lambda: upload("captura.png", b"MZ\x90\x00 not a png"), "no es un archivo .png válido"),
        (lambda: upload("log.txt", b"\x00\x01binary"), "no es un archivo .txt válido"),
        (lambda: upload("vacio.pdf", b""), "está vacío"),
        (lambda: png("enorme.png", 2 * 1024 * 1024 + 1), "pesa 2,0 MB; el máximo es 2 MB"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(desk, agente, settings, file, message):
    settings.TICKETS_ATTACHMENT_MAX_MB = 2
    before = stored_names()
    with pytest.raises(ValidationError) as exc:
        create(agente, files=[png("buena.png"), file()])
    assert message in " ".join(exc.value.messages)
    assert not Ticket.objects.exists() and not TicketAttachment.objects.exists()
    assert stored_names() == before


def test_too_many_files_at_once(desk, agente, settings):
    settings.TICKETS_ATTACHMENTS_PER_UPLOAD = 2
    with pytest.raises(ValidationError, match="hasta 2 archivos"):
        create(agente, files=[png("a.png"), png("b.png"), png("c.png")])


def test_files_written_before_a_failure_are_removed(desk, agente, monkeypatch):
    """A row that cannot be saved after its file was stored takes the stored files with it."""
    before = stored_names()
    original = TicketAttachment.full_clean

    def fail_on_second(self, *args, **kwargs):
        if self.name == "b.png":
            raise ValidationError("no")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TicketAttachment, "full_clean", fail_on_second)
    with pytest.raises(ValidationError):
        create(agente, files=[png("a.png"), png("b.png")])
    assert stored_names() == before and not Ticket.objects.exists()


def test_attachments_on_a_comment_and_on_the_ticket(desk, agente, soporte, outsider):
    ticket = create(agente)
    comment = comment_add(ticket=ticket, author=soporte, body="Mira el log", files=[upload("app.log", b"ERROR 42\n")])
    assert comment.attachments.get().content_type == "text/plain"
    attachment_add(ticket=ticket, user=agente, files=[png()])
    assert ticket.attachments.filter(comment__isnull=True).count() == 1
    with pytest.raises(PermissionDenied):
        attachment_add(ticket=ticket, user=outsider, files=[png()])


def test_replies_need_text_and_notes_need_support(desk, agente, soporte):
    ticket = create(agente)
    with pytest.raises(ValidationError, match="Escribe la respuesta"):
        comment_add(ticket=ticket, author=agente, body="   ")
    with pytest.raises(PermissionDenied):
        comment_add(ticket=ticket, author=agente, body="secreto", internal=True)
    note = comment_add(ticket=ticket, author=soporte, body="Es el cache", internal=True)
    assert note.internal and TicketComment.objects.count() == 1


def test_a_requester_who_is_also_support_cannot_write_notes_on_their_own_ticket(desk, soporte):
    ticket = create(soporte)
    with pytest.raises(PermissionDenied):
        comment_add(ticket=ticket, author=soporte, body="nota", internal=True)


def test_merge_moves_the_conversation_and_closes_the_duplicate(desk, agente, agente_b, soporte, soporte_b):
    original = create(agente)
    duplicate = create(agente_b, files=[png("dup.png")])
    comment_add(ticket=duplicate, author=agente_b, body="A mí también me pasa")
    comment_add(ticket=duplicate, author=soporte, body="Nota del duplicado", internal=True)
    merged = ticket_merge(ticket=duplicate, into=original, by=soporte)
    assert merged.status == Status.CERRADO and merged.merged_into == original and merged.closed_at
    moved = list(original.comments.values_list("body", flat=True))
    assert "A mí también me pasa" in moved and "Nota del duplicado" in moved
    assert moved[-1].startswith(f"Se fusionó {duplicate.number}")
    assert list(duplicate.comments.values_list("body", flat=True)) == [
        f"Cerrado por duplicado: la conversación continúa en {original.number}."
    ]
    assert original.attachments.filter(name="dup.png").exists()
    assert agente_b in original.watchers.all()  # the duplicate's requester follows the survivor
    assert Ticket.objects.visible_to(agente_b).filter(pk=original.pk).exists()
    assert merged.history.latest().history_change_reason == f"Fusionado en {original.number}"
    with pytest.raises(ValidationError, match="responde allí"):
        comment_add(ticket=merged, author=agente_b, body="¿Sigue?")


def test_merge_refusals(desk, agente, soporte, outsider):
    first, second = create(agente), create(agente)
    with pytest.raises(ValidationError, match="consigo mismo"):
        ticket_merge(ticket=first, into=first, by=soporte)
    with pytest.raises(PermissionDenied):
        ticket_merge(ticket=first, into=second, by=outsider)
    services.ticket_transition(ticket=second, by=soporte, status=Status.RESUELTO)
    with pytest.raises(ValidationError, match="elige un ticket abierto"):
        ticket_merge(ticket=first, into=second, by=soporte)
    closed = services.ticket_transition(ticket=create(agente), by=soporte, status=Status.CERRADO)
    with pytest.raises(ValidationError, match="ya está cerrado"):
        ticket_merge(ticket=closed, into=first, by=soporte)
