"""Every form that creates a row, sent twice at the same instant (a double click, two tabs).

Real threads, each with its own browser session and database connection, posting
through the real views: each pair must answer like a single submission (no server
error) and leave one row. The invitation form's pair is in
tests/memberspace/families/test_children.py; the enrollment decisions' races in
tests/memberspace/enrollments/test_enrollment_races.py.
"""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from memberspace.accounts.models import User
from memberspace.enrollments.models import Enrollment
from memberspace.families.models import Child, Guardianship
from tests.concurrency import run_together
from tests.factories import StayIndexPageFactory, StayPageFactory, UserFactory
from tests.memberspace.accounts.test_accounts import SIGNUP
from tests.memberspace.families.test_children import child_data

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROUNDS = 4


def post_together(clients, url, data):
    results = run_together([lambda client=client: client.post(url, data) for client in clients])
    return [response for _kind, response in results]


def validated_parent(email):
    user = UserFactory(email=email, account_status="validated")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_creer_mon_compte_clicked_twice_answers_once_and_makes_one_account(transactional_home):
    for number in range(ROUNDS):
        email = f"double.clic{number}@exemple.fr"
        responses = post_together([Client(), Client()], reverse("account_signup"), {**SIGNUP, "email": email})
        assert [response.status_code for response in responses] == [302, 302]
        assert {response["Location"] for response in responses} == {reverse("account_email_verification_sent")}
        assert User.objects.filter(email=email).count() == 1
        assert EmailAddress.objects.filter(email=email).count() == 1


def test_a_child_sent_twice_at_once_is_created_once(transactional_home):
    for number in range(ROUNDS):
        mother = validated_parent(f"mere{number}@exemple.fr")
        data = child_data(first_name=f"Léa{number}")
        responses = post_together([signed_in(mother), signed_in(mother)], reverse("memberspace:child_add"), data)
        child = Child.objects.get(first_name=f"Léa{number}")
        assert Guardianship.objects.filter(parent=mother).count() == 1
        # The second is recognised as the same form sent twice: both answers lead to the child.
        detail = reverse("memberspace:child_detail", args=[child.pk])
        assert [(response.status_code, response["Location"]) for response in responses] == [(302, detail)] * 2


def test_an_enrollment_request_sent_twice_at_once_is_recorded_once(transactional_home):
    start = timezone.localdate() + datetime.timedelta(days=60)
    offer = StayPageFactory(
        parent=StayIndexPageFactory(parent=transactional_home), capacity=10, start_date=start, end_date=start
    )
    for number in range(ROUNDS):
        mother = validated_parent(f"demande{number}@exemple.fr")
        child = Child.objects.create(
            first_name=f"Hugo{number}", last_name="Martin", birth_date=start.replace(year=start.year - 8)
        )
        Guardianship.objects.create(child=child, parent=mother, relationship="mere")
        data = {"offre": offer.pk, "children": [child.pk], "comment": "Merci"}
        responses = post_together(
            [signed_in(mother), signed_in(mother)], reverse("memberspace:enrollment_request"), data
        )
        assert all(response.status_code in (200, 302) for response in responses), responses
        assert Enrollment.objects.filter(child=child, offer=offer).count() == 1
