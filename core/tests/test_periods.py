"""The shared date range of dashboards and metrics pages."""

from datetime import date

import pytest
import time_machine

from core.periods import PeriodForm


class Short(PeriodForm):
    max_range_days = 10


@time_machine.travel("2026-03-10 15:00-06:00", tick=False)
@pytest.mark.parametrize(
    "data, expected",
    [
        (None, (date(2026, 2, 9), date(2026, 3, 10))),  # unbound: the last 30 days
        ({}, (date(2026, 2, 9), date(2026, 3, 10))),
        ({"from": "2026-03-05"}, (date(2026, 3, 5), date(2026, 3, 10))),  # "desde" alone: to today
        ({"to": "2026-03-01"}, (date(2026, 1, 31), date(2026, 3, 1))),  # "hasta" alone: 30 days before
        ({"from": "2026-03-01", "to": "2026-03-04"}, (date(2026, 3, 1), date(2026, 3, 4))),
    ],
)
def test_the_period_asked_for(data, expected):
    assert PeriodForm(data).period() == expected


@time_machine.travel("2026-03-10 15:00-06:00", tick=False)
@pytest.mark.parametrize(
    "data, message",
    [
        ({"from": "ayer"}, "Fecha no válida: usa el formato AAAA-MM-DD."),
        ({"from": "2026-03-09", "to": "2026-03-01"}, "La fecha «Desde» no puede ser posterior a «Hasta»."),
        ({"from": "2026-02-01", "to": "2026-03-01"}, "El rango máximo es de 10 días; elegiste 29."),
    ],
)
def test_a_bad_period_says_why_and_falls_back_to_the_default(data, message):
    form = Short(data)
    assert not form.is_valid()
    assert message in str(form.errors)
    assert form.period() == (date(2026, 2, 9), date(2026, 3, 10))


@time_machine.travel("2026-03-10 15:00-06:00", tick=False)
@pytest.mark.parametrize(
    "data, shown",
    [
        ({"from": "2026-03-05"}, ("2026-03-05", "2026-03-10")),  # "hasta" shows today
        ({"to": "2026-03-01"}, ("2026-01-31", "2026-03-01")),
        ({"from": "2026-3-5", "to": ""}, ("2026-3-5", "2026-03-10")),  # never rewrites what was typed
    ],
)
def test_the_fields_show_the_range_used_when_one_end_was_left_empty(data, shown, rf):
    request = rf.get("/", data)  # a real, immutable QueryDict
    form = PeriodForm(request.GET)
    form.is_valid()
    assert (form["from"].value(), form["to"].value()) == shown
    assert f'value="{shown[1]}"' in str(form["to"])
