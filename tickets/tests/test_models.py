"""Ticket numbers, catalogue rules and canned-response templates."""

import pytest
from django.core.exceptions import ValidationError

from tickets.models import CannedResponse, number_for, pk_from_number
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_number_comes_from_the_primary_key():
    ticket = TicketFactory()
    assert ticket.number == f"TCK-{ticket.pk:06d}"
    assert str(ticket).startswith(ticket.number)
    assert number_for(123) == "TCK-000123"
    assert number_for(1234567) == "TCK-1234567"  # past six digits it simply grows


@pytest.mark.parametrize(
    ("text", "pk"),
    [("TCK-000123", 123), ("tck-123", 123), ("TCK123", 123), (" 000123 ", 123), ("123", 123), ("TCK-", None)],
)
def test_number_is_read_back_in_any_usual_form(text, pk):
    assert pk_from_number(text) == pk


@pytest.mark.parametrize("text", ["", "abc", "TCK-12a", "12 34", "-5"])
def test_anything_else_is_not_a_number(text):
    assert pk_from_number(text) is None


def test_canned_response_refuses_unknown_variables():
    canned = CannedResponse(title="Hola", body="Hola {requester_name}, sobre {ticket_numero}")
    with pytest.raises(ValidationError) as exc:
        canned.full_clean()
    assert "ticket_numero" in str(exc.value.message_dict["body"])


def test_canned_response_fills_known_variables_and_leaves_the_rest():
    canned = CannedResponse(title="Hola", body="Hola {requester_name}: {ticket_number} {x.__class__} {otra}")
    text = canned.render({"requester_name": "Andrea", "ticket_number": "TCK-000007"})
    assert text == "Hola Andrea: TCK-000007 {x.__class__} {otra}"
