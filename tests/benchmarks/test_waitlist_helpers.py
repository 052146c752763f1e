"""The pure helpers of benchmarks/waitlist.py and benchmarks/rush.py: the plan of a run and how its figures are read."""

import datetime
import random
from argparse import Namespace
from collections import Counter

from benchmarks import rush, waitlist

MOMENT = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.UTC)


def test_the_cancellations_are_spread_over_the_threads_some_at_the_same_instant_from_different_threads():
    plan = waitlist.cancel_plan(100, 60.0, 4, random.Random(15))

    instants = [instant for thread in plan for instant in thread]
    assert len(instants) == 100
    assert all(0 <= instant <= 60 for instant in instants)
    assert all(thread == sorted(thread) for thread in plan)
    assert all(len(set(thread)) == len(thread) for thread in plan)  # a group's members are in different threads
    assert max(Counter(instants).values()) > 1


def test_a_family_chooses_the_same_way_from_the_same_seed_and_waits_within_the_bounds():
    args = Namespace(weights=[0.5, 0.3, 0.2], react=(0.5, 5.0), expire_in=(50.0, 58.0))

    choices = [waitlist.decide(15, arrival, 1, args) for arrival in range(300)]

    assert choices == [waitlist.decide(15, arrival, 1, args) for arrival in range(300)]
    assert {choice for choice, _seconds in choices} == {"accept", "decline", "expire"}
    for choice, seconds in choices:
        assert 50.0 <= seconds <= 58.0 if choice == "expire" else 0.5 <= seconds <= 5.0


def test_a_place_freed_at_an_expired_deadline_is_an_expirys_else_the_cancellation_or_decline_just_before():
    deadline = MOMENT + datetime.timedelta(minutes=3)
    cancelled = MOMENT + datetime.timedelta(minutes=1)

    assert waitlist.cause_of(deadline, {deadline}, [cancelled]) == "expiry"
    assert waitlist.cause_of(cancelled + datetime.timedelta(milliseconds=3), {deadline}, [cancelled]) == (
        "cancellation or decline"
    )
    assert waitlist.cause_of(cancelled + datetime.timedelta(seconds=30), {deadline}, [cancelled]) == "other"


def test_the_percentile_is_the_nearest_rank():
    values = [float(value) for value in range(1, 101)]

    assert waitlist.percentile(values, 0.5) == 51.0
    assert waitlist.percentile(values, 0.95) == 95.0
    assert waitlist.percentile([3.0], 0.95) == 3.0


def test_the_rush_reads_the_position_and_the_waiting_rank_from_the_message_shown():
    page = (
        '<div class="messages" role="status"><p class="message message--warning">La demande pour Léa est sur '
        "la liste d&#x27;attente de « Surf » : 57e demande pour 40 places ; 12e famille en attente "
        "d&#x27;une place : une place libérée vous sera proposée dans l&#x27;ordre d&#x27;arrivée.</p></div>"
    )
    waiting = rush.Answer(302, 0.1, message=" ".join(rush.messages_shown(page)))
    first = rush.Answer(302, 0.1, message="Demande envoyée pour Tom : 1re demande pour 40 places. Le club…")
    again = rush.Answer(
        302,
        0.1,
        message="La demande pour Tom à « Surf » est bien enregistrée : 3e demande pour 4 places.",
    )

    assert (waiting.position, waiting.waiting_rank) == (57, 12)
    assert (first.position, first.waiting_rank) == (1, None)
    assert (again.position, again.waiting_rank) == (3, None)


def test_a_deadline_falls_with_a_watcher_on_duty_or_none_or_before_the_first_sample():
    duty = [(MOMENT, "chain-1"), (MOMENT + datetime.timedelta(seconds=45), None)]
    duty.append((MOMENT + datetime.timedelta(seconds=60), "chain-2"))

    assert waitlist.within_watch(MOMENT + datetime.timedelta(seconds=30), duty) is True
    assert waitlist.within_watch(MOMENT + datetime.timedelta(seconds=50), duty) is False
    assert waitlist.within_watch(MOMENT + datetime.timedelta(seconds=110), duty) is True
    assert waitlist.within_watch(MOMENT - datetime.timedelta(seconds=1), duty) is None
