"""The secretariat's record pages (modeladmin's inspect view) speak French: their back link
names the list in the plural (issue 13, item 13: « Retourner à la liste de compte parent »)."""

import pytest
from bs4 import BeautifulSoup

from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import (
    ActivityPageFactory,
    ChildFactory,
    EnrollmentFactory,
    NotificationFactory,
    ParentFactory,
)

pytestmark = pytest.mark.django_db

RECORDS = {
    "accounts.parentaccount": (lambda index: ParentFactory(), "Retour à la liste des comptes parents"),
    "families.child": (lambda index: ChildFactory(), "Retour à la liste des enfants"),
    "enrollments.enrollment": (
        lambda index: EnrollmentFactory(offer=ActivityPageFactory(parent=index)),
        "Retour à la liste des inscriptions",
    ),
    "notifications.notification": (lambda index: NotificationFactory(), "Retour à la liste des notifications"),
}


@pytest.mark.parametrize("model", sorted(RECORDS))
def test_a_record_page_leads_back_to_its_list_in_french(client, secretary, activity_index, model):
    make, expected = RECORDS[model]
    record = make(activity_index)
    login_staff(client, secretary)
    response = client.get(admin_url(model, "inspect", record.pk))
    assert response.status_code == 200
    back = BeautifulSoup(response.content, "html.parser").select_one("p.back a")
    assert back.get_text(" ", strip=True) == expected
    assert back["href"] == admin_url(model)
