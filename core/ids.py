"""Identity and tax document numbers by country, checked with python-stdnum.

``validate_document`` accepts the number however it arrives (formatted text, or an int/float
from an Excel cell) and returns its compact and display forms, or raises ``InvalidDocument``
with a Spanish message. Without ``doc_type`` the country's own document types are tried in
order; passports are never guessed, because any alphanumeric string would pass as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models
from stdnum import exceptions as stdnum_errors
from stdnum.cl import rut
from stdnum.co import nit
from stdnum.cr import cpf, cpj
from stdnum.cr import cr as dimex
from stdnum.mx import curp, rfc


class DocumentType(models.TextChoices):
    CEDULA = "cedula", "Cédula de identidad"
    CEDULA_JURIDICA = "cedula_juridica", "Cédula jurídica"
    DIMEX = "dimex", "DIMEX (cédula de residencia)"
    NIT = "nit", "NIT"
    RFC = "rfc", "RFC"
    CURP = "curp", "CURP"
    RUT = "rut", "RUT"
    PASAPORTE = "pasaporte", "Pasaporte"
    OTRO = "otro", "Otro documento"


class InvalidDocument(ValueError):
    """A document number that does not validate; the message is in Spanish."""


@dataclass(frozen=True)
class ValidDocument:
    country: str
    doc_type: str
    compact: str

    @property
    def formatted(self) -> str:
        """How people write it (``1-0234-0567``); worked out when asked: imports never show it."""
        return _validator(self.country, DocumentType(self.doc_type))[1](self.compact)


_REASONS = {
    stdnum_errors.InvalidChecksum: "dígito verificador incorrecto",
    stdnum_errors.InvalidLength: "longitud incorrecta",
    stdnum_errors.InvalidFormat: "formato incorrecto",
    stdnum_errors.InvalidComponent: "contiene una parte imposible (fecha, provincia o tipo)",
}

_GENERIC = re.compile(r"[A-Z0-9]{5,20}")
_EXCEL_FLOAT = re.compile(r"\d{5,}\.0")


def _generic(number: str) -> str:
    number = re.sub(r"[\s\-./]", "", number).upper()
    if not 5 <= len(number) <= 20:
        raise stdnum_errors.InvalidLength()
    if not _GENERIC.fullmatch(number):
        raise stdnum_errors.InvalidFormat()
    return number


def _co_cedula(number: str) -> str:
    # Colombian cédulas carry no check digit; only the shape can be checked. A hyphen means a
    # NIT's check digit, so it is rejected here to let auto-detection fall through to NIT.
    number = re.sub(r"[\s.]", "", number)
    if not number.isdigit() or number.startswith("0"):
        raise stdnum_errors.InvalidFormat()
    if not 6 <= len(number) <= 10:
        raise stdnum_errors.InvalidLength()
    return number


def _co_cedula_format(number: str) -> str:
    return f"{int(number):,}".replace(",", ".")


Validator = tuple[Callable[[str], str], Callable[[str], str]]

_VALIDATORS: dict[tuple[str, str], Validator] = {
    ("CR", DocumentType.CEDULA): (cpf.validate, cpf.format),
    ("CR", DocumentType.CEDULA_JURIDICA): (cpj.validate, cpj.format),
    ("CR", DocumentType.DIMEX): (dimex.validate, dimex.format),
    # Cédula before NIT: a 10-digit personal number would otherwise pass as a NIT one time in 11.
    ("CO", DocumentType.CEDULA): (_co_cedula, _co_cedula_format),
    ("CO", DocumentType.NIT): (nit.validate, nit.format),
    ("MX", DocumentType.CURP): (curp.validate, curp.compact),
    # stdnum leaves RFC check digits unchecked on purpose: many RFCs in use have wrong ones.
    ("MX", DocumentType.RFC): (rfc.validate, rfc.format),
    ("CL", DocumentType.RUT): (rut.validate, rut.format),
}
_ANY_COUNTRY = {DocumentType.PASAPORTE: (_generic, str), DocumentType.OTRO: (_generic, str)}


def document_types_for(country: str) -> list[DocumentType]:
    """Document types that make sense for ``country`` (ISO 3166 alpha-2), national ones first."""
    country = (country or "").strip().upper()
    national = [doc_type for (code, doc_type) in _VALIDATORS if code == country]
    return [*national, DocumentType.PASAPORTE, DocumentType.OTRO]


def _to_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise InvalidDocument(f"Documento inválido: «{value}» no es un número de documento")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        # Excel stores all-digit documents as numbers: 102340567.0, and NaN for empty cells.
        try:
            if value != value:
                return ""
            if value == int(value):
                return str(int(value))
        except (OverflowError, ValueError, InvalidOperation):
            pass
        raise InvalidDocument(f"Documento inválido: «{value}» no es un número de documento")
    if not isinstance(value, str):
        raise InvalidDocument(f"Documento inválido: «{value}» no es un número de documento")
    text = value.replace("\u00a0", " ").replace("\ufeff", "").strip()
    # The same Excel number saved to CSV as text.
    return text[:-2] if _EXCEL_FLOAT.fullmatch(text) else text


def _validator(country: str, doc_type: DocumentType) -> Validator:
    return _VALIDATORS.get((country, doc_type)) or _ANY_COUNTRY[doc_type]


def _check(country: str, doc_type: DocumentType, text: str) -> ValidDocument:
    validate = _validator(country, doc_type)[0]
    compact = validate(text)
    return ValidDocument(country=country, doc_type=doc_type.value, compact=compact)


def _reason(exc: stdnum_errors.ValidationError) -> str:
    return next((text for cls, text in _REASONS.items() if isinstance(exc, cls)), "número no válido")


def validate_document(country: str, number, doc_type: str | None = None) -> ValidDocument:
    """Validate ``number`` as a document of ``country``; ``doc_type`` (a ``DocumentType``) is guessed if omitted."""
    country = (country or "").strip().upper()
    where = country or "país sin indicar"
    text = _to_text(number)
    if not text:
        raise InvalidDocument("Documento vacío")

    if doc_type:
        try:
            kind = DocumentType(str(doc_type).strip().lower())
        except ValueError:
            raise InvalidDocument(f"Tipo de documento desconocido: {doc_type}") from None
        if kind not in document_types_for(country):
            raise InvalidDocument(f"El tipo {kind.label} no aplica a {where}")
        candidates = [kind]
    else:
        candidates = [kind for (code, kind) in _VALIDATORS if code == country] or [DocumentType.OTRO]

    errors = []
    for kind in candidates:
        try:
            return _check(country, kind, text)
        except stdnum_errors.ValidationError as exc:
            errors.append(f"{kind.label}: {_reason(exc)}")
    raise InvalidDocument(f"Documento inválido para {where}: {text} ({'; '.join(errors)})")
