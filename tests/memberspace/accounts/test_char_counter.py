"""Long free text on a phone (issue 13, item 9): never cut by the browser, counted as it is typed.

Every textarea of the parents' forms has a limit, said by a live counter (``data-maxchars``,
read by static/js/char-counter.js) and checked by the server, never by a ``maxlength`` attribute
that makes the browser cut a paste without a word.
"""

import datetime
import importlib

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.urls import reverse
from django.utils import timezone

from memberspace.accounts.models import User
from memberspace.enrollments.models import Enrollment
from memberspace.families.models import Child
from tests.factories import ChildFactory, ParentFactory, StayPageFactory
from tests.memberspace.accounts.test_accounts import SIGNUP
from tests.memberspace.families.test_children import child_data

pytestmark = pytest.mark.django_db

# Every module of the site that defines the forms parents fill in.
FORM_MODULES = [
    "memberspace.accounts.forms",
    "memberspace.families.forms",
    "memberspace.enrollments.views",
    "pages.catalogue",
]


def site_forms():
    for name in FORM_MODULES:
        importlib.import_module(name)

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return {cls for cls in walk(forms.BaseForm) if cls.__module__ in FORM_MODULES}


def long_text_fields():
    return {
        (form.__name__, name): field
        for form in site_forms()
        for name, field in form.base_fields.items()
        if isinstance(field.widget, forms.Textarea)
    }


def test_every_long_text_field_is_counted_and_never_cut():
    fields = long_text_fields()
    # The three the parents see: the sign-up's message, a child's health notes, a request's message.
    assert {("ParentSignupForm", "club_message"), ("ChildForm", "health_notes"), ("RequestForm", "comment")} <= set(
        fields
    )
    for (form, name), field in fields.items():
        attrs = field.widget.attrs
        assert field.max_length, f"{form}.{name} has no limit"
        assert attrs.get("data-maxchars") == str(field.max_length), f"{form}.{name} has no counter"
        assert "maxlength" not in attrs, f"{form}.{name} would be cut by the browser"


def textareas(response):
    return BeautifulSoup(response.content, "html.parser").find_all("textarea")


def assert_counted(textarea, limit):
    assert textarea.get("data-maxchars") == str(limit)
    assert textarea.get("maxlength") is None


def test_the_rendered_long_text_fields_carry_the_counter(client, home):
    response = client.get(reverse("account_signup"))
    (message,) = textareas(response)
    assert_counted(message, 2000)
    # The counter's French texts, which static/js/char-counter.js puts under the field.
    page = BeautifulSoup(response.content, "html.parser")
    model = page.find("template", id="char-counter")
    assert "{count} caractères restants" in str(model) and "{count} caractères en trop" in str(model)
    assert page.find("script", src=lambda src: src and "js/char-counter" in src)

    mother = ParentFactory()
    client.force_login(mother)
    (notes,) = textareas(client.get(reverse("memberspace:child_add")))
    assert_counted(notes, 2000)
    child = ChildFactory(guardians=[mother])
    (notes,) = textareas(client.get(reverse("memberspace:child_edit", args=[child.pk])))
    assert_counted(notes, 2000)


@pytest.fixture
def stay(stay_index):
    return StayPageFactory(parent=stay_index, min_age=6, max_age=12)


def test_the_enrollment_request_message_carries_the_counter(client, stay):
    mother = ParentFactory()
    ChildFactory(guardians=[mother], birth_date=timezone.localdate() - datetime.timedelta(days=9 * 365))
    client.force_login(mother)
    (comment,) = textareas(client.get(reverse("memberspace:enrollment_request"), {"offre": stay.pk}))
    assert_counted(comment, 1000)


def typed_back(response, name):
    # (a newline right after <textarea> is not part of its value, as browsers read it)
    page = BeautifulSoup(response.content, "html.parser")
    return page.find("textarea", attrs={"name": name}).get_text().removeprefix("\n")


def error_text(response, name):
    error = BeautifulSoup(response.content, "html.parser").find(id=f"id_{name}_error")
    return error.get_text(" ", strip=True).replace("\u202f", " ").replace("\xa0", " ") if error else ""


LONG = "Allergie aux arachides, à l'œuf & au lait <sévère> ; " * 100  # 5,400 characters, ' & < kept


def test_too_long_a_message_is_refused_with_a_message_and_kept_whole(client, home):
    response = client.post(reverse("account_signup"), {**SIGNUP, "club_message": LONG})
    assert response.status_code == 200
    assert "au plus 2000 caractères" in error_text(response, "club_message")
    assert typed_back(response, "club_message") == LONG


def test_too_long_health_notes_are_refused_with_a_message_and_kept_whole(client, home):
    client.force_login(ParentFactory())
    response = client.post(reverse("memberspace:child_add"), child_data(health_notes=LONG))
    assert response.status_code == 200 and not Child.objects.exists()
    assert "au plus 2000 caractères" in error_text(response, "health_notes")
    assert typed_back(response, "health_notes") == LONG


def test_too_long_a_request_message_is_refused_with_a_message_and_kept_whole(client, stay):
    mother = ParentFactory()
    child = ChildFactory(guardians=[mother], birth_date=timezone.localdate() - datetime.timedelta(days=9 * 365))
    client.force_login(mother)
    url = reverse("memberspace:enrollment_request")
    response = client.post(url, {"offre": stay.pk, "children": [child.pk], "comment": LONG})
    assert response.status_code == 200 and not Enrollment.objects.exists()
    assert "au plus 1000 caractères" in error_text(response, "comment")
    assert typed_back(response, "comment") == LONG


def test_line_breaks_count_once_as_on_the_counter(client, home):
    """The counter counts a line break as one character; the browser sends it as two (CR LF)."""
    lines = ["Léa Martin, judo le mercredi."] * 50
    message = "\n".join(lines).ljust(2000, ".")
    assert len(message) == 2000
    response = client.post(reverse("account_signup"), {**SIGNUP, "club_message": message.replace("\n", "\r\n")})
    assert response.status_code == 302
    assert User.objects.get().club_message == message
