import datetime
from decimal import Decimal

import pytest
from stdnum.cl import rut
from stdnum.co import nit

from core.ids import DocumentType, InvalidDocument, ValidDocument, document_types_for, validate_document

# Sample numbers come from python-stdnum's own doctests; the rest are computed with stdnum below.
NIT_900 = "900123456" + nit.calc_check_digit("900123456")
RUT_K = next(str(n) for n in range(10_000_000, 10_000_100) if rut.calc_check_digit(str(n)) == "K")


def test_computed_samples():
    assert NIT_900 == "9001234568"
    assert RUT_K == "10000013"


@pytest.mark.parametrize(
    ("country", "number", "doc_type", "compact", "formatted"),
    [
        # Costa Rica: cédula física, jurídica, DIMEX.
        ("CR", "3-0455-0175", "cedula", "0304550175", "03-0455-0175"),
        ("CR", "1-0234-0567", "cedula", "0102340567", "01-0234-0567"),
        ("CR", 102340567, "cedula", "0102340567", "01-0234-0567"),
        ("CR", 102340567.0, "cedula", "0102340567", "01-0234-0567"),
        ("CR", "102340567.0", "cedula", "0102340567", "01-0234-0567"),
        ("CR", "0102340567", "cedula", "0102340567", "01-0234-0567"),
        ("CR", "701610395", "cedula", "0701610395", "07-0161-0395"),
        ("CR", "1-613-584", "cedula", "0106130584", "01-0613-0584"),
        ("CR", " 1-0234-0567\u00a0", "cedula", "0102340567", "01-0234-0567"),
        ("CR", "3-101-999999", "cedula_juridica", "3101999999", "3-101-999999"),
        ("CR", 3101999999, "cedula_juridica", "3101999999", "3-101-999999"),
        ("CR", "4 000 042138", "cedula_juridica", "4000042138", "4-000-042138"),
        ("CR", "155812994816", "dimex", "155812994816", "155812994816"),
        ("CR", 122200569906, "dimex", "122200569906", "122200569906"),
        # Colombia: cédula (no checksum) and NIT.
        ("CO", "1.012.345.678", "cedula", "1012345678", "1.012.345.678"),
        ("CO", 79123456, "cedula", "79123456", "79.123.456"),
        ("CO", "52 123 456", "cedula", "52123456", "52.123.456"),
        ("CO", "123456", "cedula", "123456", "123.456"),
        ("CO", "213.123.432-1", "nit", "2131234321", "213.123.432-1"),
        ("CO", "900.123.456-8", "nit", NIT_900, "900.123.456-8"),
        ("CO", "900123456-8", "nit", NIT_900, "900.123.456-8"),
        # Mexico: CURP and RFC (persons and companies).
        ("MX", "BOXW310820HNERXN09", "curp", "BOXW310820HNERXN09", "BOXW310820HNERXN09"),
        ("MX", "boxw310820hnerxn09", "curp", "BOXW310820HNERXN09", "BOXW310820HNERXN09"),
        ("MX", "GODE 561231 GR8", "rfc", "GODE561231GR8", "GODE 561231 GR8"),
        ("MX", "MAB-930714-8T4", "rfc", "MAB9307148T4", "MAB 930714 8T4"),
        ("MX", "COMG-600703", "rfc", "COMG600703", "COMG 600703"),
        # Chile: RUT.
        ("CL", "76086428-5", "rut", "760864285", "76.086.428-5"),
        ("CL", "CL 12531909-2", "rut", "125319092", "12.531.909-2"),
        ("CL", "12.531.909-2", "rut", "125319092", "12.531.909-2"),
        ("CL", 760864285, "rut", "760864285", "76.086.428-5"),
        ("CL", 760864285.0, "rut", "760864285", "76.086.428-5"),
        ("CL", f"{RUT_K}-k", "rut", f"{RUT_K}K", "10.000.013-K"),
        # Countries without a stdnum module: any cleaned alphanumeric document.
        ("US", "A1234567", "otro", "A1234567", "A1234567"),
        ("pe", "  ab-12.345 ", "otro", "AB12345", "AB12345"),
        ("", "X12345", "otro", "X12345", "X12345"),
    ],
)
def test_auto_detect(country, number, doc_type, compact, formatted):
    result = validate_document(country, number)
    assert result == ValidDocument(country=country.upper(), doc_type=doc_type, compact=compact)
    assert result.formatted == formatted


@pytest.mark.parametrize(
    ("country", "number", "doc_type", "compact"),
    [
        ("CR", "1-0234-0567", DocumentType.CEDULA, "0102340567"),
        ("CR", "3-101-999999", "cedula_juridica", "3101999999"),
        ("CR", "155812994816", " DIMEX ", "155812994816"),
        ("CO", "2131234321", "nit", "2131234321"),
        ("CO", 9001234568, DocumentType.NIT, NIT_900),
        ("MX", "GODE561231GR8", "rfc", "GODE561231GR8"),
        ("MX", "BOXW310820HNERXN09", "curp", "BOXW310820HNERXN09"),
        ("CL", "76086428-5", "rut", "760864285"),
        ("CR", "AB 123-456", "pasaporte", "AB123456"),
        ("CL", "P1234567", DocumentType.PASAPORTE, "P1234567"),
        ("US", 123456789, "pasaporte", "123456789"),
        ("MX", "ZX-998877", "otro", "ZX998877"),
    ],
)
def test_explicit_type(country, number, doc_type, compact):
    result = validate_document(country, number, doc_type)
    assert result.compact == compact
    assert result.doc_type == DocumentType(str(doc_type).strip().lower())


def test_ten_digit_colombian_number_defaults_to_cedula():
    # Without a hyphen a 10-digit number is read as a cédula; ask for NIT explicitly.
    assert validate_document("CO", "2131234321").doc_type == "cedula"
    assert validate_document("CO", "2131234321", "nit").doc_type == "nit"


@pytest.mark.parametrize(
    ("country", "number", "doc_type", "message"),
    [
        (
            "CR",
            "12345",
            None,
            "Documento inválido para CR: 12345 (Cédula de identidad: longitud incorrecta; "
            "Cédula jurídica: longitud incorrecta; DIMEX (cédula de residencia): longitud incorrecta)",
        ),
        ("CR", "30-1234-1234", "cedula", "Cédula de identidad: contiene una parte imposible"),
        ("CR", "3-534-123559", "cedula_juridica", "Cédula jurídica: contiene una parte imposible"),
        ("CR", "30123456789", "dimex", "DIMEX (cédula de residencia): contiene una parte imposible"),
        ("CR", "1-0234-05AB", "cedula", "Cédula de identidad: formato incorrecto"),
        ("CO", "2131234325", "nit", "NIT: dígito verificador incorrecto"),
        ("CO", "213.123.432-5", None, "Cédula de identidad: formato incorrecto; NIT: dígito verificador incorrecto"),
        ("CO", "12345", None, "Cédula de identidad: longitud incorrecta; NIT: longitud incorrecta"),
        ("CO", "0123456", "cedula", "Cédula de identidad: formato incorrecto"),
        ("CO", "12345", "cedula", "Cédula de identidad: longitud incorrecta"),
        ("CO", "12345678901", "cedula", "Cédula de identidad: longitud incorrecta"),
        ("MX", "BOXW310820HNERXN08", None, "CURP: dígito verificador incorrecto; RFC: longitud incorrecta"),
        ("MX", "GODE 561331 GR8", "rfc", "RFC: contiene una parte imposible"),
        ("CL", "12531909-3", None, "Documento inválido para CL: 12531909-3 (RUT: dígito verificador incorrecto)"),
        ("CL", "76086A28-5", None, "RUT: formato incorrecto"),
        # A RUT that lost its check digit in Excel: 76086428 and 12531909 are not valid RUTs.
        ("CL", 76086428, None, "Documento inválido para CL: 76086428 (RUT: dígito verificador incorrecto)"),
        ("CL", 12531909, None, "RUT: dígito verificador incorrecto"),
        ("CL", 7608642, None, "RUT: longitud incorrecta"),
        ("CR", "123", "pasaporte", "Documento inválido para CR: 123 (Pasaporte: longitud incorrecta)"),
        ("CR", "A" * 21, "pasaporte", "Pasaporte: longitud incorrecta"),
        ("US", "Ñ12345", None, "Documento inválido para US: Ñ12345 (Otro documento: formato incorrecto)"),
        ("US", "AB#12345", None, "Otro documento: formato incorrecto"),
    ],
)
def test_invalid_numbers(country, number, doc_type, message):
    with pytest.raises(InvalidDocument) as excinfo:
        validate_document(country, number, doc_type)
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (None, "Documento vacío"),
        ("", "Documento vacío"),
        ("   ", "Documento vacío"),
        (float("nan"), "Documento vacío"),
        (12.5, "Documento inválido: «12.5» no es un número de documento"),
        (Decimal("1.5"), "Documento inválido: «1.5» no es un número de documento"),
        (float("inf"), "Documento inválido: «inf» no es un número de documento"),
        (True, "Documento inválido: «True» no es un número de documento"),
        (datetime.date(2024, 1, 2), "Documento inválido: «2024-01-02» no es un número de documento"),
    ],
)
def test_garbage(number, message):
    with pytest.raises(InvalidDocument) as excinfo:
        validate_document("CR", number)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    ("country", "doc_type", "message"),
    [
        ("CR", "rfc", "El tipo RFC no aplica a CR"),
        ("CL", "nit", "El tipo NIT no aplica a CL"),
        ("US", "cedula", "El tipo Cédula de identidad no aplica a US"),
        ("CR", "licencia", "Tipo de documento desconocido: licencia"),
    ],
)
def test_wrong_document_type(country, doc_type, message):
    with pytest.raises(InvalidDocument) as excinfo:
        validate_document(country, "1-0234-0567", doc_type)
    assert str(excinfo.value) == message


def test_invalid_document_is_value_error():
    assert issubclass(InvalidDocument, ValueError)


def test_valid_document_is_frozen():
    result = validate_document("CL", "76086428-5")
    with pytest.raises(AttributeError):
        result.compact = "1"


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("CR", ["cedula", "cedula_juridica", "dimex", "pasaporte", "otro"]),
        ("cr", ["cedula", "cedula_juridica", "dimex", "pasaporte", "otro"]),
        ("CO", ["cedula", "nit", "pasaporte", "otro"]),
        ("MX", ["curp", "rfc", "pasaporte", "otro"]),
        ("CL", ["rut", "pasaporte", "otro"]),
        ("US", ["pasaporte", "otro"]),
        ("", ["pasaporte", "otro"]),
    ],
)
def test_document_types_for(country, expected):
    types = document_types_for(country)
    assert types == expected
    assert all(isinstance(t, DocumentType) for t in types)


def test_document_type_choices():
    values = {choice.value for choice in DocumentType}
    assert {"cedula", "nit", "rfc", "curp", "rut", "cedula_juridica", "dimex", "pasaporte"} <= values
    assert DocumentType.CEDULA_JURIDICA.label == "Cédula jurídica"
