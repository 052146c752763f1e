"""Comptes parents in the Wagtail admin: the secretariat's, with one-account and bulk actions."""

import datetime
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from memberspace.accounts.models import AccountStatus, User
from memberspace.notifications.models import Notification
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import ParentFactory

pytestmark = pytest.mark.django_db

BULK = {
    action: reverse("wagtail_bulk_action", args=["accounts", "parentaccount", action])
    for action in ("reject", "validate")
}
INDEX = admin_url("accounts.parentaccount")


def account_url(view, account):
    return admin_url("accounts.parentaccount", view, account if isinstance(account, int) else account.pk)


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def listed_names(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        row.select("td")[1].get_text(" ", strip=True).split(" ")[0:2] for row in soup.select("table.listing tbody tr")
    ]


@pytest.fixture
def families(home):
    return {
        "validated": ParentFactory(first_name="Claire", last_name="Martin", phone="+33611111111"),
        "old": ParentFactory(
            pending=True,
            # ten calendar days: past the promised 24 working hours whatever today is
            pending_since=hours_ago(240),
            first_name="Julien",
            last_name="Bernard",
            phone="+33622222222",
            club_message="Léa et Hugo Bernard, au judo.",
        ),
        "new": ParentFactory(
            pending=True, pending_since=hours_ago(1), first_name="Nadia", last_name="Benali", phone="+33633333333"
        ),
        "unverified": ParentFactory(
            pending=True, verified=False, first_name="Paul", last_name="Petit", phone="+33644444444"
        ),
        "suspended": ParentFactory(suspended=True, first_name="Sam", last_name="Roux"),
    }


def test_pending_accounts_come_first_oldest_first(client, secretary, families):
    login_staff(client, secretary)
    response = client.get(INDEX)
    assert response.status_code == 200
    names = [" ".join(name) for name in listed_names(response)]
    assert names[:3] == ["Julien Bernard", "Nadia Benali", "Paul Petit"]
    assert set(names[3:]) == {"Claire Martin", "Sam Roux"}
    html = response.content.decode()
    assert "E-mail non vérifié" in html
    assert 'data-bulk-action-footer="PARENTACCOUNT"' in html


def test_filter_by_status_and_search_by_name_email_and_phone(client, secretary, families):
    login_staff(client, secretary)
    assert len(listed_names(client.get(INDEX, {"account_status": "suspended"}))) == 1
    assert len(listed_names(client.get(INDEX, {"account_status": "pending"}))) == 3
    assert [" ".join(n) for n in listed_names(client.get(INDEX, {"q": "bernard"}))] == ["Julien Bernard"]
    assert [" ".join(n) for n in listed_names(client.get(INDEX, {"q": families["new"].email}))] == ["Nadia Benali"]
    assert [" ".join(n) for n in listed_names(client.get(INDEX, {"q": "06 33 33 33 33"}))] == ["Nadia Benali"]


def test_the_parents_message_is_shown_in_full_and_escaped(client, secretary, home):
    message = "Mes enfants : <script>alert('x')</script>\nLéa <b>Martin</b> (CM2)\net Hugo Martin" + " très long" * 30
    account = ParentFactory(pending=True, club_message=message)
    login_staff(client, secretary)
    html = client.get(account_url("inspect", account)).content.decode()
    assert "<script>alert" not in html and "<b>Martin</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Léa &lt;b&gt;Martin&lt;/b&gt; (CM2)<br>et Hugo Martin" in html
    assert unescape(html).count(" très long") >= 30  # in full
    listing = client.get(INDEX).content.decode()
    assert "<script>alert" not in listing


def test_validate_one_account_from_the_admin(client, secretary, families, django_capture_on_commit_callbacks):
    login_staff(client, secretary)
    url = account_url("validate", families["old"])
    assert url in client.get(INDEX).content.decode()
    assert "Léa et Hugo Bernard" in client.get(url).content.decode()  # the message, to decide
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "est validé ; le parent est prévenu" in response.content.decode()
    families["old"].refresh_from_db()
    assert families["old"].account_status == AccountStatus.VALIDATED
    assert Notification.objects.filter(user=families["old"], kind="account_validated").exists()
    history = client.get(account_url("history", families["old"])).content.decode()
    assert "Compte validé" in history


def test_an_unverified_account_cannot_be_validated(client, secretary, families):
    login_staff(client, secretary)
    assert account_url("validate", families["unverified"]) not in client.get(INDEX).content.decode()
    response = client.post(account_url("validate", families["unverified"]), follow=True)
    assert "n'a pas encore vérifié son adresse e-mail" in unescape(response.content.decode())
    families["unverified"].refresh_from_db()
    assert families["unverified"].account_status == AccountStatus.PENDING


def test_rejecting_needs_a_reason(client, secretary, families):
    login_staff(client, secretary)
    url = account_url("reject", families["new"])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Indiquez le motif" in response.content.decode()
    response = client.post(url, {"reason": "Nous ne connaissons pas cette famille."}, follow=True)
    families["new"].refresh_from_db()
    assert families["new"].account_status == AccountStatus.REJECTED
    assert families["new"].status_reason == "Nous ne connaissons pas cette famille."


def test_suspend_and_reinstate(client, secretary, families):
    login_staff(client, secretary)
    client.post(account_url("suspend", families["validated"]), {"reason": "Impayés"})
    families["validated"].refresh_from_db()
    assert families["validated"].account_status == AccountStatus.SUSPENDED
    client.post(account_url("reinstate", families["validated"]))
    families["validated"].refresh_from_db()
    assert families["validated"].account_status == AccountStatus.VALIDATED and families["validated"].is_active


def test_validate_a_selection_with_wagtails_bulk_actions(client, secretary, families):
    login_staff(client, secretary)
    ids = [families[key].pk for key in ("old", "new", "unverified", "validated")]
    url = BULK["validate"] + "?" + "&".join(f"id={pk}" for pk in ids) + f"&next={INDEX}"
    page = unescape(client.get(url).content.decode())
    assert "Ces 2 comptes sont concernés" in page
    assert "resteront inchangés" in page and "Paul Petit" in page and "Claire Martin" in page
    response = client.post(url, {"next": INDEX})
    assert response.status_code == 302
    statuses = {key: User.objects.get(pk=families[key].pk).account_status for key in families}
    assert statuses["old"] == statuses["new"] == AccountStatus.VALIDATED
    assert statuses["unverified"] == AccountStatus.PENDING
    assert Notification.objects.filter(kind="account_validated").count() == 2


def test_reject_a_selection_needs_a_reason(client, secretary, families):
    login_staff(client, secretary)
    url = BULK["reject"] + f"?id={families['old'].pk}&id={families['new'].pk}"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Indiquez le motif" in response.content.decode()
    client.post(url, {"reason": "Inconnus du club"})
    assert set(User.objects.filter(account_status=AccountStatus.REJECTED).values_list("status_reason", flat=True)) == {
        "Inconnus du club"
    }


def test_dashboard_panel_shows_the_waiting_accounts(client, secretary, families):
    login_staff(client, secretary)
    html = unescape(client.get(reverse("wagtailadmin_home")).content.decode())
    assert "Comptes parents à valider" in html
    assert "2 comptes attendent votre validation." in html
    assert "Le plus ancien attend depuis " in html and " heures ouvrées." in html
    assert "1 compte attend depuis plus de 24 heures ouvrées" in html


def test_waiting_time_is_counted_in_working_hours_and_late_accounts_are_flagged(client, secretary, families):
    login_staff(client, secretary)
    soup = BeautifulSoup(client.get(INDEX).content, "html.parser")
    rows = {
        row.select("td")[1].get_text(" ", strip=True).split(" ")[1]: row
        for row in soup.select("table.listing tbody tr")
    }
    old, new = rows["Bernard"], rows["Benali"]
    assert "account-late" in old.get("class", [])
    assert "Délai de 24 h dépassé" in old.get_text()
    assert "heures ouvrées" in old.get_text()
    assert "account-late" not in new.get("class", [])
    assert "Délai" not in new.get_text()
    assert "heure ouvrée" in new.get_text()  # « moins d'une heure ouvrée » or « 1 heure ouvrée »
    assert " jours" not in soup.select_one("table.listing").get_text()  # no calendar age left


def test_communication_editors_get_403_on_the_accounts(client, editor, families):
    login_staff(client, editor)
    old = families["old"].pk
    urls = [
        INDEX,
        account_url("inspect", old),
        account_url("history", old),
        account_url("validate", old),
        account_url("reject", old),
        BULK["validate"] + f"?id={old}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Julien" not in response.content.decode() and "Bernard" not in response.content.decode()
    assert client.post(account_url("validate", old)).status_code == 403
    assert client.post(BULK["validate"] + f"?id={old}").status_code == 403
    families["old"].refresh_from_db()
    assert families["old"].account_status == AccountStatus.PENDING
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Comptes parents" not in dashboard and "Julien" not in dashboard


@pytest.fixture
def account_with_a_suggestion(home):
    import datetime as dt

    from memberspace.families.models import Child, ChildStatus
    from memberspace.legacy.models import LegacyContact

    parent = ParentFactory(
        pending=True,
        first_name="Marie",
        last_name="Dupont",
        email="marie.dupont-de-la-tour@exemple.fr",
        phone="+33612345678",
        postal_code="75005",
        club_message="Léa Dupont, au judo.",
    )
    lea = Child.objects.create(
        first_name="Léa", last_name="Dupont", birth_date=dt.date(2016, 3, 12), status=ChildStatus.MIGRATED
    )
    LegacyContact.objects.create(child=lea, last_name="Dupont", email=parent.email, postal_code="75005")
    return parent


def test_the_account_page_shows_the_message_and_the_suggestions_before_the_fields(
    client, secretary, account_with_a_suggestion
):
    login_staff(client, secretary)
    html = client.get(account_url("inspect", account_with_a_suggestion)).content.decode()
    message = html.index("Léa Dupont, au judo.")
    suggestions = html.index('id="suggestions"')
    fields = html.index('class="account-fields"')
    assert message < suggestions < fields


def test_the_account_page_reads_well(client, secretary, account_with_a_suggestion):
    login_staff(client, secretary)
    soup = BeautifulSoup(client.get(account_url("inspect", account_with_a_suggestion)).content, "html.parser")
    labels = [dt.get_text(strip=True) for dt in soup.select("dl.account-fields dt")]
    assert "Prénom" in labels and "Téléphone portable" in labels
    assert all(label[0].isupper() for label in labels), labels
    values = dict(zip(labels, (dd.get_text(strip=True) for dd in soup.select("dl.account-fields dd")), strict=True))
    assert values["Téléphone portable"] == "06 12 34 56 78"  # national format, not « +33612345678 »
    back = soup.select_one("p.back a")
    assert back.get_text(strip=True) == "Retour à la liste des comptes parents"
    assert back["href"] == INDEX
    # the suggestions' table scrolls inside its own container, the « Rattacher » column kept in sight
    table = soup.find("h2", id="suggestions").find_next("table")
    assert "account-panel" in table.find_parent("div")["class"]
    assert table.select("thead th")[-1].get_text(strip=True) == "Rattacher"


def test_the_admin_stylesheet_keeps_listings_and_the_account_page_readable():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/admin.css")).read_text(encoding="utf-8")
    # row buttons side by side, e-mail addresses not broken mid-word, wide tables scrolled
    assert "ul.actions" in css and "flex-wrap: wrap" in css
    assert ".email-address" in css and "overflow-wrap: normal" in css
    assert ".account-panel" in css and "overflow-x: auto" in css
    assert "position: sticky" in css


def test_listing_rows_keep_their_buttons_inline_and_emails_whole(client, secretary, families):
    login_staff(client, secretary)
    soup = BeautifulSoup(client.get(INDEX).content, "html.parser")
    row = soup.select_one("table.listing tbody tr")
    buttons = row.select("td.field-full_name > ul.actions > li > a.button")  # the row's buttons, in its own cell
    assert [button.get_text(strip=True) for button in buttons] == ["Inspecter", "Valider", "Refuser"]
    email = row.select_one(".email-address")
    assert email.get_text() == families["old"].email
    assert str(email).count("<wbr/>") == 1 and "<wbr/>@" in str(email)  # a break only before the « @ »
