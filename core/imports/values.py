"""Cell parsers: each takes what a spreadsheet cell holds and returns ``(value, error)``.

An empty cell is ``(None, None)``; a value that cannot be understood is ``(None, "… inválido: …")``
with a Spanish message for the rejected-rows report. Nothing here raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.phones import ParsedPhone, parse_phone

from .headers import normalize_header

Result = tuple  # (value | None, error message | None)

_CENT = Decimal("0.01")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def _clean(value) -> str:
    return _SPACES.sub(" ", str(value).translate(_INVISIBLE)).strip()


def _is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and not _clean(value)


def parse_text(value) -> Result:
    """Stripped text with runs of spaces collapsed; numbers from Excel lose their ``.0``."""
    if isinstance(value, str):  # the common case: cleaned once, blank when nothing is left
        return (_clean(value) or None), None
    if _is_blank(value):
        return None, None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat(), None
    return _clean(value), None


# ---------------------------------------------------------------------------------------------
# Amounts

# Currency signs, ISO codes and words written around a number (compared lower-case, without
# accents or spaces): "₡1.250", "US$ 30", "CRC 250291", "1.250 colones".
_CURRENCIES = {
    *"$₡€£¢¥₲q",
    *("us$", "usd$", "rd$", "mx$", "col$", "clp$", "ar$", "c$", "b/.", "s/", "s/.", "bs", "bs.", "bsf", "l"),
    *("crc", "usd", "cop", "mxn", "clp", "pen", "gtq", "hnl", "nio", "pab", "dop", "ars", "bob", "pyg", "uyu"),
    *("ves", "eur", "brl", "mn", "m.n."),
    *("colon", "colones", "peso", "pesos", "dolar", "dolares", "sol", "soles", "quetzal", "quetzales"),
    *("lempira", "lempiras", "cordoba", "cordobas", "balboa", "balboas", "bolivar", "bolivares", "euro", "euros"),
}
_AMOUNT = re.compile(r"(?P<prefix>[^\d(),.\-−]*?)\s*(?P<sign>[-−]?)\s*(?P<number>[\d.,' ]*\d[\d.,' ]*)(?P<suffix>\D*)")
_MINUS = "-−"
_THOUSANDS = re.compile(r"\d{1,3}(?:([.,' ])\d{3})(?:\1\d{3})*")
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE][+-]?\d{1,3}")


def _is_currency(text: str) -> bool:
    key = normalize_header(text).replace("_", "") if text.isalpha() else text.lower().replace(" ", "")
    return not key or key in _CURRENCIES


def _number_from_text(number: str) -> Decimal | None:
    """Resolve thousands and decimal separators in both conventions; ``None`` when they make no sense."""
    number = number.strip()
    dots, commas = number.count("."), number.count(",")
    if dots and commas:
        decimal_sep = "." if number.rfind(".") > number.rfind(",") else ","
    elif dots + commas == 1:
        sep = "." if dots else ","
        whole, _, fraction = number.partition(sep)
        # "1.250" and "1,250" are a thousand in either convention; "0,250" and "1250,5" are decimals.
        thousands = len(fraction) == 3 and whole.isdigit() and len(whole) <= 3 and whole != "0"
        decimal_sep = None if thousands else sep
    else:
        decimal_sep = None
    whole, fraction = number.rsplit(decimal_sep, 1) if decimal_sep else (number, "")
    whole, fraction = whole.strip(), fraction.strip()
    if decimal_sep and not fraction.isdigit():
        return None
    if not whole.isdigit():
        if whole and not _THOUSANDS.fullmatch(whole):
            return None
        whole = re.sub(r"\D", "", whole) or "0"
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def parse_amount(value) -> Result:
    """Money as ``Decimal`` with two places, from numbers or text such as ``₡1.250.389``,
    ``$ 1.250.389,50``, ``1,250,389.50``, ``CRC 250291``, ``1 250 389`` or ``(1.500)``.
    """
    if _is_blank(value):
        return None, None
    error = f"Monto inválido: {_clean(value)}"
    if isinstance(value, bool):
        return None, error
    if isinstance(value, int | float | Decimal):
        try:
            amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            if not amount.is_finite():
                return None, error
            return amount.quantize(_CENT, rounding=ROUND_HALF_UP), None
        except (InvalidOperation, ValueError):
            return None, error
    text = _clean(value)
    if sum(text.count(minus) for minus in _MINUS) > 1:
        return None, error
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    if text[:1] in _MINUS or text[-1:] in _MINUS:  # "-₡2.000", "2.000-"; "₡-2.000" is left to the regex
        negative, text = not negative, text.strip(_MINUS).strip()
    if _SCIENTIFIC.fullmatch(text):  # a big number that went through a CSV as "1.25E+06"
        amount = Decimal(text).quantize(_CENT, rounding=ROUND_HALF_UP)
        return (-amount if negative else amount), None
    match = _AMOUNT.fullmatch(text)
    if not match or not (_is_currency(match["prefix"].strip()) and _is_currency(match["suffix"].strip())):
        return None, error
    negative ^= bool(match["sign"])
    amount = _number_from_text(match["number"])
    if amount is None:
        return None, error
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    return (-amount if negative else amount), None


# ---------------------------------------------------------------------------------------------
# Dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
_MONTHS = {
    "ene": 1, "jan": 1, "feb": 2, "mar": 3, "abr": 4, "apr": 4, "may": 5, "jun": 6, "jul": 7,
    "ago": 8, "aug": 8, "sep": 9, "set": 9, "oct": 10, "nov": 11, "dic": 12, "dec": 12,
}  # fmt: skip
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?: .*)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")  # 10000–99999: years 1927 to 2173
_NAMED_MONTH = re.compile(r"(\d{1,2})[\s/\-.]*(?:de\s+)?([a-z]{3,10})\.?[\s/\-.]*(?:de\s+|del\s+)?(\d{4}|\d{2})")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _from_serial(serial: float) -> dt.date | None:
    if not 1 <= serial <= _MAX_SERIAL:
        return None
    days = int(serial)
    if days < 60:  # Excel counts a 29 Feb 1900 that never existed
        days += 1
    return _EXCEL_EPOCH + dt.timedelta(days=days)


def _from_text(text: str) -> dt.date | None:
    text = text.lower()
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
        return dt.date(year, month, day)
    if match := _DAY_FIRST.fullmatch(text):
        first, second, year = int(match[1]), int(match[2]), _year(match[3])
        if first <= 12 < second:  # "02/20/2026" can only be month-first
            first, second = second, first
        return dt.date(year, second, first)
    if match := _COMPACT.fullmatch(text):
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    if _SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text))
    if match := _NAMED_MONTH.fullmatch(text.replace("setiembre", "septiembre")):
        month = _MONTHS.get(match[2][:3])
        return dt.date(_year(match[3]), month, int(match[1])) if month else None
    return None


def parse_date(value) -> Result:
    """A ``date`` from date cells, Excel serial numbers or day-first text (``20/02/2026``, ``20-2-26``,
    ``2026-02-20``, ``20 de febrero de 2026``).
    """
    if _is_blank(value):
        return None, None
    error = f"Fecha inválida: {_clean(value)}"
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, bool):
        return None, error
    try:
        numeric = isinstance(value, int | float | Decimal)
        parsed = _from_serial(float(value)) if numeric else _from_text(_clean(value))
    except (ValueError, OverflowError):
        parsed = None
    return (parsed, None) if parsed else (None, error)


# ---------------------------------------------------------------------------------------------
# Phones, e-mail, integers

_PHONE_SEPARATORS = re.compile(r"\s*(?:[/;,|\n]|\s[yo]\s)\s*", re.IGNORECASE)


def parse_phone_cell(value, region: str | None = None) -> Result:
    """``(ParsedPhone, None)`` for a valid number, ``(None, error)`` otherwise (``core.phones`` rules)."""
    if _is_blank(value):
        return None, None
    parsed: ParsedPhone = parse_phone(value, region)
    return (parsed, None) if parsed.valid else (None, parsed.error)


def parse_phones_cell(value, region: str | None = None) -> tuple[list[ParsedPhone], list[str]]:
    """Every number in a cell such as ``"8888-1234 / 8777-6543"``: valid phones and errors."""
    if _is_blank(value):
        return [], []
    parts = _PHONE_SEPARATORS.split(value) if isinstance(value, str) else [value]
    phones, errors = [], []
    for part in parts:
        # The cell was checked for blankness; a part is blank only between two separators.
        if len(parts) > 1 and _is_blank(part):
            continue
        parsed: ParsedPhone = parse_phone(part, region)
        if parsed.valid:
            phones.append(parsed)
        else:
            errors.append(parsed.error)
    return phones, errors


_EMAIL = re.compile(
    r"[^@\s<>(),;:\"\[\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}"
)


def parse_email(value) -> Result:
    """A lower-case address with one ``@`` and a dotted domain; ``mailto:`` is dropped."""
    if _is_blank(value):
        return None, None
    text = _clean(value).lower()
    text = text.removeprefix("mailto:").strip()
    if _EMAIL.fullmatch(text) and ".." not in text:
        return text, None
    return None, f"Correo inválido: {_clean(value)}"


_INTEGER = re.compile(r"([+-]?\d+)(?:[.,]0+)?(?:\s*[^\W\d_]+)?")


def parse_int(
    value, *, minimum: int | None = None, maximum: int | None = None, message: str = "Número inválido"
) -> Result:
    """An integer from a number or text like ``"45"``, ``"45.0"`` or ``"45 años"``, within bounds."""
    if _is_blank(value):
        return None, None
    error = f"{message}: {_clean(value)}"
    number = None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        try:
            if value == int(value):
                number = int(value)
        except (OverflowError, ValueError, InvalidOperation):
            pass
    elif isinstance(value, str) and (match := _INTEGER.fullmatch(_clean(value))):
        number = int(match[1])
    if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return None, error
    return number, None


def parse_age(value) -> Result:
    return parse_int(value, minimum=0, maximum=120, message="Edad inválida")
