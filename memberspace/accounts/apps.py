from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default = True  # the module holds StaffUsersConfig (and imports Wagtail's) too
    name = "memberspace.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self):
        from allauth.account.signals import email_confirmed
        from allauth.mfa.signals import authenticator_added

        from .middleware import on_authenticator_added

        email_confirmed.connect(on_email_confirmed, dispatch_uid="po-email-confirmed")
        authenticator_added.connect(on_authenticator_added, dispatch_uid="po-mfa-added")


class StaffUsersConfig(WagtailUsersAppConfig):
    """Wagtail's users app, whose « Utilisateurs › Ajouter » adds staff with a role (memberspace.accounts.staff)."""

    user_viewset = "memberspace.accounts.staff.StaffUserViewSet"


def on_email_confirmed(request, email_address, **kwargs):
    from .services import mark_email_verified

    mark_email_verified(email_address.user)
