"""Phone numbers as people (and spreadsheets) write them, normalised to E.164.

Everything goes through ``phonenumbers``; this module only deals with what reaches it from
imports and forms: Excel numeric cells, invisible characters, ``tel:`` URIs, and the
campaign's country as the default region. Invalid numbers are reported, never kept.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberType,
    ValidationResult,
)

FALLBACK_REGION = "CR"

_NUMBER_TYPES = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}

_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "código de país desconocido",
    NumberParseException.NOT_A_NUMBER: "no es un número de teléfono",
    NumberParseException.TOO_SHORT_AFTER_IDD: "demasiado corto",
    NumberParseException.TOO_SHORT_NSN: "demasiado corto",
    NumberParseException.TOO_LONG: "demasiado largo",
}

_LENGTH_ERRORS = {
    ValidationResult.TOO_SHORT: "demasiado corto",
    ValidationResult.TOO_LONG: "demasiado largo",
    ValidationResult.INVALID_LENGTH: "longitud incorrecta",
    ValidationResult.INVALID_COUNTRY_CODE: "código de país desconocido",
}

# Spaces that survive copy-paste from web pages and Word (NBSP, narrow NBSP, figure space) and
# characters that are invisible but break parsing (zero-width space/joiners, BOM from CSV files).
_INVISIBLE = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u3000"), " ") | dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None
)
# A float cell saved to CSV as text: "88881234.0" or "5.0688881234E+10".
_DIGIT = re.compile(r"\d")
_EXCEL_NUMBER = re.compile(r"\d{6,}\.0|\d(\.\d+)?[eE]\+?\d{1,2}")
# Digits and the separators people type between them, with an optional leading "+".
_PLAIN_NUMBER = re.compile(r"\+?[\d\s().\-]*\d[\d\s().\-]*")
_NON_DIGIT = re.compile(r"\D")


class InvalidPhone(ValueError):
    """A value that cannot be turned into a valid phone number; the message is in Spanish."""


@dataclass(frozen=True, slots=True)
class ParsedPhone:
    raw: str
    e164: str = ""
    national_digits: str = ""
    region: str = ""
    number_type: str = "unknown"
    valid: bool = False
    error: str = ""
    extension: str = ""
    country_code: int = 0
    home_region: str = ""  # the region it was parsed for: decides the display style

    @property
    def display(self) -> str:
        """How agents read it: the local way for the campaign's own country, +CC otherwise.
        Formatted on demand (imports parse thousands of numbers and never show them)."""
        if not self.valid:
            return ""
        number = phonenumbers.parse(self.e164)
        if self.extension:
            number.extension = self.extension
        local = self.region == self.home_region
        return phonenumbers.format_number(
            number, PhoneNumberFormat.NATIONAL if local else PhoneNumberFormat.INTERNATIONAL
        )

    def __reduce__(self):
        # Imports move every parsed number between processes: positional values pickle at a
        # fraction of the cost of named fields.
        return ParsedPhone, (
            self.raw,
            self.e164,
            self.national_digits,
            self.region,
            self.number_type,
            self.valid,
            self.error,
            self.extension,
            self.country_code,
            self.home_region,
        )


def default_region() -> str:
    # Read lazily so this module works (and is testable) before Django settings are configured.
    try:
        from django.conf import settings

        return (getattr(settings, "DEFAULT_PHONE_REGION", "") or FALLBACK_REGION).upper()
    except Exception:  # ImproperlyConfigured, or Django not installed at all
        return FALLBACK_REGION


def _to_text(value) -> str | None:
    """The value as text; ``None`` when it cannot be a phone number at all (dates, fractions…)."""
    if value is None:
        return ""
    if isinstance(value, bool):  # bool is an int subclass; True is not a phone number
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        # Excel turns long digit strings into floats (5.0688881234E10); empty cells read as NaN.
        try:
            if value != value:
                return ""
            if value != int(value):
                return None
            return str(int(value))
        except (OverflowError, ValueError, InvalidOperation):
            return None
    if not isinstance(value, str):
        return None
    text = value.translate(_INVISIBLE).strip()
    if _EXCEL_NUMBER.fullmatch(text):
        text = str(int(Decimal(text)))
    if text[:4].lower() == "tel:":
        # phonenumbers only accepts RFC 3966 URIs in full; a bare "tel:8888-1234" is still a number.
        text = text[4:].replace(";ext=", " ext ").split(";")[0].strip()
    return text


def parse_phone(value, region: str | None = None) -> ParsedPhone:
    """Parse ``value`` with ``region`` (default: settings) for numbers written without a country code.

    Never raises: problems come back as ``valid=False`` with a Spanish ``error``.
    """
    region = (region or default_region()).strip().upper()
    raw = "" if value is None else str(value)
    text = _to_text(value)
    if text is None:
        return ParsedPhone(raw=raw, region=region, error=f"Número inválido para {region}: «{raw}» no es un teléfono")
    if not _DIGIT.search(text):
        if not text:
            return ParsedPhone(raw=raw, region=region, error="Número vacío")
        return ParsedPhone(raw=raw, region=region, error=f"Número inválido para {region}: {text} no tiene dígitos")
    number = _plain_number(text, region)
    if number is not None:
        parsed = _described(raw, number, region)
        if parsed is not None:
            return parsed
    return _parse_text(raw, text, region)


def _plain_number(text: str, region: str) -> PhoneNumber | None:
    """The number ``phonenumbers.parse`` builds from ``text`` when it is only digits and separators,
    written nationally or after ``+`` and the region's own country code, and needs none of parse's
    rewriting: no international dialling prefix, no country code without ``+``, no national or
    carrier prefix, no leading zero. ``None`` when any of those might apply: ``parse`` decides.

    Spreadsheets are almost all such numbers, and ``parse`` is more than half the cost of a
    number in an import; the type check and everything after it stay with ``phonenumbers``.
    """
    rules = _plain_rules(region)
    if rules is None or not _PLAIN_NUMBER.fullmatch(text):
        return None
    country_code, code, dialling_prefix, national_prefix = rules
    digits = _NON_DIGIT.sub("", text)
    if text.startswith("+"):
        if not digits.startswith(code):
            return None
        national = digits[len(code) :]
    elif digits.startswith(code) or (dialling_prefix and dialling_prefix.match(digits)):
        return None
    else:
        national = digits
    if not 2 <= len(national) <= 17 or national.startswith("0"):
        return None
    if national_prefix and national_prefix.match(national):
        return None
    return PhoneNumber(country_code=country_code, national_number=int(national))


@functools.cache
def _plain_rules(region: str) -> tuple[int, str, re.Pattern | None, re.Pattern | None] | None:
    """What ``_plain_number`` checks for ``region``: its country code (as a number and as text),
    international dialling prefix and national prefix patterns. ``None`` for an unknown region, or
    one sharing its country code under another main region (``parse`` reads that one's rules)."""
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or phonenumbers.region_code_for_country_code(metadata.country_code) != region:
        return None
    national_prefix = metadata.national_prefix_for_parsing or metadata.national_prefix
    return (
        metadata.country_code,
        str(metadata.country_code),
        re.compile(metadata.international_prefix) if metadata.international_prefix else None,
        re.compile(national_prefix) if national_prefix else None,
    )


def _described(raw: str, number: PhoneNumber, region: str) -> ParsedPhone | None:
    """``number`` as a valid ``ParsedPhone``; ``None`` when it is of no known type (not valid)."""
    # One type lookup answers both questions: a number of no known type is not a valid one
    # (that is how phonenumbers defines validity), and is_valid_number would look it up again.
    kind = phonenumbers.number_type(number)
    number_region = phonenumbers.region_code_for_number(number)
    if kind == PhoneNumberType.UNKNOWN or not number_region:
        return None
    national = phonenumbers.national_significant_number(number)
    return ParsedPhone(
        raw=raw,
        e164=f"+{number.country_code}{national}",  # E.164 by definition; format_number would recompute it
        national_digits=national,
        region=number_region,
        number_type=_NUMBER_TYPES.get(kind, "unknown"),
        valid=True,
        extension=number.extension or "",
        country_code=number.country_code,
        home_region=region,
    )


def _parse_text(raw: str, text: str, region: str) -> ParsedPhone:
    """``text`` through ``phonenumbers.parse`` and all its rules; the reason when it is not valid."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        reason = _PARSE_ERRORS.get(exc.error_type, "formato no reconocido")
        return ParsedPhone(raw=raw, region=region, error=f"Número inválido para {region}: {text} ({reason})")
    parsed = _described(raw, number, region)
    if parsed is None:
        possible = phonenumbers.is_possible_number_with_reason(number)
        reason = _LENGTH_ERRORS.get(possible, "no existe ese rango de números")
        return ParsedPhone(raw=raw, region=region, error=f"Número inválido para {region}: {text} ({reason})")
    return parsed


def normalize_phone(value, region: str | None = None) -> str:
    """E.164 form of ``value`` (``+50688881234``); raises ``InvalidPhone`` when it is not valid."""
    parsed = parse_phone(value, region)
    if not parsed.valid:
        raise InvalidPhone(parsed.error)
    return parsed.e164


def validate_phone(value) -> None:
    """Django field validator, using the project's default region."""
    from django.core.exceptions import ValidationError

    parsed = parse_phone(value)
    if not parsed.valid:
        raise ValidationError(parsed.error, code="invalid_phone")


def dial_string(e164: str, *, region: str, prefix: str = "") -> str:
    """Digits the softphone dials from ``region``: national significant number for local numbers,
    ``00`` + country code + number for foreign ones, after an optional outside-line ``prefix``.
    """
    parsed = parse_phone(e164, region)
    if not parsed.valid:
        raise InvalidPhone(parsed.error)
    # Compare country codes, not regions: a number of another region sharing the code (the +1 NANP
    # territories) is still reached without the international prefix.
    if parsed.country_code == phonenumbers.country_code_for_region(region.upper()):
        digits = parsed.national_digits
    else:
        # The trunks take the ITU "00" prefix; carriers' own prefixes (Colombia's 009…) are not used.
        digits = "00" + parsed.e164[1:]
    return f"{prefix}{digits}"
