"""Personal-data rights: access and export, erasure on request, retention purges, error reports."""

import datetime
import json
import sys
from html import unescape
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.urls import reverse
from django.utils import timezone
from django.views.debug import ExceptionReporter
from wagtail.models import ModelLogEntry

from memberspace.accounts.models import AccountStatus
from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.models import Child, ChildStatus
from memberspace.families.services import children as children_service
from memberspace.legacy.models import AccountSuggestions
from memberspace.notifications.models import Notification
from memberspace.privacy import services as privacy
from pages.models import ClubSettings
from tests import dates
from tests.auth import login_staff
from tests.factories import PASSWORD, ChildFactory, ParentFactory, StayPageFactory

pytestmark = pytest.mark.django_db


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


def parent(email, status="validated", **kwargs):
    return ParentFactory(email=email, account_status=status, **kwargs)


def child_of(*guardians, first_name="Léa", health_notes="Allergie aux arachides", **fields):
    return ChildFactory(
        first_name=first_name,
        birth_date=dates.years_before(dates.offer_start(), 8),
        health_notes=health_notes,
        guardians=guardians,
        **fields,
    )


@pytest.fixture
def family(home, stay_index):
    mother = parent("claire.martin@exemple.fr", first_name="Claire", last_name="Martin", phone="+33612345678")
    father = parent("paul.martin@exemple.fr", first_name="Paul", last_name="Martin")
    shared = child_of(mother, father)
    own = child_of(mother, first_name="Hugo", health_notes="Asthme")
    stay = StayPageFactory(
        parent=stay_index, title="Voile", start_date=dates.offer_start(), end_date=dates.offer_start(), capacity=10
    )
    return mother, father, shared, own, stay


# Access and export


def test_a_parent_downloads_everything_held_about_them_and_their_children(client, family):
    mother, father, shared, own, stay = family
    (enrollment,) = enrollments.request_enrollments(mother, offer=stay, children=[own])
    stranger = child_of(parent("autre@exemple.fr"), first_name="Noah", health_notes="Diabète")
    client.force_login(mother)
    response = client.get(reverse("memberspace:my_data_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="le-po-mes-donnees-')
    data = json.loads(response.content)
    assert data["account"]["email"] == "claire.martin@exemple.fr" and data["account"]["phone"] == "+33612345678"
    names = {child["first_name"]: child for child in data["children"]}
    assert set(names) == {"Léa", "Hugo"}
    assert names["Hugo"]["health_notes"] == "Asthme"
    assert {"name": "Paul Martin", "relationship": "Mère"} in names["Léa"]["guardians"]
    assert [e["reference"] for e in data["enrollments"]] == [enrollment.reference]
    assert any(m["subject"] and "Voile" in m["subject"] for m in data["messages_sent_to_you"])
    assert stranger.first_name not in response.content.decode() and "Diabète" not in response.content.decode()


def test_the_same_data_as_a_page_to_read_or_print(client, family):
    mother, father, shared, own, stay = family
    client.force_login(father)
    page = text(client.get(reverse("memberspace:my_data")))
    assert "paul.martin@exemple.fr" in page and "Léa Martin" in page and "Allergie aux arachides" in page
    assert "Hugo" not in page  # not his child


def test_the_data_pages_need_a_login(client, home):
    for name in ("my_data", "my_data_json", "erasure"):
        response = client.get(reverse(f"memberspace:{name}"))
        assert response.status_code == 302 and response["Location"].startswith("/compte/login/")


# Erasure


def test_a_parent_asks_for_erasure_with_the_password_and_the_secretariat_is_told(client, family, secretary, settings):
    mother = family[0]
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    client.force_login(mother)
    response = client.post(reverse("memberspace:erasure"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    mother.refresh_from_db()
    assert mother.erasure_requested_at is None
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert "Votre demande d'effacement est transmise au secrétariat" in text(response)
    mother.refresh_from_db()
    assert mother.erasure_requested_at is not None
    told = Notification.objects.get(kind="secretariat_erasure_request")
    assert told.user == secretary and "Claire Martin" in told.body_text
    response = client.post(reverse("memberspace:erasure"), {"action": "retirer"}, follow=True)
    assert "Votre demande d'effacement est retirée." in text(response)
    mother.refresh_from_db()
    assert mother.erasure_requested_at is None


def test_the_secretariat_erases_a_requested_account_and_keeps_what_the_accounts_need(client, family, secretary):
    mother, father, shared, own, stay = family
    AccountSuggestions.objects.create(account=mother, signature="x", data={"households": [], "homonyms": []})
    (waiting,) = enrollments.request_enrollments(mother, offer=stay, children=[own])
    (paid,) = enrollments.request_enrollments(mother, offer=stay, children=[shared])
    enrollments.validate(paid, by=secretary)
    enrollments.record_deposit(paid, by=secretary)
    privacy.request_erasure(mother)
    login_staff(client, secretary)
    url = reverse("accounts_parentaccount_modeladmin_erase", args=[mother.pk])
    assert "Effacer le compte de Claire Martin" in text(client.get(url))
    response = client.post(url, follow=True)
    assert "Le compte de Claire Martin est effacé" in text(response)
    assert "Enfants archivés : Hugo Martin" in text(response)

    mother.refresh_from_db()
    assert mother.account_status == AccountStatus.ERASED and not mother.is_active
    assert (mother.first_name, mother.last_name, mother.phone, mother.street) == ("", "", "", "")
    assert mother.email == f"efface-{mother.pk}@efface.invalid" and not mother.has_usable_password()
    assert not EmailAddress.objects.filter(user=mother).exists()
    assert not Notification.objects.filter(user=mother).exists()
    assert not AccountSuggestions.objects.filter(account=mother).exists()  # which children its message named
    assert not ModelLogEntry.objects.filter(object_id=str(mother.pk), label__contains="Claire").exists()
    # The shared child stays with the father; the other is archived, its pending request cancelled.
    assert list(shared.guardians.all()) == [father]
    own.refresh_from_db()
    assert own.status == ChildStatus.ARCHIVED and own.archived_at
    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.CANCELLED
    paid.refresh_from_db()
    assert paid.status == EnrollmentStatus.DEPOSIT_RECEIVED and paid.requested_by == mother
    confirmation = Notification.objects.get(kind="account_erased")
    assert confirmation.address == "claire.martin@exemple.fr" and "effacé votre compte" in confirmation.body_text
    client.logout()
    response = client.post("/compte/login/", {"login": "claire.martin@exemple.fr", "password": PASSWORD})
    assert response.status_code == 200  # no way in any more


def test_an_account_is_erased_only_on_request(client, family, secretary):
    mother = family[0]
    login_staff(client, secretary)
    response = client.post(reverse("accounts_parentaccount_modeladmin_erase", args=[mother.pk]), follow=True)
    assert "n'a pas demandé son effacement" in text(response)
    mother.refresh_from_db()
    assert mother.account_status == AccountStatus.VALIDATED and mother.email == "claire.martin@exemple.fr"


def test_the_admin_home_lists_the_erasure_requests(client, family, secretary):
    privacy.request_erasure(family[0])
    login_staff(client, secretary)
    assert "1 parent demande l'effacement de son compte." in text(client.get("/admin/"))
    listing = text(client.get(reverse("accounts_parentaccount_modeladmin_index"), {"effacement": "demande"}))
    assert "Claire Martin" in listing and "Paul Martin" not in listing


# Retention purges


def age(user, days, field="date_joined"):
    type(user).objects.filter(pk=user.pk).update(**{field: timezone.now() - datetime.timedelta(days=days)})


def test_accounts_never_verified_are_deleted_after_seven_days(home):
    old = parent("vieux@exemple.fr", status="pending", verified=False)
    recent = parent("recent@exemple.fr", status="pending", verified=False)
    verified = parent("verifie@exemple.fr", status="pending")
    age(old, 8), age(recent, 6), age(verified, 30)
    dry = privacy.purge_unverified_accounts(dry_run=True)
    assert [str(a.email) for a in dry.found] == ["vieux@exemple.fr"]
    assert type(old).objects.filter(pk=old.pk).exists()
    assert privacy.purge_unverified_accounts().count == 1
    emails = set(type(old).objects.values_list("email", flat=True))
    assert "vieux@exemple.fr" not in emails and {"recent@exemple.fr", "verifie@exemple.fr"} <= emails


def test_accounts_never_validated_are_deleted_after_the_clubs_period(home):
    club = ClubSettings.current()
    club.unvalidated_account_retention_days = 60
    club.save()
    waiting = parent("attente@exemple.fr", status="pending")
    refused = parent("refuse@exemple.fr", status="rejected")
    young = parent("jeune@exemple.fr", status="pending")
    validated = parent("valide@exemple.fr")
    age(waiting, 61, "pending_since"), age(refused, 61, "status_changed_at"), age(young, 59, "pending_since")
    age(validated, 400)
    purge = privacy.purge_unvalidated_accounts()
    assert sorted(a.email for a in purge.found) == ["attente@exemple.fr", "refuse@exemple.fr"]
    emails = set(type(waiting).objects.values_list("email", flat=True))
    assert {"jeune@exemple.fr", "valide@exemple.fr"} <= emails and "attente@exemple.fr" not in emails


def test_archived_children_are_erased_after_the_retention_period(family, secretary):
    mother, father, shared, own, stay = family
    (paid,) = enrollments.request_enrollments(mother, offer=stay, children=[own])
    enrollments.validate(paid, by=secretary)
    enrollments.record_deposit(paid, by=secretary)
    lone = child_of(parent("seul@exemple.fr"), first_name="Zoé")
    for child in (own, lone):
        child.guardianships.all().delete()
        children_service.archive(child)
    recent = child_of(first_name="Tom")
    children_service.archive(recent)
    Child.objects.filter(pk__in=[own.pk, lone.pk]).update(archived_at=timezone.now() - datetime.timedelta(days=3 * 366))
    assert {c.first_name for c in privacy.purge_archived_children(dry_run=True).found} == {"Hugo", "Zoé"}
    privacy.purge_archived_children()
    own.refresh_from_db()
    assert (own.first_name, own.last_name, own.health_notes) == ("—", "—", "")
    assert (own.birth_date.month, own.birth_date.day) == (1, 1)
    assert Enrollment.objects.filter(pk=paid.pk, status=EnrollmentStatus.DEPOSIT_RECEIVED).exists()
    assert not ModelLogEntry.objects.filter(label__contains="Hugo").exists()
    assert not Child.objects.filter(pk=lone.pk).exists()
    assert Child.objects.filter(pk=recent.pk, first_name="Tom").exists()
    assert privacy.purge_archived_children().count == 0  # an anonymous row is not erased twice


def test_the_notification_log_is_kept_one_year(family):
    mother = family[0]
    Notification.objects.all().delete()
    old_sent = Notification.objects.create(kind="test", channel="email", user=mother, address="a@b.fr", status="sent")
    old_queued = Notification.objects.create(kind="test", channel="email", user=mother, address="a@b.fr")
    recent = Notification.objects.create(kind="test", channel="email", user=mother, address="a@b.fr", status="sent")
    Notification.objects.filter(pk__in=[old_sent.pk, old_queued.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )
    assert privacy.purge_notification_log().count == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_queued.pk, recent.pk}


def test_the_purge_command_has_a_dry_run(home):
    old = parent("vieux@exemple.fr", status="pending", verified=False)
    age(old, 10)
    output = StringIO()
    call_command("purge_personal_data", "--dry-run", stdout=output)
    assert "Comptes jamais vérifiés (plus de 7 jours) : 1 serait effacé" in output.getvalue()
    assert "Simulation : rien n'a été effacé." in output.getvalue()
    assert type(old).objects.filter(pk=old.pk).exists()
    call_command("purge_personal_data", "--only", "comptes-non-verifies", stdout=StringIO())
    assert not type(old).objects.filter(pk=old.pk).exists()


def test_each_purge_runs_daily_as_a_schedule(home):
    from django_q.models import Schedule

    from memberspace.privacy import tasks

    call_command("setup_schedules", stdout=StringIO())
    schedules = Schedule.objects.filter(func="memberspace.privacy.tasks.purge_personal_data")
    assert sorted(eval(s.args) for s in schedules) == sorted(privacy.PURGES)  # noqa: S307 (our own literals)
    assert {s.schedule_type for s in schedules} == {Schedule.DAILY}
    old = parent("vieux@exemple.fr", status="pending", verified=False)
    age(old, 10)
    assert tasks.purge_personal_data("comptes-non-verifies") == 1


# Health notes stay where they belong


def test_health_notes_never_reach_the_history_or_the_logs(family, caplog):
    mother, father, shared, own, stay = family
    children_service.update_child(shared, by=mother, data={"health_notes": "Épilepsie, traitement quotidien"})
    entries = ModelLogEntry.objects.filter(object_id=str(shared.pk))
    assert entries.exists()
    assert not any("Épilepsie" in f"{entry.label}{entry.data}" for entry in entries)
    assert "Épilepsie" not in caplog.text
    assert not Notification.objects.filter(body_text__contains="Épilepsie").exists()


def test_error_reports_leave_health_notes_out(client, family, monkeypatch):
    mother = family[0]
    captured = {}

    def fail(guardian, *, data, relationship):
        raise RuntimeError("boom")

    def capture(sender, request, **kwargs):
        captured["report"] = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()

    monkeypatch.setattr(children_service, "create_child", fail)
    got_request_exception.connect(capture)
    client.raise_request_exception = False
    client.force_login(mother)
    try:
        response = client.post(
            reverse("memberspace:child_add"),
            {
                "relationship": "mere",
                "first_name": "Zoé",
                "last_name": "Martin",
                "birth_date": dates.years_before(dates.offer_start(), 7).isoformat(),
                "sex": "F",
                "health_notes": "Épilepsie sévère",
                "emergency_contact_name": "Mamie Martin",
                "emergency_contact_phone": "01 42 68 53 00",
                "school_level": "CE2",
                "image_rights_consent": "on",
                "may_leave_alone": "False",
            },
        )
    finally:
        got_request_exception.disconnect(capture)
    assert response.status_code == 500
    report = captured["report"]
    assert "RuntimeError" in report and "Zoé" in report  # the report is there, with what is not sensitive
    assert "Épilepsie" not in report and "Mamie Martin" not in report
