"""The parents' forms: sign-up (allauth's, with the parent's own details), profile, phone."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.forms import SignupForm
from allauth.account.internal import flows
from allauth.account.internal.flows.login import perform_login
from allauth.account.models import Login
from allauth.core import ratelimit
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from memberspace import phones
from memberspace.access import id_from
from memberspace.models import Child, NotificationPreference, Relationship, User
from memberspace.services import accounts
from memberspace.validators import (
    AccountEmailField,
    EmailAddressField,
    LongTextField,
    PersonTextField,
    clean_postal_code,
)
from pages.models import ClubSettings, age_on

CLUB_MESSAGE_HELP = _(
    "Si vos enfants sont déjà membres du PO, indiquez impérativement ici leurs nom et prénom : "
    "grâce à la migration de l'ancienne base, nous rattacherons leurs informations à votre compte."
)


class PhoneField(forms.CharField):
    """A mobile number, typed any way a French parent would; cleaned to E.164."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
    default_validators = [phones.validate_mobile]

    def clean(self, value):
        value = super().clean(value)
        return phones.mobile_e164(value) if value else value


class ParentDetailsMixin(forms.Form):
    """The parent's own details, shared by sign-up and the profile."""

    first_name = PersonTextField(
        label=_("Votre prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": _("Indiquez votre prénom.")},
    )
    last_name = PersonTextField(
        label=_("Votre nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": _("Indiquez votre nom de famille.")},
    )
    street = PersonTextField(
        label=_("Adresse (numéro et rue)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        error_messages={"required": _("Indiquez votre adresse (numéro et rue).")},
    )
    postal_code = forms.CharField(
        label=_("Code postal"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        error_messages={"required": _("Indiquez votre code postal.")},
    )
    city = PersonTextField(
        label=_("Commune"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
        error_messages={"required": _("Indiquez votre commune.")},
    )
    notification_preference = forms.ChoiceField(
        label=_("Comment souhaitez-vous être prévenu ?"),
        choices=NotificationPreference.choices,
        initial=NotificationPreference.EMAIL,
        widget=forms.RadioSelect,
        help_text=_("Par exemple quand le club valide votre compte ou l'inscription d'un enfant."),
        error_messages={"required": _("Choisissez comment être prévenu.")},
    )

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_postal_code(self):
        return clean_postal_code(self.cleaned_data["postal_code"])

    def clean_city(self):
        return self.cleaned_data["city"].strip()


class ParentSignupForm(ParentDetailsMixin, SignupForm):
    """allauth's sign-up, asking for the parent's own details (announcement, step 1)."""

    email = AccountEmailField()
    phone = PhoneField(
        label=_("Votre téléphone portable"),
        help_text=_("Pour recevoir les SMS du club si vous le souhaitez. Exemple : 06 12 34 56 78."),
        error_messages={"required": _("Indiquez votre numéro de téléphone portable.")},
    )
    club_message = LongTextField(
        label=_("Message à l'intention du club"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=CLUB_MESSAGE_HELP,
    )
    privacy_consent = forms.BooleanField(
        label=_("J'ai lu la politique de confidentialité et j'accepte que le PO traite ces données."),
        error_messages={"required": _("Vous devez accepter la politique de confidentialité pour créer un compte.")},
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "password1",
        "phone",
        "street",
        "postal_code",
        "city",
        "notification_preference",
        "club_message",
        "privacy_consent",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Votre adresse e-mail")
        self.fields["email"].help_text = _("Ce sera votre identifiant. Vous devrez la vérifier.")
        self.fields["email"].error_messages["required"] = _("Indiquez votre adresse e-mail.")
        self.fields["password1"].error_messages["required"] = _("Choisissez un mot de passe.")
        self.fields["password1"].label = _("Choisissez un mot de passe")
        self.fields["password1"].help_text = _("Au moins 10 caractères, pas uniquement des chiffres.")
        # Nothing typed is lost: on an error, the password comes back too (HTTPS only, never cached).
        self.fields["password1"].widget.render_value = True
        self.fields["password1"].widget.attrs.update({"autocomplete": "new-password", "data-password-toggle": ""})
        privacy_page = ClubSettings.current().privacy_page
        if privacy_page and privacy_page.live:
            self.fields["privacy_consent"].help_text = format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                privacy_page.url,
                _("Lire la politique de confidentialité (s'ouvre dans un nouvel onglet)"),
            )

    def validate_unique_email(self, value):
        # Whether the address is free is decided when saving, under a lock (accounts.open_sign_up):
        # an address nobody has verified is not taken.
        return get_account_adapter().validate_unique_email(value)

    def details(self):
        details = {name: self.cleaned_data[name] for name in accounts.SIGNUP_DETAILS}
        return {**details, "club_message": self.cleaned_data.get("club_message", "").strip()}

    def try_save(self, request):
        """Create the parent's account, or answer as if it had been created.

        Every way through answers the same page ("check your email") and does the same
        costly work, one password hash: an address with an account cannot be told from
        one without, by the page or by its time. Two sign-ups for one address at once
        (a double click) are serialised on the account's row; the loser of a race to
        create it sees the winner's row on its next turn.
        """
        email, password = self.cleaned_data["email"], self.cleaned_data["password1"]
        for _turn in range(3):
            try:
                with transaction.atomic():
                    outcome, account = accounts.open_sign_up(email, password=password, details=self.details())
                    if outcome in (accounts.SignupOutcome.FREE, accounts.SignupOutcome.REPLACED):
                        user = self.save(request)
                        if outcome is accounts.SignupOutcome.REPLACED:
                            accounts.record_replaced_sign_up(user)
                            # The earlier link is dead: this account's own must go out now.
                            ratelimit.clear(request, action="confirm_email", key=email.lower())
                        return user, None
                break
            except IntegrityError:
                continue  # another request created the account meanwhile: decide again, seeing it
        else:
            outcome, account = accounts.SignupOutcome.TAKEN, None
        if outcome is accounts.SignupOutcome.RESUBMITTED:
            # Sent again: the verification email is sent again (at most once every 3 minutes).
            return None, perform_login(request, Login(user=account, email=email, signup=True))
        make_password(password)  # the work the other ways do, so that time tells nothing
        return None, flows.signup.prevent_enumeration(request, email=email)

    def apply_to(self, user):
        """Copy the parent's details onto the new account (called by the account adapter)."""
        for name, value in self.details().items():
            setattr(user, name, value)
        user.privacy_consent_at = timezone.now()


class ProfileForm(ParentDetailsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "street", "postal_code", "city", "notification_preference"]


class PhoneForm(forms.ModelForm):
    phone = PhoneField(label=_("Votre téléphone portable"), help_text=_("Exemple : 06 12 34 56 78."))

    class Meta:
        model = User
        fields = ["phone"]


class AnyPhoneField(forms.CharField):
    """A phone number, mobile or not (an emergency contact's landline will do), cleaned to E.164."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        number = phones.to_e164(value)
        if number is None:
            raise forms.ValidationError(
                _("Ce numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78 ou 01 23 45 67 89.")
            )
        return number


YES_NO = [(True, _("Oui")), (False, _("Non"))]


class ChildForm(forms.ModelForm):
    """A child's membership, with the child's own details (announcement, step 5)."""

    birth_date = forms.DateField(
        label=_("Date de naissance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": _("Indiquez la date de naissance de l'enfant."),
            "invalid": _("Indiquez une date de naissance valide, par exemple 12/03/2016."),
        },
    )
    emergency_contact_phone = AnyPhoneField(label=_("Son téléphone"), required=False)
    may_leave_alone = forms.TypedChoiceField(
        label=_("L'enfant peut-il repartir seul après l'activité ?"),
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Répondez par oui ou par non.")},
    )

    class Meta:
        model = Child
        field_classes = {
            "first_name": PersonTextField,
            "last_name": PersonTextField,
            "emergency_contact_name": PersonTextField,
            "health_notes": LongTextField,
        }
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "sex",
            "school_level",
            "health_notes",
            "emergency_contact_name",
            "emergency_contact_phone",
            "image_rights_consent",
            "may_leave_alone",
        ]
        labels = {
            "first_name": _("Prénom de l'enfant"),
            "last_name": _("Nom de l'enfant"),
            "sex": _("Sexe"),
            "school_level": _("Classe (à la rentrée)"),
            "health_notes": _("Informations de santé"),
            "emergency_contact_name": _("Personne à prévenir en cas d'urgence"),
            "image_rights_consent": _("J'autorise le PO à photographier ou filmer l'enfant pour ses publications"),
        }
        widgets = {
            "sex": forms.RadioSelect,
            "health_notes": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "first_name": {"required": _("Indiquez le prénom de l'enfant.")},
            "last_name": {"required": _("Indiquez le nom de l'enfant.")},
            "sex": {"required": _("Indiquez le sexe de l'enfant.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sex"].required = True
        self.fields["sex"].choices = [choice for choice in self.fields["sex"].choices if choice[0]]
        self.fields["health_notes"].help_text = _(
            "Allergies, traitements, régime alimentaire… Seuls les responsables de l'enfant et le secrétariat "
            "du club les voient."
        )
        self.fields["emergency_contact_name"].help_text = _("Si vous ne pouvez pas être joint.")
        if self.instance.pk:
            self.initial.setdefault("may_leave_alone", self.instance.may_leave_alone)

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if birth_date > today:
            raise forms.ValidationError(_("La date de naissance ne peut pas être dans le futur."))
        age = age_on(birth_date, today)
        if not settings.PO_MIN_AGE <= age <= settings.PO_MAX_AGE:
            raise forms.ValidationError(
                _("Le PO accueille les enfants de %(min)s à %(max)s ans ; cette date donne %(age)s ans.")
                % {"min": settings.PO_MIN_AGE, "max": settings.PO_MAX_AGE, "age": age}
            )
        return birth_date


class NewChildForm(ChildForm):
    relationship = forms.ChoiceField(
        label=_("Votre lien avec l'enfant"),
        choices=Relationship.choices,
        error_messages={"required": _("Indiquez votre lien avec l'enfant.")},
    )

    class Meta(ChildForm.Meta):
        fields = ["relationship", *ChildForm.Meta.fields]


class ChildrenField(forms.ModelMultipleChoiceField):
    """The children ticked in a form, among those of its queryset.

    A value that is no id (a word, a number longer than any id) is refused like any
    child not offered, before the database sees it: a 40-digit number would overflow
    its integer column. The message names no value: an id means nothing to a parent.
    """

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"invalid_choice": _("Choisissez parmi les enfants proposés.")}

    def clean(self, value):
        if isinstance(value, list | tuple):
            for pk in value:
                if id_from(pk) is None:
                    raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)


class InvitationForm(forms.Form):
    email = EmailAddressField(
        label=_("Adresse e-mail de l'autre parent"),
        error_messages={
            "required": _("Indiquez l'adresse e-mail de la personne à inviter."),
            "invalid": _("Cette adresse e-mail n'est pas valide."),
        },
        help_text=_("L'invitation ne pourra être acceptée que depuis un compte validé avec cette adresse."),
    )
    children = ChildrenField(
        label=_("Pour quels enfants ?"),
        queryset=Child.objects.none(),
        error_messages={"required": _("Choisissez au moins un enfant.")},
    )
    relationship = forms.ChoiceField(
        label=_("Son lien avec les enfants"),
        choices=Relationship.choices,
        error_messages={"required": _("Indiquez son lien avec les enfants.")},
    )

    def __init__(self, *args, parent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = Child.objects.for_guardian(parent)


# allauth's other forms that take an email address (ACCOUNT_FORMS): bounded like the sign-up's.


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = AccountEmailField()


class AddEmailForm(allauth_forms.AddEmailForm):
    email = AccountEmailField(required=True)


class ChangeEmailForm(allauth_forms.ChangeEmailForm):
    email = AccountEmailField(required=True)


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    email = AccountEmailField(required=True)

    def clean_email(self):
        email = super().clean_email()
        # An account nobody has confirmed is nobody's yet: resetting its password would hand its
        # creator's details to whoever owns the mailbox. Its address is answered as unknown
        # ("create your account"), and the sign-up that follows replaces it.
        self.users = [user for user in self.users if not accounts.unclaimed(user)]
        return email
