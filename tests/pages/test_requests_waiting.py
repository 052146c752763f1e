"""The catalogue and the offer page say places left and requests waiting (issue 15, item 1).

« 2 places disponibles · 3 demandes en attente », « Complet · 212 demandes en attente »: a place
is taken once validated (deposit received or not) and held while offered; a request is in line
while requested or waitlisted; refused and cancelled ones count for neither.
"""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberspace.enrollments.models import EnrollmentStatus
from tests.factories import ActivityPageFactory, EnrollmentFactory, StayPageFactory

pytestmark = pytest.mark.django_db

# kind: (page factory, parent fixture, catalogue URL, offer table)
KINDS = {
    "activity": (ActivityPageFactory, "activity_index", "/activites/", "activities_activitypage"),
    "stay": (StayPageFactory, "stay_index", "/po-vacances/", "stays_staypage"),
}


@pytest.fixture(params=list(KINDS))
def kind(request):
    factory, parent_fixture, url, table = KINDS[request.param]
    parent = request.getfixturevalue(parent_fixture)
    return lambda **fields: factory(parent=parent, **fields), url, table


def enroll(offer, *states):
    """One child per state: a trait of EnrollmentFactory, or « offered » (a freed place awaiting an answer)."""
    for state in states:
        if state == "offered":
            EnrollmentFactory(offer=offer, status=EnrollmentStatus.OFFERED)
        else:
            EnrollmentFactory(offer=offer, **{state: True})


def parse(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def card_badges(client, url):
    """Each card's registration badge, by title."""
    return {
        card.select_one(".card__title").get_text(strip=True): card.select_one(".badge").get_text(" ", strip=True)
        for card in parse(client.get(url)).select(".card")
    }


def offer_page_labels(client, offer):
    """What the offer page says of registration: in its « En pratique » box, and in the phone's bar."""
    page = parse(client.get(offer.url))
    return (
        page.select_one(".offer__aside .badge").get_text(" ", strip=True),
        page.select_one(".offer__cta-bar .offer__cta-state").get_text(" ", strip=True),
    )


def assert_shown(client, url, offer, label):
    assert card_badges(client, url)[offer.title] == label
    assert offer_page_labels(client, offer) == (label, label)


def test_places_held_and_requests_in_line_are_counted_by_status(client, kind):
    make, url, _ = kind
    offer = make(title="Voile", capacity=5)
    enroll(offer, "validated", "deposit_received", "offered")  # 3 places taken or held
    enroll(offer, "requested", "requested", "waitlisted")  # 3 in line
    enroll(offer, "refused", "cancelled")  # neither
    assert_shown(client, url, offer, "2 places disponibles\u00a0· 3 demandes en attente")


def test_one_place_and_one_request_are_said_in_the_singular(client, kind):
    make, url, _ = kind
    offer = make(title="Voile", capacity=2)
    enroll(offer, "validated", "requested")
    assert_shown(client, url, offer, "1 place disponible\u00a0· 1 demande en attente")


def test_nothing_is_said_of_requests_when_none_waits(client, kind):
    make, url, _ = kind
    offer = make(title="Voile", capacity=3)
    enroll(offer, "validated", "refused", "cancelled")
    assert_shown(client, url, offer, "2 places disponibles")
    assert "demande" not in parse(client.get(url)).select_one(".card").get_text(" ", strip=True)


def test_a_full_offer_says_how_many_wait(client, kind):
    make, url, _ = kind
    crowded = make(title="Ski", capacity=2)
    enroll(crowded, "validated", "offered", "waitlisted", "waitlisted", "requested")
    alone = make(title="Surf", capacity=1)
    enroll(alone, "deposit_received", "waitlisted")
    nobody = make(title="Cirque", capacity=1)
    enroll(nobody, "validated")
    assert_shown(client, url, crowded, "Complet\u00a0· 3 demandes en attente")
    assert_shown(client, url, alone, "Complet\u00a0· 1 demande en attente")
    assert_shown(client, url, nobody, "Complet : liste d'attente")  # a request goes to the waiting list
    # Not by colour alone: the badge's class colours it, its words say it.
    assert parse(client.get(crowded.url)).select_one(".offer__aside .badge")["class"] == ["badge", "badge--full"]


def test_a_closed_offer_says_nothing_of_the_requests_left_waiting(client, kind):
    make, url, _ = kind
    offer = make(title="Voile", capacity=5, closed=True)
    enroll(offer, "requested", "waitlisted")
    assert_shown(client, url, offer, "Inscriptions fermées")


def test_requests_waiting_are_read_with_the_offer_or_counted_on_demand(activity_index, django_assert_num_queries):
    from activities.models import ActivityPage

    offer = ActivityPageFactory(parent=activity_index)
    enroll(offer, "requested", "waitlisted", "offered", "validated")
    annotated = ActivityPage.card_queryset().get(pk=offer.pk)
    with django_assert_num_queries(0):
        assert annotated.requests_waiting == 2 and annotated.places_taken == 2
    fresh = ActivityPage.objects.get(pk=offer.pk)
    with django_assert_num_queries(1):
        assert fresh.requests_waiting == 2
    with django_assert_num_queries(0):
        assert fresh.requests_waiting_label == "2 demandes en attente"


def offer_queries(queries, table):
    return [query["sql"] for query in queries if table in query["sql"]]


def test_catalogue_query_count_stays_the_same_with_more_offers_and_requests(client, kind, django_assert_num_queries):
    make, url, table = kind
    for _ in range(3):
        enroll(make(with_image=True), "validated", "offered", "requested", "waitlisted")
    client.get(url)  # renditions generated, cards kept
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    # Counted now: Django's log of queries is bounded, the factories below would push these out.
    warm_count, cold_count = len(warm), len(cold)
    # The offers, their places taken and their requests waiting: one SELECT.
    (offers,) = offer_queries(warm, table)
    assert offers.count("enrollments_enrollment") == 2, offers

    for number in range(12):
        enroll(make(with_image=True), *(["requested", "waitlisted", "validated"] if number % 3 else []))
    client.get(url)
    with django_assert_num_queries(warm_count):
        client.get(url)
    cache.clear()
    with django_assert_num_queries(cold_count):
        client.get(url)


def test_an_offer_page_costs_the_same_with_requests_waiting(client, kind, django_assert_num_queries):
    make, _, table = kind
    quiet, busy = make(with_image=True), make(with_image=True)
    enroll(busy, "validated", "offered", "requested", "waitlisted", "waitlisted")
    client.get(quiet.url)
    with CaptureQueriesContext(connection) as queries:
        client.get(quiet.url)
    quiet_count = len(queries)  # now: Django's log of queries is bounded
    assert len(offer_queries(queries, table)) == 1
    client.get(busy.url)
    with django_assert_num_queries(quiet_count):
        assert "3 demandes en attente" in parse(client.get(busy.url)).select_one(".offer__aside .badge").get_text()


def test_a_cached_card_shows_a_new_request_at_once_and_only_it_is_rendered_again(client, kind):
    make, url, table = kind
    judo, dance = make(title="Judo", capacity=10), make(title="Danse", capacity=10)
    enroll(judo, "requested")
    enroll(dance, "waitlisted")
    assert card_badges(client, url) == {
        "Judo": "10 places disponibles\u00a0· 1 demande en attente",
        "Danse": "10 places disponibles\u00a0· 1 demande en attente",
    }
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(offer_queries(queries, table)) == 1  # both cards from the cache

    EnrollmentFactory(offer=judo)  # a parent sends a request
    with CaptureQueriesContext(connection) as queries:
        badges = card_badges(client, url)
    assert badges == {
        "Judo": "10 places disponibles\u00a0· 2 demandes en attente",
        "Danse": "10 places disponibles\u00a0· 1 demande en attente",
    }
    # The page's offers, then the one offer whose card changed, read whole to render it again.
    _, reread = offer_queries(queries, table)
    assert f'."offerpage_ptr_id" IN ({judo.pk}))' in reread, reread
    with CaptureQueriesContext(connection) as queries:
        assert card_badges(client, url) == badges
    assert len(offer_queries(queries, table)) == 1  # kept again
