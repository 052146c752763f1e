"""On a parent's account screen: the old base's children that probably belong to it, and why.

Per household (best first): what ties the account to it, its parents in the old base, its
children with their evidence and one click to attach each; a second click attaches all the
children of the household the parent named. Then the homonyms, folded. Also the children
the parent created that the old base may know (possible duplicates). The matching is read
from its stored copy (``stored.stored_matches``): the page's queries do not grow with the
number of suggestions. Registered on the account screen by wagtail_hooks.py.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from memberspace.accounts.access import id_from
from memberspace.families.admin import MANAGE_PERMISSION, AttachForm
from memberspace.families.models import Child, ChildStatus, Relationship
from memberspace.families.text import name_key
from memberspace.legacy import services
from memberspace.legacy.matching import THRESHOLD
from memberspace.legacy.stored import parents_of, stored_matches
from memberspace.secretariat.admin import ActionView, RecordPanel
from pages.formatting import names_list

# At most this many children in one household form (a forged form is refused, not looped over).
MAX_HOUSEHOLD_CHILDREN = 20


class AttachSuggestedChildView(ActionView):
    """From a parent's account page: attach one of the suggested (or any) children, or a household's at once.

    One ``child`` value: that child (a suggestion's or a homonym's « Rattacher Léa »). Several: the
    second click, « Rattacher les N enfants cités » of a household, all or nothing. Both through
    ``services.attach_household``: a child no longer in the old base (attached by someone else in
    between, merged) refuses the whole form with a message.
    """

    permission = MANAGE_PERMISSION
    title = gettext_lazy("Rattacher un enfant")
    form_class = AttachForm
    form_on_this_page = False  # the forms are the account page's: a refusal is shown there, at the top

    def post(self, request, *args, **kwargs):
        back = redirect(self.url_helper.get_action_url("inspect", self.instance.pk))
        values = request.POST.getlist("child")
        ids = list(dict.fromkeys(id_from(value) for value in values))
        if not 1 <= len(ids) <= MAX_HOUSEHOLD_CHILDREN or None in ids or len(ids) != len(values):
            messages.error(request, _("Choisissez l'enfant à rattacher parmi les suggestions."))
            return back
        found = Child.objects.in_bulk(ids)
        if len(found) != len(ids):
            messages.error(
                request,
                ngettext(
                    "Cet enfant n'existe plus : rien n'a été rattaché. "
                    "Rechargez la page pour voir les suggestions à jour.",
                    "Un de ces enfants n'existe plus : rien n'a été rattaché. "
                    "Rechargez la page pour voir les suggestions à jour.",
                    len(ids),
                ),
            )
            return back
        self.children = [found[child_id] for child_id in ids]
        self.form = AttachForm(request.POST)
        if not self.form.is_valid():
            messages.error(
                request,
                _("Choisissez le lien avec le parent (mère, père…) avant de rattacher %(child)s.")
                % {"child": names_list(self.children)},
            )
            return back
        return super().post(request, *args, **kwargs)

    def act(self, request):
        # One child or several, the same rules: still in the old base when the click lands (a page shown
        # before another secretary attached the child to another family gives it no second family).
        attached = services.attach_household(
            self.children, self.instance, by=request.user, relationship=self.form.cleaned_data["relationship"]
        )
        if len(attached) > 1:
            return _("%(children)s sont rattachés au compte de %(parent)s.") % {
                "children": names_list(attached),
                "parent": self.instance.get_full_name(),
            }
        return _("%(child)s est rattaché(e) au compte de %(parent)s.") % {
            "child": attached[0],
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
    """What the account's screen shows of the old base: possible duplicates, households, homonyms."""
    matches = stored_matches(account)
    households = [
        {
            "household": household,
            "contacts": parents_of(suggestion.child for suggestion in household.suggestions),
            "named": [suggestion for suggestion in household.suggestions if suggestion.named],
        }
        for household in matches.households
    ]
    for household in matches.households:
        for suggestion in household.suggestions:
            # The household's evidence is written once above its table; each row says the rest.
            suggestion.own_reasons = [reason for reason in suggestion.reasons if reason not in household.evidence]
            # below the threshold, shown only because its household is (a first name with a typo, the name left
            # in a list): its score alone would read as a weak suggestion
            suggestion.with_household = suggestion.score < THRESHOLD
    for homonym in matches.homonyms:
        homonym.contacts = parents_of([homonym.child])
    return {
        "possible_duplicates": possible_duplicates(account),
        "households": households,
        "homonyms": matches.homonyms,
        "relationships": Relationship.choices,
        "migrated_count": (Child.objects.filter(status=ChildStatus.MIGRATED).count() if not households else None),
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
