"""django-q2 task entry points of the enrollments (scheduled in config/schedules.py)."""

from . import services


def send_deposit_reminders():
    """The daily deposits' run: remind the late families, then release the places the club lets go."""
    return services.send_deposit_reminders(), services.release_unpaid_places()


# Below the worker's timeout (Q_CLUSTER["timeout"], 60 s): the run watches the offers falling due meanwhile.
WATCH_SECONDS = 45


def run_waiting_lists():
    return services.run_waiting_lists(watch=WATCH_SECONDS)


def offer_freed_places(offer_id):
    from pages.models import OfferPage

    offer = OfferPage.objects.filter(pk=offer_id).first()
    return len(services.offer_freed_places(offer)) if offer else 0
