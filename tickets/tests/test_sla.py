"""The SLA clock in business time: weekends, holidays, after-hours creation, lunch breaks,
time zones with daylight saving, pauses and reopening — under frozen time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tickets.choices import SlaState, Status
from tickets.sla import (
    Calendar,
    CalendarError,
    Span,
    add_business_minutes,
    add_business_time,
    business_minutes,
    business_time,
    clock_deadline,
    sla_view,
    warning_time,
)

CR = ZoneInfo("America/Costa_Rica")  # UTC−6, no daylight saving
OFFICE = {day: ((time(8), time(17)),) for day in range(5)}
LUNCH = {day: ((time(8), time(12)), (time(13), time(17))) for day in range(5)}
HOLIDAY = date(2026, 3, 3)  # a Tuesday
office = Calendar(hours=OFFICE)
office_with_holiday = Calendar(hours=OFFICE, holidays=frozenset({HOLIDAY}))


def cr(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A Costa Rica wall-clock time in March 2026 (the 2nd is a Monday)."""
    return datetime(2026, month, day, hour, minute, tzinfo=CR)


# --- add_business_time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (cr(2, 9), 60, cr(2, 10)),  # inside one day
        (cr(2, 16), 60, cr(2, 17)),  # uses the day's last minute: 17:00, not 08:00 tomorrow
        (cr(2, 16, 30), 60, cr(3, 8, 30)),  # runs over the evening
        (cr(6, 16), 120, cr(9, 9)),  # Friday afternoon → Monday morning: the weekend does not count
        (cr(2, 20), 30, cr(3, 8, 30)),  # created after hours: the clock starts next morning
        (cr(2, 6), 30, cr(2, 8, 30)),  # created before opening
        (cr(7, 10), 30, cr(9, 8, 30)),  # created on a Saturday
        (cr(2, 8), 9 * 60 * 5, cr(6, 17)),  # a whole working week
        (cr(2, 9), 9 * 60 * 5, cr(9, 9)),
        (cr(2, 9), 0, cr(2, 9)),
    ],
)
def test_deadline_in_business_hours(start, minutes, due):
    assert add_business_minutes(start, minutes, office) == due


def test_holidays_do_not_count():
    # Monday 16:00 + 2 h: one hour on Monday, Tuesday is a holiday, one hour on Wednesday.
    assert add_business_minutes(cr(2, 16), 120, office_with_holiday) == cr(4, 9)
    # created on the holiday itself
    assert add_business_minutes(cr(3, 10), 30, office_with_holiday) == cr(4, 8, 30)


def test_a_lunch_break_is_skipped():
    lunch = Calendar(hours=LUNCH)
    assert add_business_minutes(cr(2, 11, 30), 60, lunch) == cr(2, 13, 30)
    assert add_business_minutes(cr(2, 12, 15), 15, lunch) == cr(2, 13, 15)  # created during lunch
    assert business_minutes(cr(2, 11), cr(2, 14), lunch) == 120


def test_results_are_instants_whatever_the_input_zone():
    start_utc = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Costa Rica
    due = add_business_minutes(start_utc, 60, office)
    assert due == cr(2, 10) and due.tzinfo is UTC


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_minutes(datetime(2026, 3, 2, 9), 10, office)


def test_a_calendar_without_working_hours_is_an_error_not_a_hang():
    with pytest.raises(CalendarError):
        add_business_minutes(cr(2, 9), 1, Calendar(hours={}))
    assert business_time(cr(2, 9), cr(9, 9), Calendar(hours={})) == timedelta(0)


def test_twenty_four_seven():
    always = Calendar.twenty_four_seven()
    assert add_business_minutes(cr(7, 23), 120, always) == cr(8, 1)
    assert business_minutes(cr(6, 18), cr(9, 8), always) == (2 * 24 + 14) * 60


# --- business_time ---------------------------------------------------------------------------


def test_business_time_between_two_instants():
    assert business_minutes(cr(6, 16), cr(9, 9), office) == 120
    assert business_minutes(cr(2, 18), cr(3, 7), office) == 0  # a night
    assert business_minutes(cr(2, 9), cr(2, 9), office) == 0
    assert business_minutes(cr(3, 9), cr(2, 9), office) == 0  # backwards
    assert business_minutes(cr(2, 16), cr(4, 9), office_with_holiday) == 120


def test_business_time_and_deadline_agree():
    """For many starts (in and out of hours) and amounts, counting the time up to the deadline
    gives back the amount."""
    for start in (cr(2, 7, 13), cr(2, 8), cr(2, 12, 59), cr(6, 16, 45), cr(7, 11), cr(3, 10, 5)):
        for minutes in (1, 59, 60, 61, 539, 540, 541, 2000, 9 * 60 * 7):
            due = add_business_minutes(start, minutes, office_with_holiday)
            assert business_minutes(start, due, office_with_holiday) == minutes, (start, minutes)


def test_daylight_saving_changes_do_not_stretch_a_working_day():
    """Chile leaves daylight saving in the night of Saturday 4 April 2026: the working day stays
    nine hours long on both sides of the change."""
    santiago = ZoneInfo("America/Santiago")
    chile = Calendar(time_zone="America/Santiago", hours=OFFICE)
    friday = datetime(2026, 4, 3, 16, tzinfo=santiago)
    monday = datetime(2026, 4, 6, 9, tzinfo=santiago)
    assert business_minutes(friday, monday, chile) == 120
    assert add_business_minutes(friday, 120, chile) == monday
    assert monday.utcoffset() != friday.utcoffset()  # the change really is in between


# --- clocks with pauses ----------------------------------------------------------------------


def test_waiting_pauses_the_resolution_clock():
    spans = [
        Span(Status.ABIERTO, cr(2, 9), cr(2, 10)),  # 60 min
        Span(Status.EN_ESPERA, cr(2, 10), cr(2, 14)),  # paused
        Span(Status.EN_PROGRESO, cr(2, 14)),
    ]
    with time_machine.travel(cr(2, 15), tick=False):
        clock = clock_deadline(spans, timedelta(minutes=180), office, timezone.now())
    assert clock.running and clock.due == cr(2, 16)  # 120 min left from 14:00
    assert clock.elapsed == timedelta(minutes=120) and clock.remaining == timedelta(minutes=60)


def test_a_paused_clock_keeps_what_was_left():
    spans = [Span(Status.ABIERTO, cr(2, 9), cr(2, 10)), Span(Status.EN_ESPERA, cr(2, 10))]
    with time_machine.travel(cr(4, 12), tick=False):  # two days later, still waiting
        clock = clock_deadline(spans, timedelta(minutes=180), office, timezone.now())
    assert not clock.running and clock.remaining == timedelta(minutes=120)
    # the deadline is projected from the pause: 120 minutes after 10:00, as before the pause
    assert clock.due == cr(2, 12)
    assert business_time(spans[-1].start, clock.due, office) == clock.remaining


def test_a_pause_over_a_weekend_and_a_holiday():
    spans = [
        Span(Status.ABIERTO, cr(6, 16), cr(6, 17)),  # Friday 60 min
        Span(Status.EN_ESPERA, cr(6, 17), cr(9, 12)),  # waiting until Monday noon
        Span(Status.EN_PROGRESO, cr(9, 12)),
    ]
    calendar = Calendar(hours=OFFICE, holidays=frozenset({date(2026, 3, 10)}))
    with time_machine.travel(cr(9, 12), tick=False):
        clock = clock_deadline(spans, timedelta(minutes=600), calendar, timezone.now())
    # 540 min left from Monday 12:00: 300 on Monday, Tuesday is a holiday, 240 on Wednesday.
    assert clock.due == cr(11, 12)


def test_reopening_a_resolved_ticket_restarts_the_clock_with_what_was_left():
    spans = [
        Span(Status.ABIERTO, cr(2, 9), cr(2, 10)),
        Span(Status.RESUELTO, cr(2, 10), cr(3, 9)),  # resolved time does not count
        Span(Status.ABIERTO, cr(3, 9)),
    ]
    with time_machine.travel(cr(3, 9, 30), tick=False):
        clock = clock_deadline(spans, timedelta(minutes=120), office, timezone.now())
    assert clock.due == cr(3, 10)


def test_a_deadline_passed_before_a_pause_stays_in_the_past():
    spans = [
        Span(Status.ABIERTO, cr(2, 9), cr(2, 17)),  # 480 min against a 180 min target
        Span(Status.EN_ESPERA, cr(2, 17), cr(3, 9)),
        Span(Status.EN_PROGRESO, cr(3, 9)),
    ]
    with time_machine.travel(cr(3, 10), tick=False):
        clock = clock_deadline(spans, timedelta(minutes=180), office, timezone.now())
    assert clock.due == cr(2, 12) and clock.remaining < timedelta(0)


def test_closing_a_resolved_ticket_does_not_move_its_deadline():
    spans = [
        Span(Status.ABIERTO, cr(2, 9), cr(2, 11)),
        Span(Status.RESUELTO, cr(2, 11), cr(4, 10)),
        Span(Status.CERRADO, cr(4, 10)),
    ]
    with time_machine.travel(cr(9, 9), tick=False):
        clock = clock_deadline(spans, timedelta(minutes=180), office, timezone.now())
    assert clock.due == cr(2, 12) and not clock.running


def test_a_resolved_ticket_met_its_target_exactly_when_resolved_before_the_deadline():
    on_time = [Span(Status.ABIERTO, cr(2, 9), cr(2, 11)), Span(Status.RESUELTO, cr(2, 11))]
    late = [Span(Status.ABIERTO, cr(2, 9), cr(2, 13)), Span(Status.RESUELTO, cr(2, 13))]
    with time_machine.travel(cr(5, 9), tick=False):
        met = clock_deadline(on_time, timedelta(minutes=180), office, timezone.now())
        missed = clock_deadline(late, timedelta(minutes=180), office, timezone.now())
    assert met.due == missed.due == cr(2, 12)
    assert cr(2, 11) <= met.due and cr(2, 13) > missed.due


# --- how a ticket stands, derived at read time -------------------------------------------------


def view(due, *, done=None, running=True, stopped=None, target=100):
    return sla_view(
        due=due,
        target_minutes=target,
        done_at=done,
        running=running,
        stopped_at=stopped,
        now=timezone.now(),
        calendar=office,
        warning_percent=20,
    )


def test_state_changes_as_the_clock_moves_on():
    due = cr(2, 12)
    with time_machine.travel(cr(2, 9), tick=False):
        assert view(due).state == SlaState.OK
        assert view(due).remaining == timedelta(minutes=180)
    with time_machine.travel(cr(2, 11, 40), tick=False):  # 20 of 100 minutes left: amber
        assert view(due).state == SlaState.WARNING and view(due).colour == "warning"
    with time_machine.travel(cr(2, 12), tick=False):
        assert view(due).state == SlaState.BREACHED
    with time_machine.travel(cr(3, 9), tick=False):  # overdue by the working time since
        breached = view(due)
        assert breached.state == SlaState.BREACHED and breached.remaining == -timedelta(minutes=360)
        assert breached.colour == "danger" and breached.label == "Vencido"


def test_after_hours_do_not_make_a_ticket_look_closer_to_breach():
    due = cr(3, 10)  # tomorrow 10:00
    with time_machine.travel(cr(2, 23), tick=False):
        assert view(due, target=300).remaining == timedelta(minutes=120)


def test_met_missed_and_paused():
    due = cr(2, 12)
    with time_machine.travel(cr(5, 9), tick=False):
        assert view(due, done=cr(2, 11)).state == SlaState.MET
        assert view(due, done=cr(2, 13)).state == SlaState.MISSED
        paused = view(due, running=False, stopped=cr(2, 11))
        assert paused.state == SlaState.PAUSED and paused.remaining == timedelta(minutes=60)
        assert view(due, running=False, stopped=cr(2, 14)).state == SlaState.BREACHED
        assert view(None).state == SlaState.NONE


def test_warning_time_leaves_the_configured_share():
    # 100-minute target, 20 % warning: warn once 80 minutes have run, in business time.
    assert warning_time(cr(2, 16, 30), timedelta(minutes=100), 100, 20, office) == cr(3, 8, 50)
    # resumed with only 10 minutes left: warn at once
    assert warning_time(cr(2, 9), timedelta(minutes=10), 100, 20, office) == cr(2, 9)
    assert add_business_time(cr(2, 9), -timedelta(minutes=5), office) == cr(2, 9)


def test_the_running_totals_give_what_counting_day_by_day_gives():
    """The calendar keeps running totals per day; asked in any order (later days first, then
    earlier ones), they must match adding up each day's windows."""
    calendar = Calendar(hours=LUNCH, holidays=frozenset({HOLIDAY, date(2026, 4, 2)}))

    def naive(start, end):
        total, day = timedelta(0), calendar.local_date(start)
        while day <= calendar.local_date(end):
            for window_start, window_end in calendar.windows(day):
                total += max(timedelta(0), min(window_end, end) - max(window_start, start))
            day += timedelta(days=1)
        return total

    moments = [cr(20, 10), cr(2, 9, 15), cr(28, 16, 40), cr(6, 23), cr(1, 3), datetime(2026, 4, 9, 11, tzinfo=CR)]
    for start in moments:
        for end in moments:
            assert business_time(start, end, calendar) == (naive(start, end) if end > start else timedelta(0))
