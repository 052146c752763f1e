"""Wagtail's « Paramètres › Utilisateurs »: whoever is added there is staff, with a role, never a parent.

Parents create their own accounts (allauth sign-up) and the secretariat manages
them under « Secrétariat › Comptes parents »; the admin's users screen only adds
members of the club's team. Its creation form asks for their role instead of
Wagtail's "administrator" box and list of groups: Secrétariat, Communication, or
administrator (offered to administrators only). The account is made staff
(``is_staff``), validated, and put in the role's group. Editing keeps Wagtail's
form, but giving someone a group or the administrator's rights makes them staff.

Installed through the users app's ``user_viewset`` (``memberspace.accounts.apps.StaffUsersConfig``
in INSTALLED_APPS instead of ``wagtail.users``), Wagtail's documented way of
customising the user forms.
"""

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import CreateView, UserViewSet

from config.roles import COMMUNICATION, SECRETARIAT
from memberspace.accounts.models import AccountStatus

SUPERUSER = "administrateur"
ROLES = {
    "secretariat": (SECRETARIAT, _("Secrétariat : comptes parents, enfants, inscriptions, messages, réglages du club")),
    "communication": (COMMUNICATION, _("Communication : pages, images et documents, sans données personnelles")),
}


class StaffUserCreationForm(UserCreationForm):
    role = forms.ChoiceField(
        label=_("Rôle"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez le rôle de ce membre de l'équipe."),
            "invalid_choice": _("Choisissez un des rôles proposés."),
        },
        help_text=_(
            "Les comptes créés ici sont ceux de l'équipe du club. Les parents créent eux-mêmes leur compte "
            "depuis le site."
        ),
    )

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("is_superuser", "groups"):
            self.fields.pop(name, None)
        choices = [(key, label) for key, (_group, label) in ROLES.items()]
        if for_user is not None and for_user.is_superuser:
            choices.append((SUPERUSER, _("Administrateur : accès complet, y compris les utilisateurs")))
        self.fields["role"].choices = choices
        self.order_fields(["email", "first_name", "last_name", "role", "password1", "password2"])

    def clean_role(self):
        role = self.cleaned_data["role"]
        if role in ROLES:
            group = Group.objects.filter(name=ROLES[role][0]).first()
            if group is None:
                raise forms.ValidationError(
                    _("Le groupe « %(group)s » n'existe pas encore : lancez « manage.py setup_roles »."),
                    params={"group": ROLES[role][0]},
                )
            self.role_group = group
        return role

    def save(self, commit=True):
        user = super().save(commit=False)
        user.is_staff = True
        user.is_superuser = self.cleaned_data["role"] == SUPERUSER
        user.account_status = AccountStatus.VALIDATED
        if commit:
            user.save()
            self.save_m2m()
        return user

    def _save_m2m(self):
        super()._save_m2m()
        if self.cleaned_data["role"] in ROLES:
            self.instance.groups.add(self.role_group)


class StaffUserEditForm(UserEditForm):
    def save(self, commit=True):
        user = super().save(commit=False)
        if user.is_superuser or self.cleaned_data.get("groups"):
            user.is_staff = True  # given a role in the admin: a member of the team, not a parent
        if commit:
            user.save()
            self.save_m2m()
        return user


class StaffUserCreateView(CreateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}


class StaffUserViewSet(UserViewSet):
    add_view_class = StaffUserCreateView
    # Every field in order: the role replaces the "Roles" tab of Wagtail's template.
    create_template_name = "wagtailadmin/generic/form.html"

    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm
