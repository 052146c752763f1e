"""The secretariat carries out an erasure a parent asked for, from the parent's account screen."""

from django.utils.translation import gettext as _

from memberspace.accounts.admin import AccountActionView
from memberspace.accounts.models import ACCOUNT_TRANSITIONS

from . import services


class EraseAccountView(AccountActionView):
    """The "erase" transition of ACCOUNT_TRANSITIONS (its guard, label and title), carried out here."""

    transition = ACCOUNT_TRANSITIONS["erase"]

    @property
    def question(self):
        return _(
            "Effacer le compte de %(name)s (%(email)s), comme le parent l'a demandé ? Ses coordonnées, ses messages "
            "et ses moyens de connexion sont effacés ; les enfants dont il est le seul responsable sont archivés et "
            "leurs demandes en attente annulées. Les inscriptions validées et les acomptes restent, sans son nom."
        ) % {"name": self.instance.get_full_name(), "email": self.instance.email}

    def act(self, request):
        name = self.instance.get_full_name()
        report = services.erase_account(self.instance, by=request.user)
        message = _("Le compte de %(name)s est effacé ; la confirmation lui est envoyée.") % {"name": name}
        if report.archived_children:
            message += " " + _("Enfants archivés : %(names)s.") % {"names": ", ".join(report.archived_children)}
        if report.cancelled:
            message += " " + _("%(count)s demande(s) en attente annulée(s).") % {"count": report.cancelled}
        return message
