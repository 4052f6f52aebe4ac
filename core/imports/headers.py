"""Column headers as call centres write them, mapped to the canonical fields of an import.

``normalize_header`` makes "Teléfono 1", "TELEFONO_1" and "telefono.1" the same key; the synonyms
table turns those keys into canonical fields; ``detect_layout`` proposes a mapping for a whole
header row. A mapping is ``{column_index: canonical_field | None}``: ``None`` keeps the column as
a free variable under its original header text, ``IGNORE`` drops it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field

IGNORE = "ignore"
MAX_PHONES = 4
PHONE_FIELDS = ("phone", *(f"phone{n}" for n in range(2, MAX_PHONES + 1)))

_PHONE_WORDS = ("telefono", "tel", "celular", "cel", "movil", "phone", "mobile", "fono", "whatsapp")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "document": (
        "rut", "cedula", "documento", "doc", "dni", "nit", "rfc", "curp", "identificacion", "id_cliente",
        "document", "document_number", "numero_documento", "nro_documento", "num_documento", "no_documento",
        "cedula_identidad", "numero_cedula", "nro_cedula", "dimex", "ruc", "ci",
    ),
    "full_name": (
        "nombre", "nombre_completo", "cliente", "name", "full_name", "razon_social", "nombre_cliente",
        "deudor", "nombre_deudor", "customer", "customer_name",
    ),
    "phone": (*_PHONE_WORDS, *(f"{word}1" for word in _PHONE_WORDS), "telefono_principal", "numero_telefono"),
    **{
        name: tuple(f"{word}{name[5:]}" for word in _PHONE_WORDS)
        for name in PHONE_FIELDS[1:]
    },
    "email": ("email", "correo", "e_mail", "mail", "correo_electronico"),
    "amount_due": (
        "monto", "saldo", "deuda", "monto_adeudado", "balance", "amount", "amount_due", "saldo_total",
        "saldo_actual", "monto_deuda", "total_adeudado",
    ),
    "original_amount": ("monto_original", "capital", "original_amount", "monto_inicial"),
    "due_date": (
        "fecha_venc", "fecha_vencimiento", "vencimiento", "due_date", "fecha_de_vencimiento", "fec_venc", "vence",
    ),
    "city": ("ciudad", "city", "canton", "municipio", "localidad"),
    "address": ("direccion", "address", "domicilio"),
    "product": ("producto", "product", "tipo_producto"),
    "age": ("edad", "age"),
}  # fmt: skip

CANONICAL_FIELDS: tuple[str, ...] = tuple(SYNONYMS)

# Spanish names for messages and the mapping form.
FIELD_LABELS: dict[str, str] = {
    "document": "Documento",
    "full_name": "Nombre",
    "phone": "Teléfono",
    **{name: f"Teléfono {name[5:]}" for name in PHONE_FIELDS[1:]},
    "email": "Correo",
    "amount_due": "Monto adeudado",
    "original_amount": "Monto original",
    "due_date": "Fecha de vencimiento",
    "city": "Ciudad",
    "address": "Dirección",
    "product": "Producto",
    "age": "Edad",
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FREE_VARIABLE = re.compile(r"(var|variable|campo|field|dato|extra)_?\d+")


def normalize_header(text) -> str:
    """``"  Teléfono Nº.1 "`` → ``"telefono_n_1"``: no accents, lower case, one ``_`` between words."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return _NON_ALNUM.sub("_", ascii_text).strip("_")


def _key(text) -> str:
    # Underscores are dropped for lookups, so "telefono_2", "telefono2" and "TELÉFONO 2" all match.
    return normalize_header(text).replace("_", "")


_LOOKUP: dict[str, str] = {_key(variant): canonical for canonical, variants in SYNONYMS.items() for variant in variants}


def canonical_field(header) -> str | None:
    """The canonical field a header names, or ``None`` when it is a free variable."""
    return _LOOKUP.get(_key(header))


def is_known_header(header) -> bool:
    return canonical_field(header) is not None


class MappingError(ValueError):
    """A column mapping that cannot be used; the message is in Spanish."""


def coerce_mapping(data: MappingABC, column_count: int | None = None) -> dict[int, str | None]:
    """Validate a mapping coming back from the UI (JSON turns the column indexes into strings)."""
    mapping: dict[int, str | None] = {}
    seen: dict[str, int] = {}
    for raw_index, raw_target in dict(data).items():
        try:
            index = int(raw_index)
        except (TypeError, ValueError):
            raise MappingError(f"Columna desconocida: {raw_index}") from None
        if index < 0 or (column_count is not None and index >= column_count):
            raise MappingError(f"La columna {index + 1} no existe en el archivo")
        target = raw_target or None
        if target is not None and target != IGNORE:
            if target not in SYNONYMS:
                raise MappingError(f"Campo desconocido: {target}")
            if target in seen:
                raise MappingError(
                    f"Las columnas {seen[target] + 1} y {index + 1} están asignadas al mismo campo "
                    f"({FIELD_LABELS[target]})"
                )
            seen[target] = index
        mapping[index] = target
    return mapping


@dataclass
class Layout:
    """The kind of file and the proposed column mapping, ready for a preview form (``as_dict``)."""

    name: str
    headers: list[str]
    mapping: dict[int, str | None] = field(default_factory=dict)

    @property
    def fields(self) -> set[str]:
        return {target for target in self.mapping.values() if target and target != IGNORE}

    @property
    def free_columns(self) -> list[str]:
        return [self.headers[index] for index, target in sorted(self.mapping.items()) if target is None]

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "headers": list(self.headers),
            "mapping": {str(index): target for index, target in sorted(self.mapping.items())},
        }


def propose_mapping(headers: Iterable) -> dict[int, str | None]:
    """Map each column to its canonical field; a repeated phone column takes the next phone slot."""
    mapping: dict[int, str | None] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        target = canonical_field(header)
        if target in PHONE_FIELDS and target in used:
            target = next((name for name in PHONE_FIELDS if name not in used), None)
        elif target in used:
            target = None
        if target:
            used.add(target)
        mapping[index] = target
    return mapping


def detect_layout(headers: Iterable) -> Layout:
    """Guess ``cartera``, ``marketing`` or ``generico`` from the header row.

    Debt data (an amount or a due date), or a document without marketing data, means a collection
    portfolio; e-mail, age or city without amounts means a marketing list; anything else (name and
    phone plus free ``var1``… columns) is generic.
    """
    headers = [str(header) if header is not None else "" for header in headers]
    mapping = propose_mapping(headers)
    fields = {target for target in mapping.values() if target}
    debt = bool(fields & {"amount_due", "original_amount", "due_date"})
    marketing = bool(fields & {"email", "age", "city"})
    free_style = any(_FREE_VARIABLE.fullmatch(normalize_header(header)) for header in headers)
    if debt or ("document" in fields and not marketing and not free_style):
        name = "cartera"
    elif marketing:
        name = "marketing"
    else:
        name = "generico"
    return Layout(name=name, headers=headers, mapping=mapping)
