"""The waiting list that moves by itself: freed places offered to the first in line, for a limited time.

Issue 15, items 1 to 4: each freed place (a cancellation, a decline, an expiry, more
places) goes at once to the first family waiting, who answers from a signed link in
its email or SMS; declined or expired, it passes to the next family.
"""

import datetime
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from wagtail.models import ModelLogEntry

from memberspace.accounts import services as account_services
from memberspace.enrollments import services, tasks
from memberspace.enrollments.checks import check_waiting_list_watch
from memberspace.enrollments.models import Enrollment, EnrollmentStatus, PlaceOffer, PlaceOfferStatus
from memberspace.enrollments.services import EnrollmentError
from memberspace.notifications.models import Notification
from tests import dates
from tests.factories import ActivityPageFactory, ChildFactory, ParentFactory, club_settings, week_stay
from tests.servers import QCluster, wait_until

pytestmark = pytest.mark.django_db

Status = EnrollmentStatus
PARIS = ZoneInfo("Europe/Paris")


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


@pytest.fixture
def club(home):
    # No margin: beyond the places, requests go straight to the waiting list.
    return club_settings(place_offer_hours=48, place_offer_skip_nights=False, request_margin_percent=0)


@pytest.fixture
def stay(stay_index, club):
    return week_stay(
        stay_index,
        "Voile à Quiberon",
        dates.offer_start(),
        capacity=2,
        price=Decimal("600.00"),
        deposit_amount=Decimal("150.00"),
    )


def family(name, *, children=1, phone="+33612345678", preference="email", second_parent=False):
    guardian = ParentFactory(
        email=f"{name.lower()}@exemple.fr",
        first_name="Parent",
        last_name=name,
        phone=phone,
        notification_preference=preference,
    )
    guardians = [guardian]
    if second_parent:
        guardians.append(ParentFactory(email=f"autre.{name.lower()}@exemple.fr", last_name=name))
    birth = dates.years_before(dates.offer_start(), 9)
    kids = [
        ChildFactory(first_name=f"{name}{n}", last_name=name, birth_date=birth, guardians=guardians)
        for n in range(children)
    ]
    return guardian, kids


def ask(offer, name, **kwargs):
    may_split = kwargs.pop("may_split", False)
    guardian, kids = family(name, **kwargs)
    return services.request_enrollments(guardian, offer=offer, children=kids, may_split=may_split)


@pytest.fixture
def full_stay(stay, secretary):
    """Two places validated, then three families waiting, in that order: Albert, Berthe, Cyril."""
    validated = [ask(stay, "Premier")[0], ask(stay, "Second")[0]]
    for enrollment in validated:
        services.validate(enrollment, by=secretary)
    waiting = [ask(stay, name)[0] for name in ("Albert", "Berthe", "Cyril")]
    assert {enrollment.status for enrollment in waiting} == {Status.WAITLISTED}
    return validated, waiting


def fresh(enrollment):
    return Enrollment.objects.select_related("place_offer").get(pk=enrollment.pk)


def token_url(enrollment):
    enrollment = fresh(enrollment)
    guardian = enrollment.child.guardians.order_by("pk").first()
    path = reverse("memberspace:place_offer_answer", args=[services.answer_token(enrollment.place_offer, guardian)])
    return path, guardian


# The deadline


@pytest.mark.parametrize(
    ("made", "hours", "expected"),
    [
        # 1 hour before the night, then 13 h a day: 24 h end two days later at 18 h.
        (datetime.datetime(2027, 3, 1, 20, 0), 24, datetime.datetime(2027, 3, 3, 18, 0)),
        # Made in the night: counted from 8 h.
        (datetime.datetime(2027, 3, 1, 3, 0), 24, datetime.datetime(2027, 3, 2, 19, 0)),
        (datetime.datetime(2027, 3, 1, 9, 30), 2, datetime.datetime(2027, 3, 1, 11, 30)),
        # Ending exactly at 21 h stays at 21 h, not the next morning.
        (datetime.datetime(2027, 3, 1, 8, 0), 13, datetime.datetime(2027, 3, 1, 21, 0)),
        (datetime.datetime(2027, 3, 1, 21, 0), 1, datetime.datetime(2027, 3, 2, 9, 0)),
    ],
)
def test_the_delay_to_answer_skips_the_nights(made, hours, expected):
    deadline = services.answer_deadline(made.replace(tzinfo=PARIS), hours, skip_nights=True)
    assert timezone.localtime(deadline, PARIS).replace(tzinfo=None) == expected


def test_the_delay_to_answer_counts_every_hour_when_the_club_says_so():
    made = datetime.datetime(2027, 3, 1, 20, 0, tzinfo=PARIS)
    assert services.answer_deadline(made, 48, skip_nights=False) == made + datetime.timedelta(hours=48)


def test_the_offer_has_its_own_delay_or_the_clubs(full_stay, stay, secretary):
    validated, (albert, berthe, _cyril) = full_stay
    stay.place_offer_hours = 6
    stay.save()
    before = timezone.now()
    services.cancel_by_staff(validated[0], by=secretary)
    offer = fresh(albert).place_offer
    assert datetime.timedelta(hours=6) <= offer.expires_at - before < datetime.timedelta(hours=6, minutes=1)


# A freed place goes to the first in line, told by email and SMS


def test_a_cancelled_place_is_offered_to_the_first_family_by_email_and_sms(full_stay, secretary):
    validated, (albert, berthe, cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    albert, berthe = fresh(albert), fresh(berthe)
    assert albert.status == Status.OFFERED and berthe.status == Status.WAITLISTED
    offer = albert.place_offer
    assert offer.status == PlaceOfferStatus.OPEN and offer.freed_at == offer.created_at
    # Told by email and SMS although the parent chose email only: a place waits for their answer.
    told = Notification.objects.filter(kind="place_offered")
    assert sorted(told.values_list("channel", "address")) == [("email", "albert@exemple.fr"), ("sms", "+33612345678")]
    email = told.get(channel="email")
    path, _guardian = token_url(albert)
    assert "Une place pour Albert0 à « Voile à Quiberon » : répondez avant le" in email.subject
    assert f"{path}?reponse=accepter" in email.body_text and f"{path}?reponse=laisser" in email.body_text
    sms = told.get(channel="sms").body_text
    assert sms.startswith("Le PO : une place s'est libérée pour Albert0. Répondez avant le") and path in sms
    assert sms.endswith("(Voile à Quiberon)")  # the link before the title: a long title cannot cut it
    assert ModelLogEntry.objects.filter(action="po.enrollment.offer_place", object_id=str(albert.pk)).exists()


def test_the_sms_of_an_offer_really_goes_out(full_stay, secretary, sms_outbox, django_capture_on_commit_callbacks):
    validated, (albert, _berthe, _cyril) = full_stay
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_by_staff(validated[0], by=secretary)
    path, _guardian = token_url(albert)
    (to,) = [to for to, body, _id in sms_outbox if path in body]
    assert to == "+33612345678"


def test_the_parents_texts_are_plain_text_whatever_the_names(stay, secretary):
    guardian, (child,) = family("Dupont")
    child.first_name = 'Zoé <b>& "Lou"'
    child.save()
    services.validate(ask(stay, "Un")[0], by=secretary)
    taken = ask(stay, "Deux")[0]
    services.validate(taken, by=secretary)
    services.request_enrollments(guardian, offer=stay, children=[child])
    services.cancel_by_staff(taken, by=secretary)
    email = Notification.objects.get(kind="place_offered", channel="email")
    assert 'Zoé <b>& "Lou"' in email.subject and 'Zoé <b>& "Lou"' in email.body_text
    assert "&lt;b&gt;" in email.body_html and "<b>&" not in email.body_html


def test_accepting_validates_the_enrollment_and_sends_the_deposit_terms(full_stay, secretary, client):
    validated, (albert, berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    path, guardian = token_url(albert)
    page = client.get(path, {"reponse": "accepter"})
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    assert fresh(albert).status == Status.OFFERED  # opening the link (a mail scanner too) changes nothing
    # Signed out, the page names no child: the link may have been forwarded, or read on a lock screen.
    assert "Une place pour votre enfant à «\u00a0Voile à Quiberon\u00a0»" in text(page)
    assert "Albert0" not in text(page)
    assert "Cette place vous est réservée jusqu'au" in text(page)
    response = client.post(path, {"reponse": "accepter"}, follow=True)
    assert "l'inscription de votre enfant à « Voile à Quiberon » est validée" in text(response)
    assert "Réglez l'acompte de 150\u00a0€ avant le" in text(response)
    albert = fresh(albert)
    assert albert.status == Status.VALIDATED and albert.deposit_amount == Decimal("150.00")
    assert albert.deposit_due_date > timezone.localdate()
    assert albert.place_offer.status == PlaceOfferStatus.ACCEPTED and albert.place_offer.answered_by == guardian
    assert Notification.objects.filter(kind="enrollment_validated", user=guardian, channel="email").exists()
    assert fresh(berthe).status == Status.WAITLISTED
    # The same link later says where things stand, and answers nothing twice.
    again = client.post(path, {"reponse": "laisser"}, follow=True)
    assert "Cette place est déjà acceptée" in text(again)
    assert fresh(albert).status == Status.VALIDATED


def test_declining_passes_the_place_to_the_next_family(full_stay, secretary, client):
    validated, (albert, berthe, cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    path, guardian = token_url(albert)
    # « Je laisse ma place » cannot be undone: the page asks to confirm it, then one tap does it.
    page = BeautifulSoup(client.get(path).content, "html.parser")
    assert page.find("a", string="Je laisse ma place")["href"] == "?reponse=laisser"
    confirm = text(client.get(path, {"reponse": "laisser"}))
    assert "Vous laissez la place à la famille suivante ?" in confirm and "Oui, je laisse ma place" in confirm
    assert fresh(albert).status == Status.OFFERED
    response = client.post(path, {"reponse": "laisser"}, follow=True)
    assert "la place est proposée à la famille suivante" in text(response)
    albert, berthe = fresh(albert), fresh(berthe)
    assert albert.status == Status.CANCELLED and albert.place_offer.status == PlaceOfferStatus.DECLINED
    assert berthe.status == Status.OFFERED and fresh(cyril).status == Status.WAITLISTED
    assert Notification.objects.filter(kind="place_declined", user=guardian).exists()
    assert Notification.objects.filter(kind="place_offered", address="berthe@exemple.fr").exists()


def test_an_unanswered_offer_expires_and_passes_on(full_stay, secretary):
    validated, (albert, berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    deadline = fresh(albert).place_offer.expires_at
    assert services.expire_place_offers(now=deadline - datetime.timedelta(seconds=1)) == 0
    assert services.expire_place_offers(now=deadline) == 1
    albert, berthe = fresh(albert), fresh(berthe)
    assert albert.status == Status.CANCELLED and albert.place_offer.status == PlaceOfferStatus.EXPIRED
    assert berthe.status == Status.OFFERED
    assert berthe.place_offer.freed_at == deadline  # the place was freed when the first offer ran out
    expired = Notification.objects.get(kind="place_expired", channel="email", address="albert@exemple.fr")
    assert "n'a pas été acceptée avant le" in expired.body_text
    assert services.expire_place_offers(now=deadline) == 0  # run again: nothing more


def test_an_answer_at_the_deadline_is_too_late(full_stay, secretary, client, monkeypatch):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    place_offer = fresh(albert).place_offer
    monkeypatch.setattr(services.timezone, "now", lambda: place_offer.expires_at)
    with pytest.raises(EnrollmentError, match="Le délai pour accepter cette place est passé"):
        services.accept_place(place_offer, by=albert.child.guardians.get())
    assert fresh(albert).status == Status.OFFERED  # the schedule closes it, and passes it on


def test_an_answer_a_second_before_the_deadline_wins_over_the_expiry(full_stay, secretary, monkeypatch):
    validated, (albert, berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    place_offer = fresh(albert).place_offer
    monkeypatch.setattr(services.timezone, "now", lambda: place_offer.expires_at - datetime.timedelta(seconds=1))
    services.accept_place(place_offer, by=albert.child.guardians.get())
    monkeypatch.undo()
    assert services.expire_place_offers(now=place_offer.expires_at) == 0
    assert fresh(albert).status == Status.VALIDATED and fresh(berthe).status == Status.WAITLISTED


# Links and who may answer


def test_a_forged_or_altered_link_finds_nothing(full_stay, secretary, client):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    path, _guardian = token_url(albert)
    for bad in (path[:-3] + "xyz/", "/espace-adherent/place-proposee/1/", "/espace-adherent/place-proposee/a:b:c/"):
        response = client.get(bad)
        assert response.status_code == 404 and "Ce lien ne mène à aucune place proposée" in text(response)
        assert client.post(bad, {"reponse": "accepter"}).status_code == 404
    assert fresh(albert).status == Status.OFFERED


def test_a_link_of_another_family_answers_nothing_for_this_one(full_stay, secretary, client):
    validated, (albert, berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    services.cancel_by_staff(validated[1], by=secretary)
    # Berthe's parent signs a link for Albert's offer: the site's signature binds both ids.
    berthe_parent = fresh(berthe).child.guardians.get()
    forged = services.answer_token(fresh(albert).place_offer, berthe_parent)
    response = client.post(reverse("memberspace:place_offer_answer", args=[forged]), {"reponse": "laisser"})
    assert response.status_code == 404
    with pytest.raises(EnrollmentError, match="Seuls les responsables"):
        services.decline_place(fresh(albert).place_offer, by=berthe_parent)
    assert fresh(albert).status == Status.OFFERED


def test_a_guardian_who_is_no_longer_one_has_a_dead_link(full_stay, secretary, client):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    path, guardian = token_url(albert)
    albert.child.guardianships.filter(parent=guardian).delete()
    assert client.post(path, {"reponse": "accepter"}).status_code == 404


def test_signed_in_the_link_answers_for_a_guardian_only_and_names_the_children(full_stay, secretary, client):
    validated, (albert, berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    path, guardian = token_url(albert)
    client.force_login(fresh(berthe).child.guardians.get())  # another family's parent, signed in
    response = client.post(path, {"reponse": "laisser"})
    assert response.status_code == 403 and "Ce lien a été envoyé à un autre compte" in text(response)
    assert "Albert0" not in text(response) and fresh(albert).status == Status.OFFERED
    client.force_login(guardian)
    assert "Une place pour Albert0 à «\u00a0Voile à Quiberon\u00a0»" in text(client.get(path))


def test_an_answer_without_a_choice_asks_for_one(full_stay, secretary, client):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    path, _guardian = token_url(albert)
    response = client.post(path, {"reponse": "peut-être"}, follow=True)
    assert "Choisissez : accepter la place, ou la laisser à la famille suivante." in text(response)
    assert fresh(albert).status == Status.OFFERED


def test_the_signed_in_parent_answers_from_the_enrollment_page(full_stay, secretary, client):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    guardian = albert.child.guardians.get()
    client.force_login(guardian)
    dashboard = text(client.get("/espace-adherent/"))
    assert "Place proposée Répondez avant le" in dashboard
    page = client.get(f"/espace-adherent/inscriptions/{albert.pk}/")
    link = BeautifulSoup(page.content, "html.parser").find("a", string="Répondre : accepter ou laisser la place")
    assert link["href"].endswith(token_url(albert)[0])


# Siblings together


def test_siblings_are_offered_together_or_skipped_for_the_next_family(stay, secretary):
    first, second = ask(stay, "Un")[0], ask(stay, "Deux")[0]
    for enrollment in (first, second):
        services.validate(enrollment, by=secretary)
    twins = ask(stay, "Jumeaux", children=2)
    single = ask(stay, "Seul")[0]
    services.cancel_by_staff(first, by=secretary)  # one place: the twins do not fit, the next family does
    assert {fresh(twin).status for twin in twins} == {Status.WAITLISTED}
    assert fresh(single).status == Status.OFFERED
    services.decline_place(fresh(single).place_offer, by=single.child.guardians.get())
    services.cancel_by_staff(second, by=secretary)  # two places now: the twins, together, in one offer
    twins = [fresh(twin) for twin in twins]
    assert {twin.status for twin in twins} == {Status.OFFERED}
    assert twins[0].place_offer_id == twins[1].place_offer_id
    (email,) = Notification.objects.filter(kind="place_offered", channel="email", address="jumeaux@exemple.fr")
    assert "Une place pour Jumeaux0 et Jumeaux1 à « Voile à Quiberon »" in email.subject
    services.accept_place(twins[0].place_offer, by=twins[0].child.guardians.get())
    assert {fresh(twin).status for twin in twins} == {Status.VALIDATED}


def test_siblings_whose_parents_allow_it_may_be_split(stay, secretary):
    first, second = ask(stay, "Un")[0], ask(stay, "Deux")[0]
    for enrollment in (first, second):
        services.validate(enrollment, by=secretary)
    twins = ask(stay, "Jumeaux", children=2, may_split=True)
    services.cancel_by_staff(first, by=secretary)
    statuses = [fresh(twin).status for twin in twins]
    assert statuses == [Status.OFFERED, Status.WAITLISTED]


# What holds a place back


def test_an_older_request_to_decide_comes_before_the_waiting_list(stay, secretary, club):
    club.request_margin_percent = 50  # one request beyond the two places waits for a decision
    club.save()
    first, second, undecided, waiting = (ask(stay, name)[0] for name in ("Un", "Deux", "Trois", "Quatre"))
    for enrollment in (first, second):
        services.validate(enrollment, by=secretary)
    assert (undecided.status, waiting.status) == (Status.REQUESTED, Status.WAITLISTED)
    services.cancel_by_staff(first, by=secretary)
    assert fresh(waiting).status == Status.WAITLISTED
    assert services.first_undecided(stay) == undecided
    services.refuse(undecided, by=secretary, reason="Dossier incomplet")  # decided: the line moves on
    assert fresh(waiting).status == Status.OFFERED


def test_more_places_saved_by_the_secretariat_are_offered(
    full_stay, stay, secretary, django_capture_on_commit_callbacks
):
    _validated, (albert, berthe, cyril) = full_stay
    stay.capacity = 4
    with django_capture_on_commit_callbacks(execute=True):
        stay.save_revision(user=secretary)
    assert [fresh(e).status for e in (albert, berthe, cyril)] == [Status.OFFERED, Status.OFFERED, Status.WAITLISTED]
    assert fresh(albert).place_offer_id != fresh(berthe).place_offer_id


def test_the_schedule_offers_a_place_freed_outside_the_services(full_stay, stay):
    _validated, (albert, _berthe, _cyril) = full_stay
    Enrollment.objects.filter(status=Status.VALIDATED).first().delete()  # an edit in the database's shell
    assert services.run_waiting_lists() == (0, 1)
    assert fresh(albert).status == Status.OFFERED
    assert services.run_waiting_lists() == (0, 0)


class Clock:
    """A run's monotonic clock and its sleep: each sleep moves the clock on by what it asks."""

    def __init__(self, on_sleep=None):
        self.now, self.slept, self.on_sleep = 0.0, [], on_sleep

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(self)


def test_a_watching_run_closes_an_offer_the_second_it_falls_due(full_stay, secretary):
    validated, (albert, berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    PlaceOffer.objects.update(expires_at=timezone.now() + datetime.timedelta(seconds=10))

    def time_passes(clock):  # the deadline comes once the run has waited 10 s
        if clock.now >= 10:
            PlaceOffer.objects.filter(pk=fresh(albert).place_offer_id).update(expires_at=timezone.now())

    clock = Clock(time_passes)
    assert services.run_waiting_lists(watch=45, sleep=clock.sleep, clock=clock) == (1, 0)
    # It looks every second (a deadline moved, a shorter offer made meanwhile), and stays its 45 s.
    assert set(clock.slept) == {services.WATCH_POLL_SECONDS} and clock.now == 45
    assert fresh(albert).status == Status.CANCELLED and fresh(berthe).status == Status.OFFERED


def test_a_run_with_no_offer_open_ends_at_once(full_stay):
    clock = Clock()
    assert services.run_waiting_lists(watch=45, sleep=clock.sleep, clock=clock) == (0, 0)
    assert clock.slept == []


# One watcher at a time, relayed without a gap (tasks.run_waiting_lists)


@pytest.fixture
def watching(monkeypatch):
    """The watch each run makes (``services.run_waiting_lists`` called through, its watch recorded but not waited)."""
    watches, run = [], services.run_waiting_lists

    def recorded(watch=0, **kwargs):
        watches.append(watch)
        return run()

    monkeypatch.setattr(services, "run_waiting_lists", recorded)
    cache.delete(tasks.WATCHER_KEY)
    yield watches
    cache.delete(tasks.WATCHER_KEY)


@pytest.fixture
def queued(monkeypatch):
    """The runs queued on the broker (the edge: no worker in this process)."""
    runs = []
    monkeypatch.setattr(Conf, "SYNC", False)

    def async_task(func, *args, **kwargs):
        if func == tasks.RUN_TASK:  # not the notifications' deliveries
            runs.append((func, args))

    monkeypatch.setattr("django_q.tasks.async_task", async_task)
    return runs


def test_the_scheduled_run_watches_and_hands_over_while_an_offer_is_open(full_stay, secretary, watching, queued):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)  # Albert's offer: open for 48 h
    assert tasks.run_waiting_lists() == (0, 0)
    assert watching == [tasks.watch_seconds()]
    # Its successor is queued with the lease, which it keeps meanwhile.
    [(func, (watcher,))] = queued
    assert func == tasks.RUN_TASK and cache.get(tasks.WATCHER_KEY) == watcher
    # A scheduled run meanwhile makes one pass and ends: one watcher at a time.
    tasks.run_waiting_lists()
    assert watching == [tasks.watch_seconds(), 0] and len(queued) == 1
    # The successor watches and hands over with a new token: the same task delivered twice finds it stale.
    tasks.run_waiting_lists(watcher)
    assert watching[-1] == tasks.watch_seconds()
    (_func, (successor,)) = queued[-1]
    assert successor != watcher and cache.get(tasks.WATCHER_KEY) == successor
    tasks.run_waiting_lists(watcher)  # delivered again by the broker
    assert watching[-1] == 0 and len(queued) == 2
    # Once no offer is open, the next gives the lease up and queues nobody.
    services.validate(fresh(albert), by=secretary)  # the secretariat accepts it for the family
    tasks.run_waiting_lists(successor)
    assert watching[-1] == tasks.watch_seconds() and len(queued) == 2
    assert cache.get(tasks.WATCHER_KEY) is None


def test_a_successor_whose_lease_another_run_took_makes_one_pass(full_stay, secretary, watching, queued):
    validated, _waiting = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    cache.set(tasks.WATCHER_KEY, "another run, which took over")
    tasks.run_waiting_lists("a watcher lost with its worker")
    assert watching == [0] and queued == []
    assert cache.get(tasks.WATCHER_KEY) == "another run, which took over"


def test_a_successor_whose_lease_lapsed_in_the_queue_takes_it_again(full_stay, secretary, watching, queued):
    validated, _waiting = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    tasks.run_waiting_lists("a token lapsed while the successor waited for a worker")
    assert watching == [tasks.watch_seconds()]
    [(_func, (successor,))] = queued
    assert cache.get(tasks.WATCHER_KEY) == successor


def test_a_failing_run_gives_the_lease_up_and_queues_nobody(full_stay, secretary, queued, monkeypatch):
    validated, _waiting = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    cache.delete(tasks.WATCHER_KEY)

    def broken(watch=0, **kwargs):
        raise RuntimeError("a template broken on one offer")

    monkeypatch.setattr(services, "run_waiting_lists", broken)
    with pytest.raises(RuntimeError):
        tasks.run_waiting_lists()
    # No chain of failures every half second: the schedule tries again in a minute.
    assert queued == [] and cache.get(tasks.WATCHER_KEY) is None


def test_a_synchronous_cluster_makes_one_pass_without_watching(full_stay, secretary, watching):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    tasks.run_waiting_lists()  # Q_CLUSTER["sync"]: this runs inside its caller
    assert watching == [0] and fresh(albert).status == Status.OFFERED
    assert cache.get(tasks.WATCHER_KEY) is None


def test_the_cache_down_leaves_one_pass(full_stay, secretary, watching, monkeypatch, caplog):
    validated, _waiting = full_stay
    services.cancel_by_staff(validated[0], by=secretary)

    class Down:
        def __getattr__(self, name):
            raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks, "cache", Down())
    tasks.run_waiting_lists()
    assert watching == [0] and "one pass without watching" in caplog.text


def test_places_offered_at_once_wake_one_watcher(full_stay, secretary, queued, django_capture_on_commit_callbacks):
    validated, (albert, berthe, _cyril) = full_stay
    cache.delete(tasks.WATCHER_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_by_staff(validated[0], by=secretary)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_by_staff(validated[1], by=secretary)
    assert fresh(albert).status == fresh(berthe).status == Status.OFFERED
    [(func, (watcher,))] = queued
    assert func == tasks.RUN_TASK and cache.get(tasks.WATCHER_KEY) == watcher
    cache.delete(tasks.WATCHER_KEY)


def test_a_broker_down_leaves_the_offer_and_the_lease_to_the_schedule(full_stay, secretary, monkeypatch, caplog):
    validated, (albert, _berthe, _cyril) = full_stay
    monkeypatch.setattr(Conf, "SYNC", False)

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)
    cache.delete(tasks.WATCHER_KEY)
    services.cancel_by_staff(validated[0], by=secretary)
    tasks.wake_watcher()
    assert fresh(albert).status == Status.OFFERED
    assert cache.get(tasks.WATCHER_KEY) is None  # the next scheduled run takes the watch
    assert "the schedule will run it" in caplog.text


@pytest.mark.parametrize(("watch", "errors"), [(45, []), (46, ["enrollments.E001"]), (0, ["enrollments.E001"])])
def test_the_watch_must_end_before_the_workers_timeout(settings, watch, errors):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 60}
    settings.WAITING_LIST_WATCH_SECONDS = watch
    assert [error.id for error in check_waiting_list_watch(None)] == errors


@pytest.mark.django_db(transaction=True)
def test_a_real_cluster_closes_an_offer_at_its_deadline_across_watchers(full_stay, secretary, monkeypatch, settings):
    """A real django-q2 cluster, no schedule: the offer made wakes a watcher, which hands over every
    3 s (its watch here, a new token each time), and the offer falling due 7 s after the first hand-over is
    closed by one of its successors, not before."""
    validated, (albert, berthe, _cyril) = full_stay
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    }
    call_command("createcachetable", verbosity=0)
    monkeypatch.setattr(Conf, "SYNC", False)  # the offer's wake-up goes to the real broker (the ORM queue)
    assert not Schedule.objects.exists()  # nothing but the watchers closes the offer
    cluster = QCluster(
        connection,
        Q_WORKERS=2,
        Q_TIMEOUT=8,
        Q_RETRY=16,
        EMAIL_TIMEOUT=3,
        TWILIO_TIMEOUT=3,
        HELLOASSO_TIMEOUT=1,
        NOTIFICATION_LEASE_SECONDS=10,
        WAITING_LIST_WATCH_SECONDS=3,
        TEST_DATABASE_CACHE=True,
    ).start()
    tokens, closed_early = set(), []

    def watch_the_line():
        tokens.add(cache.get(tasks.WATCHER_KEY))
        if timezone.now() < deadline - datetime.timedelta(seconds=0.2) and fresh(albert).status != Status.OFFERED:
            closed_early.append(timezone.now())
        return fresh(berthe).status == Status.OFFERED

    try:
        with transaction.atomic():
            services.cancel_by_staff(validated[0], by=secretary)
        wait_until(lambda: cache.get(tasks.WATCHER_KEY) is not None, timeout=20, message="a watcher on duty")
        first = cache.get(tasks.WATCHER_KEY)
        # The token is set when the watcher is queued, and its run may start seconds later on a busy
        # machine: the deadline comes 7 s after the lease has changed hands, so a successor closes the offer.
        wait_until(
            lambda: cache.get(tasks.WATCHER_KEY) not in (None, first), timeout=30, message="the lease handed over"
        )
        deadline = timezone.now() + datetime.timedelta(seconds=7)
        PlaceOffer.objects.filter(status=PlaceOfferStatus.OPEN).update(expires_at=deadline)
        wait_until(watch_the_line, timeout=30, interval=0.2, message="Berthe offered the place")
    except AssertionError:
        cluster.stop()
        raise AssertionError(cluster.output()) from None
    finally:
        cluster.close()
    assert fresh(albert).status == Status.CANCELLED
    assert PlaceOffer.objects.get(pk=fresh(albert).place_offer_id).status == PlaceOfferStatus.EXPIRED
    assert closed_early == []  # not before its deadline
    assert tokens - {None} and first not in tokens  # a successor held the lease while the offer fell due


# The secretariat


def test_the_secretariat_may_accept_a_place_for_the_family(full_stay, secretary):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    services.validate(fresh(albert), by=secretary)
    albert = fresh(albert)
    assert albert.status == Status.VALIDATED
    assert albert.place_offer.status == PlaceOfferStatus.ACCEPTED and albert.place_offer.answered_by == secretary


def test_an_offered_place_withdrawn_by_the_secretariat_goes_to_the_next(full_stay, secretary):
    validated, (albert, berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    services.cancel_by_staff(fresh(albert), by=secretary)
    assert fresh(albert).place_offer.status == PlaceOfferStatus.WITHDRAWN
    assert fresh(berthe).status == Status.OFFERED


# Leaving the list


def test_leaving_the_waiting_list_asks_to_confirm_then_moves_the_line(full_stay, client):
    _validated, (albert, berthe, _cyril) = full_stay
    guardian = albert.child.guardians.get()
    client.force_login(guardian)
    detail = client.get(f"/espace-adherent/inscriptions/{albert.pk}/")
    link = BeautifulSoup(detail.content, "html.parser").find("a", string="Quitter la liste d'attente")
    confirm = client.get(link["href"])
    assert "Retirer Albert0 de la liste d'attente de « Voile à Quiberon » ?" in text(confirm)
    assert "Elle est aujourd'hui la 1re famille en attente d'une place." in text(confirm)
    assert fresh(albert).status == Status.WAITLISTED  # asked, not done
    response = client.post(link["href"], follow=True)
    assert "Albert0 a quitté la liste d'attente de « Voile à Quiberon »." in text(response)
    assert fresh(albert).status == Status.CANCELLED
    assert fresh(berthe).waiting_rank() == 1


# Money and dates that hold (item 6)


@pytest.mark.parametrize(
    ("starts_in", "expected_in"),
    [(60, 15), (5, 4), (1, 1), (0, 1), (-30, 1)],
)
def test_a_stays_deposit_is_due_by_its_eve_and_never_today_or_past(stay, club, starts_in, expected_in):
    today = timezone.localdate()
    club.deposit_due_days = 15
    stay.start_date = today + datetime.timedelta(days=starts_in)
    assert services.deposit_due_date(stay, club, today) == today + datetime.timedelta(days=expected_in)


def test_an_activity_already_started_gives_its_families_the_clubs_delay(activity_index, club):
    today = timezone.localdate()
    club.deposit_due_days = 15
    activity = ActivityPageFactory(parent=activity_index, start_date=today - datetime.timedelta(days=60))
    assert services.deposit_due_date(activity, club, today) == today + datetime.timedelta(days=15)


def late_deposit(stay, secretary, club, *, release, reminded=True):
    """Stay's two places validated, one family waiting; the first deposit late past the grace days."""
    club.release_overdue_deposits = release
    club.deposit_grace_days = 3
    club.save()
    late, paid = ask(stay, "Retard")[0], ask(stay, "Paye")[0]
    for enrollment in (late, paid):
        services.validate(enrollment, by=secretary)
    services.record_deposit(paid, by=secretary)
    waiting = ask(stay, "Attente")[0]
    due = fresh(late).deposit_due_date
    Enrollment.objects.filter(pk=late.pk).update(
        validated_at=timezone.now() - datetime.timedelta(days=40),
        deposit_reminder_sent_at=timezone.now() - datetime.timedelta(days=5) if reminded else None,
    )
    return late, waiting, due + datetime.timedelta(days=3 + 1)  # the first day past the grace days


def test_an_unpaid_deposit_stays_with_the_secretariat_unless_the_club_chose_to_release(stay, secretary, club):
    late, waiting, today = late_deposit(stay, secretary, club, release=False)
    assert services.release_unpaid_places(today) == 0
    assert fresh(late).status == Status.VALIDATED and fresh(waiting).status == Status.WAITLISTED
    assert list(services.overdue_deposits(today)) == [fresh(late)]  # the « À relancer » list


def test_an_unpaid_deposit_past_the_grace_days_frees_the_place_for_the_next_family(stay, secretary, club):
    late, waiting, today = late_deposit(stay, secretary, club, release=True)
    assert services.release_unpaid_places(today - datetime.timedelta(days=1)) == 0  # still within the grace days
    assert services.release_unpaid_places(today) == 1
    assert fresh(late).status == Status.CANCELLED and fresh(waiting).status == Status.OFFERED
    told = Notification.objects.get(kind="deposit_place_released", channel="email", address="retard@exemple.fr")
    assert "Nous ne l'avons pas reçu malgré notre rappel : la place est libérée" in told.body_text
    assert ModelLogEntry.objects.filter(action="po.enrollment.release", object_id=str(late.pk)).exists()
    assert services.release_unpaid_places(today) == 0  # run again: nothing more


def test_a_place_is_never_released_before_its_family_was_reminded(stay, secretary, club):
    late, waiting, today = late_deposit(stay, secretary, club, release=True, reminded=False)
    assert services.release_unpaid_places(today) == 0
    assert fresh(late).status == Status.VALIDATED


def test_a_deposit_recorded_keeps_the_place(stay, secretary, club):
    late, waiting, today = late_deposit(stay, secretary, club, release=True)
    services.record_deposit(fresh(late), by=secretary)
    assert services.release_unpaid_places(today) == 0
    assert fresh(late).status == Status.DEPOSIT_RECEIVED


# Found in review


def test_a_suspended_guardians_link_finds_nothing(full_stay, secretary, client):
    validated, (albert, _berthe, _cyril) = full_stay
    services.cancel_by_staff(validated[0], by=secretary)
    path, guardian = token_url(albert)
    account_services.suspend(guardian, by=secretary, reason="Impayés")
    assert client.get(path).status_code == 404


def test_half_siblings_only_the_guardian_of_both_answers_and_the_other_parent_is_told_who(stay, secretary, club):
    for name in ("Un", "Deux"):
        services.validate(ask(stay, name)[0], by=secretary)
    mother = ParentFactory(email="mere@exemple.fr", phone="+33612345670", last_name="Demi")
    father = ParentFactory(email="pere@exemple.fr", phone="+33612345671", first_name="Marc", last_name="Demi")
    birth = dates.years_before(dates.offer_start(), 9)
    xavier = ChildFactory(first_name="Xavier", last_name="Demi", birth_date=birth, guardians=[mother, father])
    yasmine = ChildFactory(first_name="Yasmine", last_name="Demi", birth_date=birth, guardians=[mother])
    pair = services.request_enrollments(mother, offer=stay, children=[xavier, yasmine])
    stay.capacity = 4
    stay.save()
    services.offer_freed_places(stay)
    assert {fresh(e).status for e in pair} == {Status.OFFERED}
    to_mother = Notification.objects.get(kind="place_offered", user=mother, channel="email").body_text
    to_father = Notification.objects.get(kind="place_offered", user=father, channel="email").body_text
    assert "/place-proposee/" in to_mother and "/place-proposee/" not in to_father
    assert f"{mother.get_full_name()}, qui a fait la demande, y répond" in to_father


def test_a_later_request_does_not_pass_the_waiting_list(stay, secretary, club):
    club.request_margin_percent = 50  # two places and one more request to decide
    club.save()
    first, second, _third = (ask(stay, name)[0] for name in ("Un", "Deux", "Trois"))
    waiting = ask(stay, "Quatre")[0]
    assert waiting.status == Status.WAITLISTED
    for enrollment in (first, second):
        services.refuse(enrollment, by=secretary, reason="Dossier incomplet")
    late = ask(stay, "Cinq")[0]
    assert late.status == Status.WAITLISTED  # behind the family already waiting, not before it


def test_validating_the_request_that_held_the_line_offers_the_free_place(stay, secretary, club):
    club.request_margin_percent = 50
    club.save()
    first, second, third = (ask(stay, name)[0] for name in ("Un", "Deux", "Trois"))
    waiting = ask(stay, "Quatre")[0]
    for enrollment in (second, third):
        services.refuse(enrollment, by=secretary, reason="Dossier incomplet")
    assert fresh(waiting).status == Status.WAITLISTED  # « Un », older and undecided, comes first
    services.validate(first, by=secretary)  # decided: the other place goes to the line at once
    assert fresh(waiting).status == Status.OFFERED


def test_a_parent_leaving_the_list_as_a_place_is_offered_is_sent_to_answer_it(full_stay, secretary, client):
    validated, (albert, _berthe, _cyril) = full_stay
    client.force_login(albert.child.guardians.get())
    url = f"/espace-adherent/inscriptions/{albert.pk}/annuler/"
    assert client.get(url).status_code == 200  # the question is on screen...
    services.cancel_by_staff(validated[0], by=secretary)  # ...when a place is offered to her
    response = client.post(url, follow=True)
    assert "Une place vient de vous être proposée : acceptez-la ou laissez-la ici." in text(response)
    assert fresh(albert).status == Status.OFFERED
