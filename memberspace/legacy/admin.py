"""On a parent's account screen: the old base's children that probably belong to it, one click to attach.

Also the children the parent created that the old base may know (possible duplicates).
Registered on the account screen by wagtail_hooks.py.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from memberspace.accounts.access import id_from
from memberspace.families.admin import MANAGE_PERMISSION, AttachForm
from memberspace.families.models import Child, ChildStatus, Relationship
from memberspace.families.services import children as children_service
from memberspace.families.text import name_key
from memberspace.legacy.matching import suggest_children
from memberspace.notifications import phones
from memberspace.secretariat.admin import ActionView, RecordPanel


class AttachSuggestedChildView(ActionView):
    """From a parent's account page: attach one of the suggested (or any) children."""

    permission = MANAGE_PERMISSION
    title = gettext_lazy("Rattacher un enfant")
    form_class = AttachForm

    def post(self, request, *args, **kwargs):
        self.form = AttachForm(request.POST)
        child_id = id_from(request.POST.get("child"))
        self.child = Child.objects.filter(pk=child_id).first() if child_id is not None else None
        if self.child is None:
            messages.error(request, _("Choisissez l'enfant à rattacher parmi les suggestions."))
            return redirect(self.url_helper.get_action_url("inspect", self.instance.pk))
        if not self.form.is_valid():
            messages.error(
                request,
                _("Choisissez le lien avec le parent (mère, père…) avant de rattacher %(child)s.")
                % {"child": self.child},
            )
            return redirect(self.url_helper.get_action_url("inspect", self.instance.pk))
        return super().post(request, *args, **kwargs)

    def act(self, request):
        children_service.attach_child(
            self.child, self.instance, by=request.user, relationship=self.form.cleaned_data["relationship"]
        )
        return _("%(child)s est rattaché(e) au compte de %(parent)s.") % {
            "child": self.child,
            "parent": self.instance.get_full_name(),
        }

    def get_success_url(self):
        return self.url_helper.get_action_url("inspect", self.instance.pk)


def possible_duplicates(account):
    """The children the parent created that the old base may know: the parent's own record beside the old base's.

    The parent was not told (services.children.create_child); the secretariat decides.
    """
    duplicates = []
    for request in account.attachment_requests.all():
        keys = {"first_name_key": name_key(request.first_name), "last_name_key": name_key(request.last_name)}
        same = Child.objects.filter(birth_date=request.birth_date, **keys)
        duplicates.append(
            {
                "request": request,
                "created": same.filter(guardianships__parent=account).first(),
                "migrated": list(same.migrated()),
            }
        )
    return duplicates


def account_matching_context(account):
    """What the account's screen shows of the old base: possible duplicates, suggestions."""
    suggestions = suggest_children(account)
    for suggestion in suggestions:
        suggestion.contacts = [
            {"name": str(contact), "email": contact.email, "phone": phones.display(contact.phone)}
            for contact in suggestion.child.legacy_contacts.all()
        ]
    return {
        "possible_duplicates": possible_duplicates(account),
        "suggestions": suggestions,
        "relationships": Relationship.choices,
        "migrated_count": Child.objects.filter(status=ChildStatus.MIGRATED).count(),
    }


class MatchingPanel(RecordPanel):
    """On the account's screen: possible duplicates, then the suggestions with a button to attach each."""

    order = 200
    template_name = "legacy/admin/matching_panel.html"

    def context(self, request):
        return {
            "instance": self.record,
            "can_attach": request.user.has_perm(MANAGE_PERMISSION),
            **account_matching_context(self.record),
        }


class LegacyContactsPanel(RecordPanel):
    """On a child's screen: the parents the old base knew for it."""

    order = 100
    template_name = "legacy/admin/child_contacts_panel.html"

    def context(self, request):
        return {"legacy_contacts": self.record.legacy_contacts.all()}
