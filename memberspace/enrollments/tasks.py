"""django-q2 task entry points of the enrollments (scheduled in config/schedules.py)."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django_q.conf import Conf

from . import services

logger = logging.getLogger(__name__)


def send_deposit_reminders():
    """The daily deposits' run: remind the late families, then release the places the club lets go."""
    return services.send_deposit_reminders(), services.release_unpaid_places()


# Who watches the offers' deadlines: one run at a time holds this lease.
WATCHER_KEY = "enrollments:waiting-lists:watcher"
RUN_TASK = "memberspace.enrollments.tasks.run_waiting_lists"


def watch_seconds():
    """How long a watching run stays: ``settings.WAITING_LIST_WATCH_SECONDS``, below the worker's timeout."""
    return settings.WAITING_LIST_WATCH_SECONDS


def lease_seconds():
    """The lease lasts a watch and a worker's timeout (the successor's wait in the queue): a
    watcher lost, its worker killed, holds it no longer; the schedule then takes over."""
    return watch_seconds() + settings.Q_CLUSTER["timeout"]


def run_waiting_lists(watcher=None):
    """Close the offers past their deadline and offer the places freed (``services.run_waiting_lists``).

    The schedule runs this every minute, but its scheduler looks at the clock every 30 s
    and a run may wait for a worker: a deadline would be seen up to a minute late. So
    while an offer is open, one run, the *watcher*, stays and closes each offer the
    second it falls due; before its time is up it queues its successor and hands the
    lease over, so the watch has no gap. A scheduled run finding the lease taken makes
    one pass and ends. ``watcher`` is the lease's token, new at each hand-over, so a
    task delivered twice by the broker finds it stale and does not start a second chain.
    """
    try:
        watcher = _take_lease(watcher)
    except Exception:  # the cache down (Redis): one pass, as the schedule did before the watcher
        logger.warning("The waiting lists' lease could not be read; one pass without watching", exc_info=True)
        watcher = None
    if watcher is None:
        return services.run_waiting_lists()  # another run watches
    try:
        # A synchronous cluster (tests, a shell) runs this inside its caller: no watch there.
        result = services.run_waiting_lists(watch=0 if Conf.SYNC else watch_seconds())
    except Exception:
        # Failing again at once would make a tight chain of failures: the schedule retries in a minute.
        _give_up(watcher)
        raise
    _hand_over(watcher)
    return result


def _take_lease(watcher):
    """The lease's token this run watches with, or None if another run holds the lease.

    A successor refreshes the lease it was handed (it may have waited in the queue); one
    whose lease lapsed takes it again if nobody else did.
    """
    if watcher is not None and cache.get(WATCHER_KEY) == watcher:
        cache.set(WATCHER_KEY, watcher, lease_seconds())
        return watcher
    fresh = uuid.uuid4().hex
    return fresh if cache.add(WATCHER_KEY, fresh, lease_seconds()) else None


def _give_up(watcher):
    if cache.get(WATCHER_KEY) == watcher:
        cache.delete(WATCHER_KEY)


def _hand_over(watcher):
    if cache.get(WATCHER_KEY) != watcher:
        return  # the lease lapsed during the watch and another run took it
    if services.place_offers_open() and not Conf.SYNC:
        successor = uuid.uuid4().hex
        cache.set(WATCHER_KEY, successor, lease_seconds())
        if _queue_run(successor):
            return
    cache.delete(WATCHER_KEY)
    # An offer made as the lease was given up found it taken and woke nobody: look again.
    if services.place_offers_open():
        wake_watcher()


def wake_watcher():
    """Start a watcher if none is on duty: called when a place is offered, once it is recorded.

    The lease is taken here, so that many offers made at once queue one watcher. Not
    with a synchronous cluster (tests, a shell without workers): the watch would run
    inside the request; the schedule's next run watches then.
    """
    if Conf.SYNC:
        return
    watcher = uuid.uuid4().hex
    try:
        if cache.add(WATCHER_KEY, watcher, lease_seconds()) and not _queue_run(watcher):
            cache.delete(WATCHER_KEY)
    except Exception:  # the cache down (Redis): the offer stands, the schedule watches
        logger.warning("Could not wake the waiting lists' watcher; the schedule will run it", exc_info=True)


def _queue_run(*args):
    from django_q.tasks import async_task

    try:
        async_task(RUN_TASK, *args, group="waiting-lists", save=False)
    except Exception:  # the broker down: the schedule's next run catches up, the offer stands
        logger.warning("Could not queue the waiting lists' watcher; the schedule will run it", exc_info=True)
        return False
    return True


def offer_freed_places(offer_id):
    from pages.models import OfferPage

    offer = OfferPage.objects.filter(pk=offer_id).first()
    return len(services.offer_freed_places(offer)) if offer else 0
