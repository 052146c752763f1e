"""Every public and member form fed arbitrary input (hypothesis): never a server error.

Each form gets text of any kind (NUL characters, control and right-to-left
characters, markup, very long strings), dates and numbers in and out of range,
field by field mixed with valid values so that validation goes past the first
field. The answer must be clean: the form shown again with its error (200 and
an error message), a redirect, or a plain 404 for an id that names nothing. A
server error fails the test (the test client raises the view's exception), and
no NUL character may reach the database (PostgreSQL refuses them: on SQLite
they would be stored silently).
"""

import os
import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memberspace.enrollments.models import Enrollment
from memberspace.families.models import Child, Invitation
from tests.factories import UserFactory
from tests.security.conftest import _rows, birth_date_for

pytestmark = pytest.mark.django_db

# `make test` tries the same 25 examples per form on every run (a CI run neither flickers nor
# lands by luck); `make fuzz` tries FUZZ_EXAMPLES new random ones, to find what these miss.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES or 25,
    derandomize=not FUZZ_EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ERROR_SHOWN = re.compile(r"message--error|field--error")

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x00" * 3,
        "\t\r\n",
        "<script>alert(1)</script>",
        "\"'><img src=x onerror=alert(1)>",
        "' OR 1=1 --",
        "%00",
        "%s%s%n",
        "{{ 7*7 }}",
        "\u202e\u200b\ufeff",
        "é" * 300,
        "9" * 40,
        "-1",
        "0",
        "1e308",
        "NaN",
        "²",
        "١٢",
        "2024-02-30",
        "31/12/9999",
        "0001-01-01",
        "9999-12-31",
        "../../etc/passwd",
        '"',
        'judo "du',
        "NEAR(a b) OR * -x:y ^",
    ]
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
NUMBER = st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.decimals()).map(str)
DATE = st.dates().flatmap(lambda day: st.sampled_from([day.isoformat(), day.strftime("%d/%m/%Y"), str(day.year)]))
ANY = st.one_of(NASTY, TEXT, NUMBER, DATE)


def mixed(valid):
    """A form's data: each field either its valid value or anything at all."""
    return st.fixed_dictionaries({name: st.one_of(st.just(value), ANY) for name, value in valid.items()})


def no_nul_stored():
    for model in (Child, Enrollment, Invitation, Child.guardians.through, UserFactory._meta.model):
        for row in _rows(model):
            assert not any(isinstance(value, str) and "\x00" in value for value in row), (model.__name__, row)


def assert_clean(response, *, form=True, allowed=(200, 302)):
    """A clean answer: an allowed status, and a re-shown form says what is wrong."""
    assert response.status_code in allowed, response.status_code
    if form and response.status_code == 200:
        assert ERROR_SHOWN.search(response.content.decode()), "the form is shown again without saying what is wrong"
    no_nul_stored()


def fresh(client, user=None):
    """Each example from a clean slate: no rate limit left by the last one, the session as given."""
    cache.clear()
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def recently_reauthenticated(client, user):
    """As after allauth's "confirm your password" page (pages that change the phone ask for it)."""
    from allauth.account.internal.flows.login import record_authentication

    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    record_authentication(request, user, "password", reauthenticated=True)
    request.session.save()


SIGNUP = {
    "first_name": "Nadia",
    "last_name": "Nouvelle",
    "email": "nadia@exemple.fr",
    "password1": "un-mot-de-passe-tres-solide",
    "phone": "06 12 34 56 78",
    "street": "3 rue Neuve",
    "postal_code": "75011",
    "city": "Paris",
    "notification_preference": "email",
    "privacy_consent": "on",
    "club_message": "Bonjour",
}
PROFILE = {key: SIGNUP[key] for key in ("first_name", "last_name", "street", "postal_code", "city")} | {
    "notification_preference": "sms"
}


def child_data(relationship=True):
    data = {
        "first_name": "Hugo",
        "last_name": "Essai",
        "birth_date": birth_date_for(8).isoformat(),
        "sex": "M",
        "school_level": "CE2",
        "health_notes": "Rien",
        "emergency_contact_name": "Tata",
        "emergency_contact_phone": "01 42 68 53 00",
        "image_rights_consent": "on",
        "may_leave_alone": "False",
    }
    return {"relationship": "mere", **data} if relationship else data


# Public forms


@FUZZ
@given(data=mixed(SIGNUP))
def test_sign_up(client, home, data):
    assert_clean(fresh(client).post(reverse("account_signup"), data))


@FUZZ
@given(data=mixed({"login": "claire@exemple.fr", "password": "un-mot-de-passe-solide"}))
def test_login(client, home, data):
    assert_clean(fresh(client).post(reverse("account_login"), data))


@FUZZ
@given(data=mixed({"email": "claire@exemple.fr"}))
def test_password_reset(client, home, data):
    assert_clean(fresh(client).post(reverse("account_reset_password"), data))


@FUZZ
@given(key=ANY, token=ANY, data=mixed({"password1": "un-nouveau-mot-de-passe", "password2": "un-nouveau-mot-de-passe"}))
def test_password_reset_link(client, home, key, token, data):
    """The link's key, whatever it holds, and the new password posted to it."""
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "cle"})
    url = url.replace("/1-cle/", f"/{quote(key or 'x', safe='')}-{quote(token or 'x', safe='')}/")
    assert_clean(fresh(client).get(url), form=False, allowed=(200, 302, 404))
    assert_clean(client.post(url, data), form=False, allowed=(200, 302, 404))


@FUZZ
@given(params=st.fixed_dictionaries({"age": ANY, "categorie": ANY, "jour": ANY, "page": ANY}))
def test_activity_catalogue_filters(client, activity_index, params):
    assert_clean(fresh(client).get(activity_index.url, params), form=False)


@FUZZ
@given(params=st.fixed_dictionaries({"age": ANY, "periode": ANY, "mois": ANY, "page": ANY}))
def test_stay_catalogue_filters(client, stay_index, params):
    assert_clean(fresh(client).get(stay_index.url, params), form=False)


@FUZZ
@given(params=st.fixed_dictionaries({"q": ANY, "page": ANY}))
def test_search(client, home, params):
    assert_clean(fresh(client).get(reverse("search"), params), form=False)


# Member forms


@FUZZ
@given(data=mixed(PROFILE))
def test_profile(client, world, data):
    assert_clean(fresh(client, world.owner).post(reverse("memberspace:profile"), data))


@FUZZ
@given(data=mixed({"phone": "07 98 76 54 32"}))
def test_phone(client, world, data):
    recently_reauthenticated(fresh(client, world.owner), world.owner)
    assert_clean(client.post(reverse("memberspace:change_phone"), data))


@FUZZ
@given(data=mixed(child_data()))
def test_child_add(client, world, data):
    assert_clean(fresh(client, world.owner).post(reverse("memberspace:child_add"), data))


@FUZZ
@given(data=mixed(child_data(relationship=False)))
def test_child_edit(client, world, data):
    url = reverse("memberspace:child_edit", args=[world.child.pk])
    assert_clean(fresh(client, world.coparent).post(url, data))


@FUZZ
@given(child=st.one_of(st.just("child"), ANY), offer=st.one_of(st.just("offer"), ANY), comment=ANY)
def test_enrollment_request(client, world, child, offer, comment):
    child = str(world.child.pk) if child == "child" else child
    offer = str(world.free_stay.pk) if offer == "offer" else offer
    client = fresh(client, world.owner)
    url = reverse("memberspace:enrollment_request")
    # The choice in the address (an unknown child is a 404), then the request posted.
    assert_clean(client.get(url, {"enfant": child, "offre": offer}), form=False, allowed=(200, 404))
    response = client.post(url, {"offre": offer, "children": [child], "comment": comment})
    assert_clean(response, form=False, allowed=(200, 302, 404))
    Enrollment.objects.filter(offer=world.free_stay).delete()  # the next example may request it again


@FUZZ
@given(
    child=st.one_of(st.just("child"), ANY),
    data=mixed({"email": "tata@exemple.fr", "relationship": "autre"}),
)
def test_invitation(client, world, child, data):
    child = str(world.child.pk) if child == "child" else child
    client = fresh(client, world.owner)
    url = reverse("memberspace:invite")
    assert_clean(client.get(url, {"enfant": child}), form=False)
    assert_clean(client.post(url, {**data, "children": [child]}))
    Invitation.objects.filter(email__iexact="tata@exemple.fr").delete()


@FUZZ
@given(token=ANY)
def test_invitation_link(client, world, token):
    url = reverse("memberspace:invitation_accept", kwargs={"token": "jeton"}).replace(
        "jeton", quote(token or "x", safe="")
    )
    client = fresh(client, world.other)
    assert_clean(client.get(url), form=False, allowed=(200, 302, 404))
    assert_clean(client.post(url), form=False, allowed=(200, 302, 404))


def test_the_fuzzed_forms_accept_valid_input(client, world):
    """The valid values the examples start from do go through (else the tests above prove little)."""
    assert client.post(reverse("account_signup"), SIGNUP).status_code == 302
    client.force_login(world.owner)
    assert client.post(reverse("memberspace:profile"), PROFILE).status_code == 302
    assert client.post(reverse("memberspace:child_add"), child_data()).status_code == 302
    url = reverse("memberspace:enrollment_request")
    posted = {"offre": world.free_stay.pk, "children": [world.child.pk], "comment": "x"}
    assert client.post(url, posted).status_code == 302
    invitation = {"email": "tata@exemple.fr", "relationship": "autre", "children": [world.child.pk]}
    assert client.post(reverse("memberspace:invite"), invitation).status_code == 302


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 40, "\x00", "-1"])
def test_ids_in_the_address_that_are_not_numbers(client, world, value):
    """Characters Python calls digits that are no number (``"²".isdigit()``), and ids out of range."""
    client.force_login(world.owner)
    url = reverse("memberspace:enrollment_request")
    assert_clean(client.get(url, {"enfant": value}), form=False, allowed=(404,))
    assert_clean(client.get(url, {"offre": value}), form=False, allowed=(200, 404))
    assert_clean(client.post(url, {"offre": value, "children": [world.child.pk]}), form=False, allowed=(200, 404))
    assert_clean(client.get(reverse("memberspace:invite"), {"enfant": value}), form=False)


@pytest.mark.parametrize("value", ["9" * 40, "²", "-1", ""])
def test_ticked_children_that_are_no_id(client, world, value):
    """A ticked child whose id is no number the database holds: the form says so, nothing is saved."""
    client.force_login(world.owner)
    requests = Enrollment.objects.count()
    url = reverse("memberspace:enrollment_request")
    posted = {"offre": world.free_stay.pk, "children": [world.child.pk, value]}
    response = client.post(url, posted)
    assert response.status_code == 200
    assert "Choisissez parmi les enfants proposés." in response.content.decode()
    assert Enrollment.objects.count() == requests

    invited = {"email": "tata@exemple.fr", "relationship": "autre", "children": [value]}
    response = client.post(reverse("memberspace:invite"), invited)
    assert response.status_code == 200
    assert "Choisissez parmi les enfants proposés." in response.content.decode()
    assert not Invitation.objects.filter(email="tata@exemple.fr").exists()
