import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.phones import InvalidPhone, ParsedPhone, dial_string, normalize_phone, parse_phone, validate_phone

CR_MOBILE = "+50688881234"


@pytest.mark.parametrize(
    "value",
    [
        "+506 8888-1234",
        "50688881234",
        "506 8888 1234",
        "(506) 8888-1234",
        "8888 1234",
        "8888-1234",
        "88881234",
        "+50688881234",
        "00506 8888 1234",
        "+506-8888-1234",
        "8888.1234",
        88881234,
        50688881234,
        88881234.0,
        5.0688881234e10,
        50688881234.0,
        Decimal("88881234"),
        "88881234.0",
        "5.0688881234E+10",
        "  8888 1234  ",
        "\t8888-1234\n",
        "8888\u00a01234",
        "\u00a0+506\u00a08888\u00a01234\u00a0",
        "\ufeff8888-1234",
        "8888\u200b1234",
        "tel:+506-8888-1234",
        "tel:88881234",
        "TEL: 8888 1234",
    ],
)
def test_costa_rica_shapes(value):
    parsed = parse_phone(value, "CR")
    assert parsed.valid, parsed.error
    assert parsed.e164 == CR_MOBILE
    assert parsed.national_digits == "88881234"
    assert parsed.region == "CR"
    assert parsed.number_type == "mobile"
    assert parsed.display == "8888 1234"
    assert parsed.error == ""
    assert parsed.extension == ""
    assert parsed.country_code == 506


@pytest.mark.parametrize("value", ["8888 1234", 88881234, "+506 8888-1234", "50688881234"])
def test_default_region_is_costa_rica(value):
    assert parse_phone(value).e164 == CR_MOBILE
    assert normalize_phone(value) == CR_MOBILE


@pytest.mark.parametrize(
    ("value", "extension"),
    [
        ("8888 1234 ext 12", "12"),
        ("8888-1234 ext. 12", "12"),
        ("+506 8888 1234 x 345", "345"),
        ("8888 1234 #7", "7"),
        ("tel:+506-8888-1234;ext=55", "55"),
        ("tel:8888-1234;ext=55;phone-context=+506", "55"),
    ],
)
def test_extension_is_kept_out_of_e164(value, extension):
    parsed = parse_phone(value, "CR")
    assert parsed.valid
    assert parsed.e164 == CR_MOBILE
    assert parsed.national_digits == "88881234"
    assert parsed.extension == extension
    assert normalize_phone(value, "CR") == CR_MOBILE


def test_fixed_line():
    parsed = parse_phone("2222-0000", "CR")
    assert parsed.e164 == "+50622220000"
    assert parsed.number_type == "fixed_line"


@pytest.mark.parametrize(
    ("value", "region", "e164", "national", "number_type"),
    [
        ("300 123 4567", "CO", "+573001234567", "3001234567", "mobile"),
        ("3001234567", "CO", "+573001234567", "3001234567", "mobile"),
        (3001234567, "CO", "+573001234567", "3001234567", "mobile"),
        ("+57 300 123 4567", "CO", "+573001234567", "3001234567", "mobile"),
        ("55 1234 5678", "MX", "+525512345678", "5512345678", "fixed_line_or_mobile"),
        ("+52 55 1234 5678", "MX", "+525512345678", "5512345678", "fixed_line_or_mobile"),
        ("9 8765 4321", "CL", "+56987654321", "987654321", "fixed_line_or_mobile"),
        ("987654321", "cl", "+56987654321", "987654321", "fixed_line_or_mobile"),
    ],
)
def test_other_countries(value, region, e164, national, number_type):
    parsed = parse_phone(value, region)
    assert parsed.valid, parsed.error
    assert parsed.e164 == e164
    assert parsed.national_digits == national
    assert parsed.region == region.upper()
    assert parsed.number_type == number_type


@pytest.mark.parametrize("value", ["+57 300 1234567", "0057 300 1234567", "+573001234567"])
def test_explicit_foreign_number_with_costa_rica_default(value):
    parsed = parse_phone(value, "CR")
    assert parsed.valid, parsed.error
    assert parsed.e164 == "+573001234567"
    assert parsed.national_digits == "3001234567"
    assert parsed.region == "CO"
    assert parsed.country_code == 57
    assert parsed.display == "+57 300 1234567"


def test_display_is_national_only_for_the_default_region():
    assert parse_phone("+506 8888 1234", "CO").display == "+506 8888 1234"
    assert parse_phone("300 123 4567", "CO").display == "300 1234567"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, "Número vacío"),
        ("", "Número vacío"),
        ("   ", "Número vacío"),
        ("\u00a0", "Número vacío"),
        (float("nan"), "Número vacío"),
        ("abc", "Número inválido para CR: abc no tiene dígitos"),
        ("tel:", "Número vacío"),
        ("123", "Número inválido para CR: 123 (demasiado corto)"),
        ("0000000000000000000", "Número inválido para CR: 0000000000000000000 (demasiado largo)"),
        ("888812345678", "Número inválido para CR: 888812345678 (demasiado largo)"),
        ("8888 12345", "Número inválido para CR: 8888 12345 (longitud incorrecta)"),
        ("1234 5678", "Número inválido para CR: 1234 5678 (no existe ese rango de números)"),
        ("+999 1234 5678", "Número inválido para CR: +999 1234 5678 (código de país desconocido)"),
        (12.5, "Número inválido para CR: «12.5» no es un teléfono"),
        (True, "Número inválido para CR: «True» no es un teléfono"),
        (float("inf"), "Número inválido para CR: «inf» no es un teléfono"),
        (datetime.date(2024, 5, 17), "Número inválido para CR: «2024-05-17» no es un teléfono"),
        (["88881234"], "Número inválido para CR: «['88881234']» no es un teléfono"),
    ],
)
def test_garbage_is_reported_not_kept(value, error):
    parsed = parse_phone(value, "CR")
    assert isinstance(parsed, ParsedPhone)
    assert parsed.valid is False
    assert parsed.e164 == ""
    assert parsed.national_digits == ""
    assert parsed.error == error
    with pytest.raises(InvalidPhone, match="^" + re.escape(error) + "$"):
        normalize_phone(value, "CR")


def test_region_matters_for_local_numbers():
    # Eight digits are a Costa Rican mobile, but too short for Colombia.
    assert parse_phone("88881234", "CO").valid is False
    assert parse_phone("88881234", "CO").error.startswith("Número inválido para CO: 88881234")


def test_unknown_region_still_parses_international_numbers():
    assert parse_phone("+506 8888 1234", "ZZ").e164 == CR_MOBILE
    assert "código de país desconocido" in parse_phone("8888 1234", "ZZ").error


def test_parsed_phone_is_frozen():
    parsed = parse_phone("8888 1234", "CR")
    with pytest.raises(AttributeError):
        parsed.e164 = "+1"


def test_invalid_phone_is_value_error():
    assert issubclass(InvalidPhone, ValueError)


def test_validate_phone():
    assert validate_phone("8888-1234") is None
    assert validate_phone("+57 300 1234567") is None
    with pytest.raises(ValidationError) as excinfo:
        validate_phone("123")
    assert excinfo.value.code == "invalid_phone"
    assert excinfo.value.messages == ["Número inválido para CR: 123 (demasiado corto)"]
    with pytest.raises(ValidationError, match="Número vacío"):
        validate_phone("")


@pytest.mark.parametrize(
    ("e164", "region", "prefix", "expected"),
    [
        ("+50688881234", "CR", "", "88881234"),
        ("+50688881234", "CR", "9", "988881234"),
        ("+50622220000", "cr", "", "22220000"),
        ("+573001234567", "CR", "", "00573001234567"),
        ("+573001234567", "CR", "9", "900573001234567"),
        ("+573001234567", "CO", "", "3001234567"),
        ("+525512345678", "MX", "", "5512345678"),
        ("+56987654321", "CL", "0", "0987654321"),
        ("+50688881234", "MX", "", "0050688881234"),
        ("8888-1234", "CR", "", "88881234"),
    ],
)
def test_dial_string(e164, region, prefix, expected):
    assert dial_string(e164, region=region, prefix=prefix) == expected


@pytest.mark.parametrize("value", ["", "123", "garbage"])
def test_dial_string_rejects_invalid(value):
    with pytest.raises(InvalidPhone):
        dial_string(value, region="CR")


# The shortcut for plain digit strings (``_plain_number``) must give exactly what
# ``phonenumbers.parse`` gives: compared here over numbers of every type and shape, in regions
# with and without national prefixes, carrier codes and shared country codes.
DIFFERENTIAL_REGIONS = (
    "CR", "CO", "MX", "PE", "CL", "GT", "SV", "HN", "NI", "PA", "DO", "EC", "BO", "PY", "UY",
    "VE", "AR", "BR", "US", "CA", "ES", "IT", "RU", "KZ", "GB", "DE",
)  # fmt: skip


def _shapes(national: str, country_code: int, rng) -> list[str]:
    spaced = " ".join(national[i : i + 4] for i in range(0, len(national), 4))
    dashed = "-".join(national[i : i + 3] for i in range(0, len(national), 3))
    return [
        national,
        spaced,
        dashed,
        f"({national[:3]}) {national[3:]}",
        f"+{country_code} {spaced}",
        f"+{country_code}{national}",
        f"{country_code}{national}",
        f"0{national}",
        f"00{country_code}{national}",
        f"1{national}",
        f"8{national}",
        national[:-1],
        national + str(rng.randrange(10)),
        f"+{country_code}-{dashed}",
    ]


def test_plain_digit_strings_parse_as_phonenumbers_does():
    import random

    import phonenumbers

    from core.phones import _parse_text, _plain_number, _to_text

    rng = random.Random(7)
    compared = shortcut = 0
    for region in DIFFERENTIAL_REGIONS:
        country_code = phonenumbers.country_code_for_region(region)
        nationals = []
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example:
                nationals.append(phonenumbers.national_significant_number(example))
        nationals += ["".join(rng.choice("0123456789") for _ in range(rng.randint(3, 12))) for _ in range(60)]
        # Example numbers with their last digits changed: valid ranges, numbers never seen.
        for national in list(nationals[:2]):
            nationals += [national[:-3] + f"{rng.randrange(1000):03d}" for _ in range(20)]
        for national in nationals:
            for text in _shapes(national, country_code, rng):
                expected = _parse_text(text, _to_text(text), region)
                assert parse_phone(text, region) == expected, (region, text)
                compared += 1
                shortcut += expected.valid and _plain_number(_to_text(text), region) is not None
    assert compared > 10_000 and shortcut > 1_000, (compared, shortcut)  # both paths, many times
