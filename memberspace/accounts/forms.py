"""The parents' forms: sign-up (allauth's, with the parent's own details), profile, phone."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.forms import SignupForm
from allauth.account.internal import flows
from allauth.account.internal.flows.login import perform_login
from allauth.account.models import Login
from allauth.core import ratelimit
from django import forms
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from memberspace.accounts.models import User
from memberspace.accounts.validators import (
    AccountEmailField,
    LongTextField,
    PersonTextField,
    clean_postal_code,
)
from memberspace.notifications import phones
from memberspace.notifications.models import NotificationPreference
from pages.models import ClubSettings

from . import services

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
        details = {name: self.cleaned_data[name] for name in services.SIGNUP_DETAILS}
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
                    outcome, account = services.open_sign_up(email, password=password, details=self.details())
                    if outcome in (services.SignupOutcome.FREE, services.SignupOutcome.REPLACED):
                        user = self.save(request)
                        if outcome is services.SignupOutcome.REPLACED:
                            services.record_replaced_sign_up(user)
                            # The earlier link is dead: this account's own must go out now.
                            ratelimit.clear(request, action="confirm_email", key=email.lower())
                        return user, None
                break
            except IntegrityError:
                continue  # another request created the account meanwhile: decide again, seeing it
        else:
            outcome, account = services.SignupOutcome.TAKEN, None
        if outcome is services.SignupOutcome.RESUBMITTED:
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


# allauth's other forms that take an email address (ACCOUNT_FORMS): bounded like the sign-up's.


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = AccountEmailField()
        # allauth's « Mot de passe oublié ? » link is the password's help text, shown between the
        # label and the field: the login template puts it after the field instead.
        self.fields["password"].help_text = ""


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
        self.users = [user for user in self.users if not services.unclaimed(user)]
        return email
