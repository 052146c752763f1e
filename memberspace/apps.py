from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class MemberspaceConfig(AppConfig):
    default = True
    name = "memberspace"
    verbose_name = _("Espace adhérent")

    def ready(self):
        from allauth.account.signals import email_confirmed
        from allauth.mfa.signals import authenticator_added

        from pages.occupancy import register_places_taken

        from . import checks  # noqa: F401 (registers the system checks)
        from .middleware import on_authenticator_added
        from .spreadsheets import protect_wagtail_exports

        register_places_taken(places_taken_expression)
        protect_wagtail_exports()
        email_confirmed.connect(on_email_confirmed, dispatch_uid="po-email-confirmed")
        authenticator_added.connect(on_authenticator_added, dispatch_uid="po-mfa-added")


class StaffUsersConfig(WagtailUsersAppConfig):
    """Wagtail's users app, whose « Utilisateurs › Ajouter » adds staff with a role (memberspace.admin.staff)."""

    user_viewset = "memberspace.admin.staff.StaffUserViewSet"


def on_email_confirmed(request, email_address, **kwargs):
    from .services.accounts import mark_email_verified

    mark_email_verified(email_address.user)


def places_taken_expression():
    """The validated enrollments of the offer ``OuterRef("pk")`` (see pages.occupancy)."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from .models import Enrollment

    taken = (
        Enrollment.objects.taken()
        .filter(offer_id=OuterRef("pk"))
        .order_by()
        .values("offer_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(taken, output_field=IntegerField()), Value(0))
