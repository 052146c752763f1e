"""The shell's dashboard: it composes what the concept apps' services give it, in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.services import children as children_service
from memberspace.families.services import invitations
from tests import dates
from tests.factories import StayPageFactory
from tests.memberspace.enrollments.test_enrollments import child_of, parent, text

pytestmark = pytest.mark.django_db


def offer(stay_index, title, start=None):
    start = start or dates.offer_start()
    return StayPageFactory(parent=stay_index, title=title, capacity=1, start_date=start, end_date=start)


def family_with(mother, stay_index, count, name):
    """``count`` children, each with an upcoming enrollment, one of them waitlisted, and a sent invitation."""
    for number in range(count):
        child = child_of(mother, first_name=f"Enfant{number}")
        Enrollment.objects.create(
            child=child,
            offer=offer(stay_index, f"Séjour {name} {number}"),
            status="validated",
            price=450,
            deposit_amount=150,
            deposit_due_date=dates.today() + datetime.timedelta(days=15),
            balance_due_date=dates.offer_start() - datetime.timedelta(days=30),
            validated_at=timezone.now(),
        )
        Enrollment.objects.create(child=child, offer=offer(stay_index, f"Liste {name} {number}"), status="waitlisted")
        invitations.invite(mother, email=f"autre{number}@exemple.fr", children=[child], relationship="pere")


def dashboard_queries(client, user):
    client.force_login(user)
    client.get(reverse("memberspace:dashboard"))  # the site's settings and menus, cached after a first page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("memberspace:dashboard"))
    assert response.status_code == 200
    return len(queries), text(response)


def test_the_dashboard_reads_as_many_queries_for_one_child_as_for_many(client, home, stay_index):
    small, large = parent("petite@exemple.fr"), parent("grande@exemple.fr")
    family_with(small, stay_index, 1, "petite")
    family_with(large, stay_index, 4, "grande")
    few, _page = dashboard_queries(client, small)
    many, page = dashboard_queries(client, large)
    # The session, the user, the children, their upcoming enrollments, the waiting ranks,
    # the payments received (none: no refunds to read), the years of the attestations de
    # paiement, the invitations and their children: nine, whatever the family's size.
    assert few == many == 9
    assert "Enfant3 Martin" in page and "Liste grande 3" in page and "autre3@exemple.fr" in page
    assert page.count("Solde : 300\u00a0€ à régler avant le") == 4  # each validated stay's balance


def test_children_for_dashboard_lists_only_the_parents_own(home):
    mother, other = parent("mere@exemple.fr"), parent("autre@exemple.fr")
    mine = child_of(mother, first_name="Léa")
    child_of(other, first_name="Noah")
    assert list(children_service.children_for_dashboard(mother)) == [mine]


def test_upcoming_enrollments_leave_out_the_cancelled_and_the_offers_over(home, stay_index):
    mother = parent("mere@exemple.fr")
    child = child_of(mother)
    ahead = Enrollment.objects.create(child=child, offer=offer(stay_index, "À venir"), status="requested")
    waiting = Enrollment.objects.create(child=child, offer=offer(stay_index, "Complet"), status="waitlisted")
    Enrollment.objects.create(child=child, offer=offer(stay_index, "Annulé"), status=EnrollmentStatus.CANCELLED)
    past = dates.today() - datetime.timedelta(days=30)
    Enrollment.objects.create(child=child, offer=offer(stay_index, "Passé", start=past), status="validated")
    [listed] = enrollments.with_upcoming_enrollments(children_service.children_for_dashboard(mother))
    assert {enrollment.pk for enrollment in listed.upcoming_enrollments} == {ahead.pk, waiting.pk}
    assert [e.waiting_rank() for e in listed.upcoming_enrollments if e.pk == waiting.pk] == [1]
