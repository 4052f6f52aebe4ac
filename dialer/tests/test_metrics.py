"""The metrics selectors against figures worked out by hand (dialer/tests/metrics_data.py)."""

from datetime import date

import pytest
import time_machine

from core.roles import Role
from core.testing.factories import UserFactory
from dialer import metrics, selectors
from dialer.tests.metrics_data import (
    AGENTE_B_DAY,
    AGENTE_DAY,
    AGENTE_PREVIOUS_DAY,
    AGENTE_TWO_DAYS,
    DAY,
    NEXT_DAY,
    NOTHING,
    NOW,
    OUTSIDER_DAY,
    PREVIOUS_DAY,
    SUPERVISOR_DAY,
    TEAM_DAY,
    figures,
    local,
    make_call,
    make_calls,
)

pytestmark = pytest.mark.django_db

FIGURES = tuple(NOTHING)


@pytest.fixture
def calls(users, campaign, campaign_b):
    with time_machine.travel(NOW, tick=False):
        return make_calls(users, campaign, campaign_b)


def only_figures(row: dict) -> dict:
    return {name: row[name] for name in FIGURES}


def test_agent_figures_for_a_day_and_a_range(users, calls):
    agente, supervisor = users["agente"], users["supervisor"]
    day = metrics.agent_metrics(user=agente, agent=agente, date_from=DAY, date_to=DAY)
    assert day["totals"] == AGENTE_DAY
    two_days = metrics.agent_metrics(user=supervisor, agent=agente, date_from=PREVIOUS_DAY, date_to=DAY)
    assert two_days["totals"] == AGENTE_TWO_DAYS
    # The call that started at 00:00:05 on the next day belongs to that day.
    next_day = metrics.agent_metrics(user=agente, agent=agente, date_from=NEXT_DAY, date_to=NEXT_DAY)
    assert next_day["totals"] == figures(1, 0, 0, 1, 0, 0, 0, 0.0)


def test_the_figures_are_the_ones_each_call_end_answers(users, calls):
    """The pages and the machine API's answer to a call's end say the same for the same day."""
    agente = users["agente"]
    assert selectors.agent_day_metrics(user=agente, day=DAY) == {"date": "2026-03-02", **AGENTE_DAY}
    page = metrics.agent_metrics(user=agente, agent=agente, date_from=DAY, date_to=DAY)["totals"]
    assert calls["a8"].end_response["today"] == {"date": "2026-03-02", **page}


def test_agent_days_for_the_chart(users, calls):
    agente = users["agente"]
    data = metrics.agent_metrics(user=agente, agent=agente, date_from=PREVIOUS_DAY, date_to=NEXT_DAY)
    assert [row["day"] for row in data["by_day"]] == [PREVIOUS_DAY, DAY, NEXT_DAY]
    assert [only_figures(row) for row in data["by_day"]] == [
        AGENTE_PREVIOUS_DAY,
        AGENTE_DAY,
        figures(1, 0, 0, 1, 0, 0, 0, 0.0),
    ]
    chart = metrics.chart_data(data["by_day"])
    assert chart == {
        "labels": ["01/03", "02/03", "03/03"],
        "dates": ["2026-03-01", "2026-03-02", "2026-03-03"],
        "calls": [2, 5, 1],
        "answered": [1, 3, 0],
        "talk_minutes": [5.0, 3.8, 0.0],
    }


def test_a_single_day_draws_the_two_weeks_up_to_it(users, calls):
    agente = users["agente"]
    data = metrics.agent_metrics(user=agente, agent=agente, date_from=DAY, date_to=DAY)
    days = [row["day"] for row in data["by_day"]]
    assert len(days) == metrics.TREND_DAYS and days[0] == date(2026, 2, 17) and days[-1] == DAY
    assert only_figures(data["by_day"][-2]) == AGENTE_PREVIOUS_DAY
    assert only_figures(data["by_day"][0]) == NOTHING
    assert data["totals"] == AGENTE_DAY  # the figures stay the range's


def test_recent_calls_are_the_agents_newest_in_the_range_in_progress_included(users, calls):
    agente = users["agente"]
    recent = metrics.agent_metrics(user=agente, agent=agente, date_from=DAY, date_to=DAY)["recent_calls"]
    assert recent == [calls[name] for name in ("a8", "a5", "a4", "a3", "a2", "a1")]


def test_team_table_has_a_row_per_member_and_the_totals(users, calls):
    supervisor = users["supervisor"]
    idle = UserFactory(username="zoe", first_name="Zoe", last_name="Zúñiga", role=Role.AGENTE, supervisor=supervisor)
    table = metrics.team_metrics(user=supervisor, supervisor=supervisor, date_from=DAY, date_to=DAY)
    rows = {row["id"]: row for row in table["rows"]}
    assert set(rows) == {users["agente"].pk, users["agente_b"].pk, supervisor.pk, idle.pk}
    assert only_figures(rows[users["agente"].pk]) == AGENTE_DAY
    assert only_figures(rows[users["agente_b"].pk]) == AGENTE_B_DAY
    assert only_figures(rows[supervisor.pk]) == SUPERVISOR_DAY
    assert only_figures(rows[idle.pk]) == NOTHING  # no calls: a row of zeros
    assert table["totals"] == TEAM_DAY
    names = [row["name"] for row in table["rows"]]
    assert names == sorted(names, key=str.casefold)


def test_team_table_reads_the_same_for_the_admin(users, calls):
    admin, supervisor = users["admin"], users["supervisor"]
    table = metrics.team_metrics(user=admin, supervisor=supervisor, date_from=DAY, date_to=DAY)
    assert table["totals"] == TEAM_DAY
    other = users["outsider"].supervisor
    assert metrics.team_metrics(user=admin, supervisor=other, date_from=DAY, date_to=DAY)["totals"] == OUTSIDER_DAY


def test_team_table_is_one_grouped_query_whatever_the_team_size(users, calls, django_assert_num_queries):
    supervisor = users["supervisor"]
    with django_assert_num_queries(2):  # the figures grouped by agent, then the members without calls
        metrics.team_metrics(user=supervisor, supervisor=supervisor, date_from=DAY, date_to=DAY)
    for n in range(6):
        UserFactory(username=f"extra{n}", role=Role.AGENTE, supervisor=supervisor)
    with django_assert_num_queries(2):
        table = metrics.team_metrics(user=supervisor, supervisor=supervisor, date_from=DAY, date_to=DAY)
    assert len(table["rows"]) == 9


def test_campaign_and_team_totals_for_the_admin(users, calls, campaign, campaign_b):
    admin = users["admin"]
    overview = metrics.overview_metrics(user=admin, date_from=DAY, date_to=DAY)
    by_campaign = {row["name"]: only_figures(row) for row in overview["by_campaign"]}
    assert by_campaign == {
        "Cobranza CR": AGENTE_DAY,
        "Telefónica CR": AGENTE_B_DAY,
        # the supervisor's and the outsider's calls were dialled by hand
        "Sin campaña": figures(2, 2, 0, 0, 0, 590, 295, 100.0),
    }
    assert [row["name"] for row in overview["by_campaign"]][-1] == "Sin campaña"
    by_team = {row["id"]: only_figures(row) for row in overview["by_team"]}
    assert by_team == {users["supervisor"].pk: TEAM_DAY, users["outsider"].supervisor_id: OUTSIDER_DAY}
    # Everything: 10 calls, 7 answered, 546 + 500 = 1046 s → AHT 149.43 → 149; 7 / 10 = 70 %.
    assert overview["totals"] == figures(10, 7, 1, 1, 1, 1046, 149, 70.0)


def test_agents_without_a_supervisor_are_one_team_row(users, calls):
    loner = UserFactory(username="solo", role=Role.AGENTE)
    with time_machine.travel(NOW, tick=False):
        make_call(loner, local(DAY, 14), 61)
    rows = metrics.teams_metrics(user=users["admin"], date_from=DAY, date_to=DAY)["rows"]
    assert rows[-1]["id"] is None and rows[-1]["name"] == "Sin equipo"
    assert only_figures(rows[-1]) == figures(1, 1, 0, 0, 0, 61, 61, 100.0)


def test_overview_costs_a_fixed_number_of_queries(users, calls, django_assert_num_queries):
    # totals-by-campaign, days, teams, team leaders' names
    with django_assert_num_queries(4):
        metrics.overview_metrics(user=users["admin"], date_from=PREVIOUS_DAY, date_to=NEXT_DAY)


def test_figures_are_scoped_to_what_the_viewer_sees(users, calls):
    """The selectors count only what visible_to lets the viewer find in the call log."""
    supervisor, backoffice = users["supervisor"], users["backoffice"]
    # A supervisor asking for another team gets nothing of it.
    other = users["outsider"].supervisor
    assert metrics.team_metrics(user=supervisor, supervisor=other, date_from=DAY, date_to=DAY)["totals"] == NOTHING
    # Backoffice of the collections campaign: only that campaign's calls.
    assert metrics.campaign_metrics(user=backoffice, date_from=DAY, date_to=DAY)["totals"] == AGENTE_DAY
    # An agent asking about a teammate through the selector sees nothing of theirs.
    agente, agente_b = users["agente"], users["agente_b"]
    assert metrics.agent_metrics(user=agente, agent=agente_b, date_from=DAY, date_to=DAY)["totals"] == NOTHING


def test_a_range_backwards_is_refused():
    with pytest.raises(ValueError):
        metrics.period_calls(user=None, date_from=DAY, date_to=PREVIOUS_DAY)


def test_derived_figures_round_half_up():
    assert selectors.derived_figures(figures(16, 1, 0, 0, 0, 5, None, None)) == figures(16, 1, 0, 0, 0, 5, 5, 6.3)
    assert selectors.derived_figures(figures(8, 2, 0, 0, 0, 5, None, None))["average_handle_seconds"] == 3  # 2.5
    assert selectors.derived_figures(figures(0, 0, 0, 0, 0, None, None, None)) == NOTHING
