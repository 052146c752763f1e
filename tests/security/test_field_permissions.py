"""Issue 11, finding 3: the communication team cannot change an offer's places, prices or payment terms.

Per role and per page type, which fields the editor's form holds; then the
paths that write or publish a page: the edit view (draft and publication),
reverting to an old revision, scheduled publishing, copying, creating, the
club's settings, and the absence of a write API.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Revision, get_page_models
from wagtail.test.utils.form_data import querydict_from_html, rich_text

from pages.models import OFFER_TERMS_FIELDS, OFFER_TERMS_PERMISSION, ClubSettings, OfferPage
from stays.models import StayPage
from tests.auth import login_staff
from tests.factories import ActivityPageFactory, StayPageFactory
from tests.security.conftest import set_up_club

pytestmark = pytest.mark.django_db

FAKE_IBAN = "FR7612345000019876543210987"
# What an editor of the communication team would like to set.
FORGED = {
    "min_age": "3",
    "max_age": "17",
    "start_date": "2031-01-05",
    "end_date": "2031-01-06",
    "capacity": "999",
    "price": "1.00",
    "deposit_amount": "0.00",
    "registration_opens_at": "2020-01-01 08:00",
    "registration_closes_at": "2031-01-01 08:00",
    "payment_terms": rich_text(f"<p>Virement sur le compte {FAKE_IBAN}</p>"),
}
TERMS = {
    "min_age": 8,
    "max_age": 12,
    "capacity": 5,
    "price": Decimal("450.00"),
    "deposit_amount": Decimal("150.00"),
    "payment_terms": "<p>Chèque à l'ordre du PO.</p>",
}


@pytest.fixture(autouse=True)
def _site(home, stay_index, activity_index):
    """The site and its catalogues first: ``setup_roles`` gives page permissions on them."""
    return home


def form_for(model, user):
    """The edit form Wagtail builds for ``user`` on a page of type ``model``."""
    form_class = model.get_edit_handler().get_form_class()
    return form_class(instance=model(), for_user=user, parent_page=Page.get_first_root_node())


@pytest.mark.parametrize("model", get_page_models(), ids=lambda model: model._meta.label)
def test_only_the_secretariat_form_holds_an_offers_terms(model, secretary, editor):
    secretary_fields = set(form_for(model, secretary).fields)
    editor_fields = set(form_for(model, editor).fields)
    terms = set(OFFER_TERMS_FIELDS)

    # Everything else is the same for both roles; the terms are missing from the editor's form.
    assert editor_fields == secretary_fields - terms
    if issubclass(model, OfferPage) and model.is_creatable:
        assert terms <= secretary_fields
    # Any page type whose form has such a field guards it with the permission.
    form_class = model.get_edit_handler().get_form_class()
    guarded = form_class._meta.field_permissions or {}
    for name in terms & set(form_class.base_fields):
        assert guarded.get(name) == OFFER_TERMS_PERMISSION, (model, name)


def test_the_secretariat_and_superusers_hold_the_permission_and_communication_does_not(secretary, editor):
    from tests.factories import UserFactory

    assert secretary.has_perm(OFFER_TERMS_PERMISSION)
    assert UserFactory(is_superuser=True, is_staff=True).has_perm(OFFER_TERMS_PERMISSION)
    assert not editor.has_perm(OFFER_TERMS_PERMISSION)


@pytest.fixture
def stay(stay_index):
    return StayPageFactory(
        parent=stay_index,
        title="Neige à Morzine",
        start_date=datetime.date(2030, 2, 10),
        end_date=datetime.date(2030, 2, 16),
        registration_opens_at=datetime.datetime(2029, 11, 5, 8, 0, tzinfo=datetime.UTC),
        registration_closes_at=None,
        **TERMS,
    )


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def edit_form_data(client, page, **changes):
    """What the edit form sends (read from the page as ``client`` sees it), with ``changes``."""
    response = client.get(edit_url(page))
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data["body-count"] = "0"  # the StreamField's inputs are made by the browser's script
    for name, value in changes.items():
        data[name] = value
    return data


def terms_of(offer):
    return {name: getattr(offer, name) for name in OFFER_TERMS_FIELDS}


def assert_terms_unchanged(page, before):
    """The live offer, its latest revision and what that revision stores all hold the terms ``before``."""
    latest = Revision.objects.filter(object_id=str(page.pk)).order_by("-created_at", "-pk").first()
    assert terms_of(StayPage.objects.get(pk=page.pk)) == before
    assert terms_of(latest.as_object()) == before
    # Not stored in the revision either (it would show in the comparison of revisions).
    assert FAKE_IBAN not in str(latest.content)
    assert (latest.content["capacity"], latest.content["price"]) == (before["capacity"], str(before["price"]))


@pytest.mark.parametrize("action", ["draft", "publish"])
def test_communication_cannot_change_an_offers_terms_through_the_editor(client, editor, stay, action):
    before = terms_of(StayPage.objects.get(pk=stay.pk))
    login_staff(client, editor)
    data = edit_form_data(client, stay, intro="Nouveau résumé", **FORGED)
    if action == "publish":
        data["action-publish"] = "1"

    response = client.post(edit_url(stay), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    revision = Revision.objects.filter(object_id=str(stay.pk)).order_by("-pk").first()
    assert revision.as_object().intro == "Nouveau résumé"  # the rest of the edit is kept
    if action == "publish":
        assert StayPage.objects.get(pk=stay.pk).intro == "Nouveau résumé"
    assert_terms_unchanged(stay, before)


def test_communication_sees_the_terms_read_only(client, editor, stay):
    login_staff(client, editor)
    response = client.get(edit_url(stay))
    html = response.content.decode()
    data = querydict_from_html(html, form_id="page-edit-form")
    for name in OFFER_TERMS_FIELDS:
        assert name not in data, name
    assert "Réservé au secrétariat" in html
    assert "450,00" in html  # the price, shown
    assert "Chèque à l&#x27;ordre du PO." in html or "Chèque à l'ordre du PO." in html


def test_the_secretariat_changes_the_terms_and_they_apply_at_once(client, secretary, stay):
    login_staff(client, secretary)
    data = edit_form_data(
        client,
        stay,
        capacity="12",
        price="480.00",
        deposit_amount="160.00",
        payment_terms=rich_text("<p>Virement au PO.</p>"),
    )
    html = client.get(edit_url(stay)).content.decode()
    assert 'name="capacity"' in html and html.count('name="capacity"') == 1

    response = client.post(edit_url(stay), data)  # a draft

    assert response.status_code == 302, response.content.decode()[:2000]
    live = StayPage.objects.get(pk=stay.pk)
    assert (live.capacity, live.price, live.deposit_amount) == (12, Decimal("480.00"), Decimal("160.00"))
    assert "Virement au PO." in live.payment_terms
    assert live.get_latest_revision_as_object().capacity == 12


def test_an_invalid_value_from_the_secretariat_is_refused_in_french(client, secretary, stay):
    login_staff(client, secretary)
    data = edit_form_data(client, stay, deposit_amount="900.00")

    response = client.post(edit_url(stay), data)

    assert response.status_code == 200
    assert "L&#x27;acompte ne peut pas dépasser le prix." in response.content.decode()
    assert StayPage.objects.get(pk=stay.pk).deposit_amount == TERMS["deposit_amount"]


def old_revision_then_new_terms(stay, secretary):
    """A revision of the offer at 450 €, then the secretariat's new terms (published)."""
    old = stay.save_revision(user=secretary)
    old.publish()
    page = StayPage.objects.get(pk=stay.pk)
    page.price = Decimal("520.00")
    page.capacity = 8
    page.payment_terms = "<p>Nouvelles modalités.</p>"
    page.save_revision(user=secretary).publish()
    return Revision.objects.get(pk=old.pk)


def assert_new_terms_live(stay):
    live = StayPage.objects.get(pk=stay.pk)
    assert (live.price, live.capacity, live.payment_terms) == (Decimal("520.00"), 8, "<p>Nouvelles modalités.</p>")


def test_reverting_to_an_old_revision_keeps_the_secretariats_terms(client, secretary, editor, stay):
    old = old_revision_then_new_terms(stay, secretary)
    login_staff(client, editor)
    revert_url = reverse("wagtailadmin_pages:revisions_revert", args=[stay.pk, old.pk])
    response = client.get(revert_url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data["body-count"] = "0"
    data["revision"] = str(old.pk)
    data["action-publish"] = "1"

    response = client.post(edit_url(stay), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert_new_terms_live(stay)


def test_publishing_an_old_revision_keeps_the_secretariats_terms(secretary, stay):
    old = old_revision_then_new_terms(stay, secretary)

    old.publish()

    assert_new_terms_live(stay)


def test_a_scheduled_revision_keeps_the_secretariats_terms(editor, secretary, stay):
    # The communication team schedules its revision (written when the offer was at 450 €)…
    scheduled = StayPage.objects.get(pk=stay.pk)
    scheduled.intro = "Programmé"
    revision = scheduled.save_revision(user=editor, approved_go_live_at=timezone.now() - datetime.timedelta(minutes=1))
    # …the secretariat changes the terms meanwhile…
    page = StayPage.objects.get(pk=stay.pk)
    page.price = Decimal("520.00")
    page.capacity = 8
    page.payment_terms = "<p>Nouvelles modalités.</p>"
    page.save(update_fields=["price", "capacity", "payment_terms"])

    call_command("publish_scheduled")  # as the schedule does

    revision.refresh_from_db()
    assert revision.approved_go_live_at is None
    assert StayPage.objects.get(pk=stay.pk).intro == "Programmé"
    assert_new_terms_live(stay)


def test_a_copy_by_communication_keeps_the_terms_of_the_offer_copied(client, editor, stay, stay_index):
    login_staff(client, editor)
    response = client.post(
        reverse("wagtailadmin_pages:copy", args=[stay.pk]),
        {
            "new_title": "Neige à Morzine (2)",
            "new_slug": "neige-a-morzine-2",
            "new_parent_page": str(stay_index.pk),
            "publish_copies": "on",
            **{name: value for name, value in FORGED.items() if name != "payment_terms"},
            "payment_terms": FAKE_IBAN,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    copy = StayPage.objects.get(slug="neige-a-morzine-2")
    for name, value in TERMS.items():
        assert getattr(copy, name) == value, name


def test_communication_cannot_create_an_offer(client, editor, stay_index, activity_index):
    login_staff(client, editor)
    for parent, model in ((stay_index, "staypage"), (activity_index, "activitypage")):
        app = "stays" if model == "staypage" else "activities"
        url = reverse("wagtailadmin_pages:add", args=[app, model, parent.pk])
        for response in (client.get(url), client.post(url, {"title": "Offre", "slug": "offre", **FORGED})):
            assert response.status_code == 302
            assert response["Location"] == reverse("wagtailadmin_explore", args=[parent.pk])
    assert not OfferPage.objects.filter(title="Offre").exists()
    messages = [str(message) for message in response.wsgi_request._messages]
    assert any("Seul le secrétariat peut créer une offre" in message for message in messages)


def test_the_secretariat_can_create_an_offer_but_not_edit_the_other_pages(client, secretary, home, activity_index):
    login_staff(client, secretary)
    url = reverse("wagtailadmin_pages:add", args=["activities", "activitypage", activity_index.pk])
    assert client.get(url).status_code == 200
    assert not home.permissions_for_user(secretary).can_edit()


def test_a_catalogue_created_later_is_the_secretariats_too(client, secretary, home, stay_index):
    from tests.factories import UserFactory

    stay_index.delete()  # one catalogue of stays per site: the club replaces it
    login_staff(client, UserFactory(is_superuser=True, is_staff=True))
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["stays", "stayindexpage", home.pk]),
        {"title": "Séjours d'été", "slug": "sejours-ete", "intro": rich_text("")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    catalogue = Page.objects.get(slug="sejours-ete")

    assert catalogue.permissions_for_user(secretary).can_add_subpage()


def test_communication_cannot_edit_the_clubs_payment_details(client, editor, home):
    club = set_up_club()
    login_staff(client, editor)
    url = reverse("wagtailsettings:edit", args=["pages", "clubsettings", home.get_site().pk])

    assert client.get(url).status_code in (302, 403)
    response = client.post(url, {"contact_email": "pirate@exemple.fr", "deposit_due_days": "15", "iban": FAKE_IBAN})

    assert response.status_code in (302, 403)
    club = ClubSettings.objects.get(pk=club.pk)
    assert club.iban == "FR7630006000011234567890189"
    assert club.contact_email == "secretariat@le-po.test"


def test_there_is_no_write_api(client, editor):
    # Wagtail's API (read-only in any case) is not installed: pages change only through the admin.
    assert not any(app.startswith("wagtail.api") for app in settings.INSTALLED_APPS)
    login_staff(client, editor)
    assert client.get("/api/v2/pages/").status_code == 404


def test_an_activity_is_guarded_too(client, editor, activity_index):
    activity = ActivityPageFactory(parent=activity_index, capacity=10, price=Decimal("200.00"))
    login_staff(client, editor)
    response = client.get(edit_url(activity))
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data["body-count"] = "0"
    data.update({"capacity": "999", "price": "1.00", "action-publish": "1"})

    response = client.post(edit_url(activity), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    activity.refresh_from_db()
    assert (activity.capacity, activity.price) == (10, Decimal("200.00"))


@pytest.mark.parametrize("role", ["editor", "secretary"])
def test_the_revisions_screens_show_the_offers_own_terms(client, request, secretary, stay, role):
    old = old_revision_then_new_terms(stay, secretary)
    latest = StayPage.objects.get(pk=stay.pk).latest_revision
    login_staff(client, request.getfixturevalue(role))

    compare = client.get(reverse("wagtailadmin_pages:revisions_compare", args=[stay.pk, old.pk, latest.pk]))
    revert = client.get(reverse("wagtailadmin_pages:revisions_revert", args=[stay.pk, old.pk]))

    assert compare.status_code == 200
    assert "450,00" not in compare.content.decode()  # not a version of the offer to go back to
    assert revert.status_code == 200
    # The revert form shows the offer's terms as they are, not those of the old revision.
    html = revert.content.decode()
    assert "520,00" in html or 'value="520.00"' in html
    assert "450,00" not in html and 'value="450.00"' not in html
