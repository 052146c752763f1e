"""Bad input is refused with a French message, never silently changed (issue 11, « bad input »).

- an email address over 254 characters (sign-up, login, email change, password reset, invitation);
- a name or an address line made of invisible characters, or carrying bidi controls;
- a postal code in Arabic-Indic digits;
and the overseas mobiles written the French way (« 0690 12 34 56 ») are accepted.
"""

import unicodedata

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.urls import reverse

from memberspace.accounts.forms import (
    AddEmailForm,
    LoginForm,
    ParentSignupForm,
    PhoneForm,
    ProfileForm,
    ResetPasswordForm,
)
from memberspace.accounts.models import User
from memberspace.families.forms import ChildForm, InvitationForm
from memberspace.families.models import Child
from memberspace.notifications import phones
from pages.validators import validate_season
from tests.factories import ParentFactory, UserFactory
from tests.memberspace.accounts.test_accounts import SIGNUP as ACCOUNT_SIGNUP
from tests.memberspace.families.test_children import child_data

pytestmark = pytest.mark.django_db

TOO_LONG = "Une adresse e-mail compte au plus 254 caractères."
INVISIBLE = "caractère invisible ou de mise en forme"
NO_LETTER = "au moins une lettre"
POSTAL = "Le code postal compte 5 chiffres, par exemple 75005."

# The sign-up and child forms of the journeys' tests, plainer: e-mail only, no message, no health notes.
SIGNUP = {**ACCOUNT_SIGNUP, "notification_preference": "email", "club_message": ""}
CHILD = child_data(health_notes="")


def email_of_length(length):
    """A well-formed address of exactly ``length`` characters (labels of at most 63)."""
    local = "a" * 64
    domain = ""
    while len(local) + 1 + len(domain) + 3 < length:
        room = length - len(local) - 1 - len(domain) - 3
        domain += "b" * min(60, room - 1) + "." if room > 1 else "c"
    address = f"{local}@{domain}fr"
    address = address + "r" * (length - len(address)) if len(address) < length else address
    assert len(address) == length, (len(address), address)
    return address


def field_error(response, name):
    error = BeautifulSoup(response.content, "html.parser").find(id=f"id_{name}_error")
    return error.get_text(" ", strip=True) if error else ""


# Email addresses over 254 characters


@pytest.mark.parametrize("length", [255, 300, 400])
def test_a_too_long_email_is_refused_at_sign_up_and_kept_in_the_form(client, home, length):
    address = email_of_length(length)
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": address})
    assert response.status_code == 200
    assert field_error(response, "email") == TOO_LONG
    assert not User.objects.exists()
    field = BeautifulSoup(response.content, "html.parser").find("input", {"name": "email"})
    assert field["value"] == address  # what was typed comes back whole...
    assert not field.has_attr("maxlength")  # ...and no browser cuts it short without a word


def test_an_email_of_254_characters_is_accepted(client, home):
    address = email_of_length(254)
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": address})
    assert response.status_code == 302
    assert User.objects.get().email == address


@pytest.mark.parametrize(
    "form",
    [
        lambda address: LoginForm(data={"login": address, "password": "x"}),
        lambda address: AddEmailForm(data={"email": address}, user=UserFactory()),
        lambda address: ResetPasswordForm(data={"email": address}),
        lambda address: InvitationForm(data={"email": address}, parent=UserFactory()),
    ],
    ids=["login", "email change", "password reset", "invitation"],
)
def test_every_form_taking_an_email_refuses_a_too_long_one(home, rf, form):
    form = form(email_of_length(300))
    form.request = rf.post("/")
    assert not form.is_valid()
    field = "login" if "login" in form.fields else "email"
    assert form.errors[field] == [TOO_LONG]
    assert "maxlength" not in form.fields[field].widget.attrs


def test_every_allauth_form_that_takes_an_email_is_ours(settings):
    """A form allauth builds itself would bring back its 320-character field and its maxlength."""
    assert settings.ACCOUNT_FORMS == {
        **settings.ACCOUNT_FORMS,
        "signup": "memberspace.accounts.forms.ParentSignupForm",
        "login": "memberspace.accounts.forms.LoginForm",
        "add_email": "memberspace.accounts.forms.AddEmailForm",
        "change_email": "memberspace.accounts.forms.ChangeEmailForm",
        "reset_password": "memberspace.accounts.forms.ResetPasswordForm",
    }


# Names and address lines

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200b\u200c\u200d\u2060\ufeff"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"]
LEGITIMATE = ["Zoé", "N'Diaye", "D’Almeida", "Anne-Sophie", "Nguyễn", "محمد", "שרה", "Ørsted-Łukasz", "Éloïse"]


@pytest.mark.parametrize("value", ZERO_WIDTH + ["\u3164\u3164", "\u00a0\u200b"])
def test_a_name_of_invisible_characters_only_is_refused(home, value):
    form = ProfileForm(data={**SIGNUP, "first_name": value}, instance=UserFactory())
    assert not form.is_valid()
    assert form.errors["first_name"][0].startswith(("Ce texte", "Indiquez"))


@pytest.mark.parametrize("control", BIDI)
def test_a_name_with_a_bidi_control_is_refused(home, control):
    form = ProfileForm(data={**SIGNUP, "last_name": f"Dupont{control}tnorF"}, instance=UserFactory())
    assert not form.is_valid()
    assert INVISIBLE in form.errors["last_name"][0]


@pytest.mark.parametrize("value", ["---", "12", "'’-"])
def test_a_name_without_a_letter_is_refused(home, value):
    form = ProfileForm(data={**SIGNUP, "city": value}, instance=UserFactory())
    assert not form.is_valid()
    assert NO_LETTER in form.errors["city"][0]


@pytest.mark.parametrize("value", LEGITIMATE)
def test_real_names_of_every_script_pass_unchanged(home, value):
    user = UserFactory()
    form = ProfileForm(data={**SIGNUP, "first_name": value, "last_name": value, "city": value}, instance=user)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["first_name"] == form.cleaned_data["city"] == value


def test_names_are_stored_in_nfc_however_they_were_typed(home):
    decomposed = unicodedata.normalize("NFD", "Zoé Nguyễn")
    assert decomposed != "Zoé Nguyễn"
    form = ProfileForm(data={**SIGNUP, "first_name": decomposed}, instance=UserFactory())
    assert form.is_valid()
    assert form.cleaned_data["first_name"] == "Zoé Nguyễn"


PERSON_FIELDS = {
    ParentSignupForm: ["first_name", "last_name", "street", "city"],
    ProfileForm: ["first_name", "last_name", "street", "city"],
    ChildForm: ["first_name", "last_name", "emergency_contact_name"],
}


@pytest.mark.parametrize(
    ("form_class", "name"), [(form_class, name) for form_class, names in PERSON_FIELDS.items() for name in names]
)
def test_every_name_and_address_field_refuses_invisible_text(home, form_class, name):
    data = {**SIGNUP, **CHILD, name: "\u202eAlice\u200b"}
    form = form_class(data=data) if form_class is not ProfileForm else form_class(data=data, instance=UserFactory())
    assert not form.is_valid()
    assert INVISIBLE in form.errors[name][0]


def test_the_child_form_refuses_a_spoofed_name_and_keeps_what_was_typed(client, home):
    client.force_login(ParentFactory())
    spoofed = {**CHILD, "first_name": "L\u202eéa", "last_name": "\u200b"}
    response = client.post(reverse("memberspace:child_add"), spoofed)
    assert response.status_code == 200
    assert INVISIBLE in field_error(response, "first_name")
    assert INVISIBLE in field_error(response, "last_name")
    assert not Child.objects.exists()
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("input", {"name": "emergency_contact_name"})["value"] == "Mamie Martin"


def test_sign_up_refuses_a_spoofed_name(client, home):
    response = client.post(reverse("account_signup"), {**SIGNUP, "last_name": "\u200b\u200b"})
    assert response.status_code == 200
    assert INVISIBLE in field_error(response, "last_name")
    assert not User.objects.exists()


# Postal codes


@pytest.mark.parametrize("value", ["٧٥٠٠٥", "۷۵۰۰۵", "７５００５", "७५००५"])
def test_a_postal_code_in_other_digits_is_refused(client, home, value):
    response = client.post(reverse("account_signup"), {**SIGNUP, "postal_code": value})
    assert field_error(response, "postal_code") == POSTAL
    assert not User.objects.exists()
    form = ProfileForm(data={**SIGNUP, "postal_code": value}, instance=UserFactory())
    assert form.errors["postal_code"] == [POSTAL]


def test_a_season_in_other_digits_is_refused():
    validate_season("2026-2027")
    with pytest.raises(ValidationError):
        validate_season("٢٠٢٦-٢٠٢٧")


# Overseas mobiles

OVERSEAS = [
    ("0690 12 34 56", "+590690123456"),  # Guadeloupe
    ("0696 12 34 56", "+596696123456"),  # Martinique
    ("0694 12 34 56", "+594694123456"),  # Guyane
    ("0692 12 34 56", "+262692123456"),  # La Réunion
    ("0693 12 34 56", "+262693123456"),  # La Réunion
    ("0639 01 23 45", "+262639012345"),  # Mayotte
]


@pytest.mark.parametrize(("typed", "stored"), OVERSEAS)
def test_an_overseas_mobile_written_the_french_way_is_accepted(client, home, typed, stored):
    response = client.post(reverse("account_signup"), {**SIGNUP, "phone": typed})
    assert response.status_code == 302
    assert User.objects.get().phone == stored
    assert phones.display(stored) == typed
    form = PhoneForm(data={"phone": typed}, instance=UserFactory())
    assert form.is_valid() and form.cleaned_data["phone"] == stored


def test_an_overseas_landline_is_refused_where_a_mobile_is_needed_and_accepted_elsewhere(home):
    form = PhoneForm(data={"phone": "0590 12 34 56"}, instance=UserFactory())
    assert form.errors["phone"][0].startswith("Indiquez un numéro de téléphone portable")
    child = ChildForm(data={**CHILD, "emergency_contact_phone": "0590 12 34 56"})
    assert child.is_valid(), child.errors
    assert child.cleaned_data["emergency_contact_phone"] == "+590590123456"


@pytest.mark.parametrize("typed", ["+33 690 12 34 56", "0033 690 12 34 56", "0612"])
def test_a_number_with_its_country_code_is_read_as_written(typed):
    """« +33 690… » is no valid French number: it is not re-read as a Guadeloupe one."""
    assert phones.to_e164(typed) is None


def test_a_phone_in_other_digits_is_stored_in_ascii(home):
    form = PhoneForm(data={"phone": "٠٦١٢٣٤٥٦٧٨"}, instance=UserFactory())
    assert form.is_valid()
    assert form.cleaned_data["phone"] == "+33612345678"


# Long free text: the browser must not cut it; the server says the limit and keeps it all.


def test_long_free_text_is_never_cut_by_the_browser_and_is_refused_whole(client, home):
    page = BeautifulSoup(client.get(reverse("account_signup")).content, "html.parser")
    assert page.find("textarea", attrs={"name": "club_message"}).get("maxlength") is None
    child_form = ChildForm()
    assert "maxlength" not in child_form.fields["health_notes"].widget.attrs

    message = "Mes enfants Léa et Hugo Martin. " * 70  # 2,240 characters, over the 2,000 allowed
    response = client.post(reverse("account_signup"), {**SIGNUP, "club_message": message})
    assert response.status_code == 200 and not User.objects.exists()
    page = BeautifulSoup(response.content, "html.parser")
    assert "au plus 2000 caractères" in page.get_text(" ").replace("\u202f", " ").replace("\xa0", " ")
    # (a newline right after <textarea> is not part of its value, as browsers read it)
    assert page.find("textarea", attrs={"name": "club_message"}).get_text().removeprefix("\n") == message


def test_free_text_refuses_what_reorders_it_and_keeps_every_script(client, home):
    spoof = "Mes enfants : \u202eemmE te seluJ\u202c Martin"
    response = client.post(reverse("account_signup"), {**SIGNUP, "club_message": spoof})
    assert response.status_code == 200 and not User.objects.exists()
    assert "inverse le sens de l'écriture" in response.content.decode().replace("&#x27;", "'")
    written = "Mes enfants :\nJules et Emma Martin\nابني محمد\u200f"  # a right-to-left mark, as keyboards type it
    response = client.post(reverse("account_signup"), {**SIGNUP, "club_message": written})
    assert response.status_code == 302 and User.objects.get().club_message == written.strip()
