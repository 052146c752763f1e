"""A request for places sent twice is recognised by the enrollments' service (``already_requested``)."""

import datetime

import pytest

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from tests import dates
from tests.factories import StayPageFactory
from tests.memberspace.enrollments.test_enrollments import child_of, parent

pytestmark = pytest.mark.django_db


def test_a_request_sent_again_is_recognised_only_when_every_child_has_one_already(stay_index):
    stay = StayPageFactory(
        parent=stay_index,
        capacity=5,
        start_date=dates.offer_start(),
        end_date=dates.offer_start() + datetime.timedelta(days=6),
    )
    mother = parent("claire.martin@exemple.fr")
    lea, noah = child_of(mother), child_of(mother, first_name="Noah")
    assert enrollments.already_requested(stay, [lea]) == []
    enrollments.request_enrollments(mother, offer=stay, children=[lea])
    assert enrollments.already_requested(stay, [lea]) == [lea]
    assert enrollments.already_requested(stay, [lea, noah]) == []  # Noah's request is new: not a resubmission
    assert enrollments.already_requested(stay, []) == []
    Enrollment.objects.filter(child=lea).update(status=EnrollmentStatus.CANCELLED)
    assert enrollments.already_requested(stay, [lea]) == []  # asked again after a cancellation: a new request
