from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentsConfig(AppConfig):
    name = "memberspace.enrollments"
    label = "enrollments"
    verbose_name = _("Inscriptions")

    def ready(self):
        from pages.occupancy import register_places_taken, register_requests_waiting

        from . import checks  # noqa: F401 (registers the system checks)

        register_places_taken(places_taken_expression)
        register_requests_waiting(requests_waiting_expression)

        from pages.occupancy import offer_terms_saved

        offer_terms_saved.connect(offer_places_after_terms_saved, dispatch_uid="enrollments.offer_terms_saved")


def offer_places_after_terms_saved(sender, offer, **kwargs):
    """The secretariat saved an offer's terms (more places, perhaps): offer the free ones, once saved."""
    from django.db import transaction

    from . import services

    transaction.on_commit(lambda: services.offer_freed_places(offer))


def _count_per_offer(enrollments):
    """The number of ``enrollments`` of the offer ``OuterRef("pk")``, as a subquery (0 when none)."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    counted = (
        enrollments.filter(offer_id=OuterRef("pk"))
        .order_by()
        .values("offer_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def places_taken_expression():
    """The places taken or held (offered, awaiting an answer) of the offer ``OuterRef("pk")`` (see pages.occupancy)."""
    from .models import Enrollment

    return _count_per_offer(Enrollment.objects.holding())


def requests_waiting_expression():
    """The children in line (requested or waitlisted) for the offer ``OuterRef("pk")`` (see pages.occupancy)."""
    from .models import Enrollment

    return _count_per_offer(Enrollment.objects.waiting())
