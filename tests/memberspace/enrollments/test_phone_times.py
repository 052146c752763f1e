"""The member area writes times one French way (issue 13, item 14): « 9 h 05 », never « 09h05 » nor « 09:05 »."""

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from memberspace.accounts.models import User
from tests.factories import ChildFactory, EnrollmentFactory, ParentFactory, StayPageFactory
from tests.memberspace.accounts.test_accounts import SIGNUP

pytestmark = pytest.mark.django_db

OTHER_TIME_FORMATS = re.compile(r"\b\d{1,2}(h\d{2}|:\d{2})\b")


def page_text(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_an_enrollment_says_when_it_was_requested_the_french_way(client, stay_index):
    mother = ParentFactory()
    child = ChildFactory(guardians=[mother])
    requested = timezone.make_aware(datetime.datetime(2026, 9, 7, 9, 5))
    enrollment = EnrollmentFactory(
        child=child, offer=StayPageFactory(parent=stay_index), requested_at=requested, requested_by=mother
    )
    client.force_login(mother)
    text = page_text(client.get(reverse("memberspace:enrollment_detail", args=[enrollment.pk])))
    assert not OTHER_TIME_FORMATS.search(text), OTHER_TIME_FORMATS.search(text)
    assert "le 7\u00a0septembre 2026 à 9\u00a0h\u00a005" in text


def test_the_confirmation_page_says_when_the_account_was_made_the_french_way(
    client, home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), SIGNUP)
    User.objects.update(date_joined=timezone.make_aware(datetime.datetime(2026, 9, 7, 9, 5)))
    [message] = mail.outbox
    link = re.search(r"https?://testserver(/compte/confirm-email/[^\s]+)", message.body).group(1)
    text = page_text(client.get(link))
    assert not OTHER_TIME_FORMATS.search(text), OTHER_TIME_FORMATS.search(text)
    assert "7\u00a0septembre 2026 à 9\u00a0h\u00a005" in text
