"""Attachment rules: how many files, how big, which types — checked before anything is written
— and storing them in the ``tickets`` storage (a folder on disk, or the tickets bucket)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from core.models import User
from tickets.models import Ticket, TicketAttachment, TicketComment

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
}
# What the first bytes of each binary type look like: a renamed .exe is not a screenshot.
SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "pdf": (b"%PDF-",),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
TEXT_TYPES = {"txt", "log", "csv"}


def extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def check_upload(upload: UploadedFile) -> str:
    """The file's content type, or a ValidationError saying what is wrong with it."""
    name = upload.name or "archivo"
    ext = extension(name)
    allowed = [item.lower().lstrip(".") for item in settings.TICKETS_ATTACHMENT_TYPES]
    if ext not in allowed or ext not in CONTENT_TYPES:
        raise ValidationError(
            f"«{name}»: ese tipo de archivo no se acepta. Tipos permitidos: {', '.join(allowed)}.", code="type"
        )
    limit = settings.TICKETS_ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            f"«{name}» pesa {_megabytes(upload.size)} MB; el máximo es "
            f"{settings.TICKETS_ATTACHMENT_MAX_MB:g} MB por archivo.",
            code="size",
        )
    if upload.size == 0:
        raise ValidationError(f"«{name}» está vacío.", code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if ext == "webp":
        looks_right = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    elif ext in TEXT_TYPES:
        looks_right = b"\x00" not in head
    else:
        looks_right = head.startswith(SIGNATURES[ext])
    if not looks_right:
        raise ValidationError(f"«{name}» no es un archivo .{ext} válido.", code="type")
    return CONTENT_TYPES[ext]


def check_uploads(uploads: Sequence[UploadedFile]) -> list[str]:
    """Check every file (all problems at once); their content types in order."""
    limit = settings.TICKETS_ATTACHMENTS_PER_UPLOAD
    if len(uploads) > limit:
        raise ValidationError(f"Puedes adjuntar hasta {limit} archivos a la vez.", code="count")
    types, problems = [], []
    for upload in uploads:
        try:
            types.append(check_upload(upload))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError(problems)
    return types


def store(
    *, ticket: Ticket, uploads: Sequence[UploadedFile], user: User, comment: TicketComment | None = None
) -> list[TicketAttachment]:
    """Write the (already checked) files and their rows. When a row cannot be written the
    files written so far are removed again, so a failed request leaves nothing behind."""
    types = check_uploads(uploads)
    saved: list[TicketAttachment] = []
    try:
        for upload, content_type in zip(uploads, types, strict=True):
            attachment = TicketAttachment(
                ticket=ticket,
                comment=comment,
                name=os.path.basename(upload.name)[:200],
                size=upload.size,
                content_type=content_type,
                uploaded_by=user,
            )
            attachment.file.save(upload.name, upload, save=False)
            saved.append(attachment)
            attachment.full_clean()
            attachment.save()
    except Exception:
        for attachment in saved:
            remove_file(attachment)
        raise
    return saved


def remove_file(attachment: TicketAttachment) -> None:
    try:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
    except Exception:  # cleaning up must not hide the error that caused it
        logger.exception("tickets: could not delete %s", attachment.file.name)
