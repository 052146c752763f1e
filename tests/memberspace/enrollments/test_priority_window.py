"""The members' priority window (réinscriptions), issue 15 item 5.

Before the public opening of an annual activity, ``ClubSettings.priority_days`` during which
only the children with priority may request it: those with a validated enrollment (deposit
received or not) in an annual activity of the previous season, or, as the club chooses,
those and their siblings. Their requests are numbered first because they come first; a
priority child requested after the public opening is ranked at its arrival, as anyone.

The clock is set (``clock``): the season 2027-2028 opens to all on 15 June 2027 at 9 h, and
its window of 14 days starts on 1 June 2027 at 9 h.
"""

import datetime
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Site

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus, set_positions
from memberspace.enrollments.services import EnrollmentError
from pages.models import ClubSettings
from tests.factories import ActivityPageFactory, ChildFactory, EnrollmentFactory, ParentFactory, StayPageFactory

pytestmark = pytest.mark.django_db

Status = EnrollmentStatus
REQUEST_URL = "/espace-adherent/inscriptions/demande/"
START = datetime.date(2027, 9, 15)  # the season 2027-2028's first day
LAST_START = datetime.date(2026, 9, 16)  # the season 2026-2027's


def paris(*args):
    return timezone.make_aware(datetime.datetime(*args))


OPENS = paris(2027, 6, 15, 9)
STARTS = paris(2027, 6, 1, 9)
SECOND = datetime.timedelta(seconds=1)
OPENS_TEXT = "15\u00a0juin 2027 à 9\u00a0h"
STARTS_TEXT = "1er\u00a0juin 2027 à 9\u00a0h"
MEMBERS_REASON = (
    f"réinscriptions prioritaires pour les enfants inscrits la saison 2026-2027 ; ouverture à tous le {OPENS_TEXT}"
)
FAMILIES_REASON = (
    "réinscriptions prioritaires pour les enfants inscrits la saison 2026-2027 et leurs frères et sœurs ; "
    f"ouverture à tous le {OPENS_TEXT}"
)
RULE = (
    f"Réinscriptions : à partir du {STARTS_TEXT}, les enfants inscrits la saison 2026-2027 demandent en priorité ; "
    f"ouverture à tous le {OPENS_TEXT}. Les demandes sont classées par ordre d'arrivée : celles des réinscriptions "
    "d'abord ; après l'ouverture à tous, une réinscription prend son rang à son arrivée, comme toute demande."
)


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


@pytest.fixture
def clock(monkeypatch):
    """``clock.at(moment)``: what ``timezone.now()`` answers from then on (services, factories, views)."""

    class Clock:
        def at(self, moment):
            monkeypatch.setattr(timezone, "now", lambda: moment)
            return moment

    clock = Clock()
    clock.at(paris(2027, 6, 2, 10))  # in the window
    return clock


@pytest.fixture
def club(home, clock):
    settings = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    settings.priority_days = 14
    settings.priority_for = "members"
    settings.save()
    return settings


def set_club(club, **fields):
    for name, value in fields.items():
        setattr(club, name, value)
    club.save()


def activity(parent, season="2027-2028", start=START, opens=OPENS, **fields):
    return ActivityPageFactory(
        parent=parent,
        season=season,
        start_date=start,
        end_date=start + datetime.timedelta(days=280),
        registration_opens_at=opens,
        **fields,
    )


@pytest.fixture
def judo(activity_index, club):
    return activity(activity_index, title="Judo", capacity=2)


@pytest.fixture
def last_season(activity_index, club):
    return activity(activity_index, season="2026-2027", start=LAST_START, opens=paris(2026, 6, 15, 9), title="Judo 26")


def child_of(*guardians, first_name="Léa", age_at_start=8):
    birth = START.replace(year=START.year - age_at_start) - datetime.timedelta(days=30)
    return ChildFactory(first_name=first_name, birth_date=birth, guardians=guardians)


@pytest.fixture
def mother(home):
    return ParentFactory(email="claire.martin@exemple.fr", first_name="Claire")


@pytest.fixture
def lea(mother, last_season):
    """Enrolled last season: she has priority."""
    lea = child_of(mother)
    EnrollmentFactory(child=lea, offer=last_season, validated=True)
    return lea


@pytest.fixture
def hugo(mother):
    """Léa's brother, never enrolled."""
    return child_of(mother, first_name="Hugo", age_at_start=7)


@pytest.fixture
def tom(home):
    """Of another family, never enrolled."""
    return child_of(ParentFactory(email="tom.parent@exemple.fr"), first_name="Tom")


def reasons(child, offer, now):
    return enrollments.eligibility(child, offer, now=now).reasons


# Who may request during the window


def test_a_child_enrolled_last_season_may_request_during_the_window_and_a_new_child_is_told_why_not(judo, lea, tom):
    assert enrollments.in_priority_window(judo)
    assert enrollments.eligibility(lea, judo).allowed
    assert reasons(tom, judo, timezone.now()) == [MEMBERS_REASON]


def test_a_deposit_received_last_season_gives_priority_but_a_request_never_validated_does_not(
    judo, last_season, mother
):
    paid = child_of(mother, first_name="Inès")
    EnrollmentFactory(child=paid, offer=last_season, deposit_received=True)
    now = timezone.now()
    assert enrollments.eligibility(paid, judo, now=now).allowed
    for state in ("requested", "waitlisted", "refused", "cancelled"):
        child = child_of(mother, first_name=state)
        EnrollmentFactory(child=child, offer=last_season, **{state: True})
        assert reasons(child, judo, now) == [MEMBERS_REASON], state


def test_only_an_annual_activity_of_the_previous_season_gives_priority(judo, activity_index, stay_index, mother):
    two_seasons_ago = activity(activity_index, season="2025-2026", start=LAST_START.replace(year=2025))
    this_season = activity(activity_index, title="Danse")
    last_winter_stay = StayPageFactory(
        parent=stay_index, start_date=datetime.date(2027, 2, 13), end_date=datetime.date(2027, 2, 20)
    )
    now = timezone.now()
    for offer in (two_seasons_ago, this_season, last_winter_stay):
        child = child_of(mother, first_name=offer.title)
        EnrollmentFactory(child=child, offer=offer, validated=True)
        assert reasons(child, judo, now) == [MEMBERS_REASON], offer.title


def test_with_members_a_sibling_waits_for_the_public_opening(judo, lea, hugo):
    now = timezone.now()
    assert enrollments.eligibility(lea, judo, now=now).allowed
    assert reasons(hugo, judo, now) == [MEMBERS_REASON]


def test_with_families_the_siblings_of_a_member_have_priority_too(judo, club, lea, hugo, tom):
    set_club(club, priority_for="families")
    now = timezone.now()
    assert enrollments.eligibility(lea, judo, now=now).allowed
    assert enrollments.eligibility(hugo, judo, now=now).allowed
    assert reasons(tom, judo, now) == [FAMILIES_REASON]


def test_with_families_a_child_sharing_one_guardian_with_a_member_has_priority(judo, club, lea, mother, home):
    """A step-family: Léa's mother is also the guardian of Jade, whose other guardian has a child of his own."""
    set_club(club, priority_for="families")
    stepfather = ParentFactory(email="beau-pere@exemple.fr")
    jade = child_of(mother, stepfather, first_name="Jade")
    his_son = child_of(stepfather, first_name="Noé")
    now = timezone.now()
    assert enrollments.eligibility(jade, judo, now=now).allowed  # shares Léa's mother
    assert reasons(his_son, judo, now) == [FAMILIES_REASON]  # shares no guardian with Léa


# The window's edges


def test_the_window_opens_at_its_first_second_and_ends_at_the_public_openings(judo, lea, tom):
    before, first, last = STARTS - SECOND, STARTS, OPENS - datetime.timedelta(microseconds=1)
    assert not enrollments.in_priority_window(judo, now=before)
    assert enrollments.in_priority_window(judo, now=first)
    assert enrollments.in_priority_window(judo, now=last)
    assert not enrollments.in_priority_window(judo, now=OPENS)

    # Before the window: a member is told when it opens for her, the others when it opens to all.
    assert reasons(lea, judo, before) == [
        f"réinscription prioritaire à partir du {STARTS_TEXT} ; ouverture à tous le {OPENS_TEXT}"
    ]
    assert reasons(tom, judo, before) == [f"les inscriptions ouvrent le {OPENS_TEXT}"]
    # Its first second: the member may; the last instant before the opening: the other may not yet.
    assert reasons(lea, judo, first) == []
    assert reasons(tom, judo, first) == [MEMBERS_REASON]
    assert reasons(tom, judo, last) == [MEMBERS_REASON]
    # The public opening's second: everyone.
    assert reasons(tom, judo, OPENS) == []
    assert reasons(lea, judo, OPENS) == []


def test_the_window_counts_days_of_the_clubs_calendar_across_a_change_of_time(activity_index, club):
    """Summer time starts on 28 March 2027: 14 days before 5 April at 9 h is 22 March at 9 h, Paris time."""
    spring = activity(activity_index, opens=paris(2027, 4, 5, 9))
    window = enrollments.priority_window(spring, club)
    assert timezone.localtime(window.starts) == paris(2027, 3, 22, 9)
    elapsed = window.opens.astimezone(datetime.UTC) - window.starts.astimezone(datetime.UTC)
    assert elapsed == datetime.timedelta(days=14, hours=-1)  # one hour less, in real time


def test_a_stay_never_has_a_window(stay_index, club, lea, tom):
    stay = StayPageFactory(
        parent=stay_index,
        registration_opens_at=OPENS,
        start_date=datetime.date(2027, 7, 10),
        end_date=datetime.date(2027, 7, 17),
    )
    now = timezone.now()
    assert not enrollments.in_priority_window(stay, now=now)
    assert enrollments.priority_windows([lea, tom], [stay], now=now) == {}
    assert enrollments.priority_window(stay, club) is None
    assert enrollments.priority_rule(stay, club=club) == ""
    for child in (lea, tom):
        assert reasons(child, stay, now) == [f"les inscriptions ouvrent le {OPENS_TEXT}"]


def test_no_window_when_priority_days_is_zero(judo, club, lea, tom):
    set_club(club, priority_days=0)
    now = timezone.now()
    assert not enrollments.in_priority_window(judo, now=now)
    assert enrollments.priority_windows([lea, tom], [judo], now=now) == {}
    assert enrollments.priority_rule(judo, club=club) == ""
    for child in (lea, tom):
        assert reasons(child, judo, now) == [f"les inscriptions ouvrent le {OPENS_TEXT}"]


def test_an_activity_without_an_opening_date_has_no_window(activity_index, club, tom):
    always_open = activity(activity_index, opens=None)
    assert not enrollments.in_priority_window(always_open)
    assert enrollments.priority_window(always_open, club) is None
    assert enrollments.eligibility(tom, always_open).allowed


# Ranking: the window's requests first, because they come first


def test_priority_requests_rank_before_the_public_ones_and_a_member_after_the_opening_ranks_at_arrival(
    clock, judo, lea, mother, last_season, tom
):
    noah_parent = ParentFactory(email="noah.parent@exemple.fr")
    noah = child_of(noah_parent, first_name="Noah")
    EnrollmentFactory(child=noah, offer=last_season, validated=True)
    zoe_parent = ParentFactory(email="zoe.parent@exemple.fr")
    zoe = child_of(zoe_parent, first_name="Zoé")
    EnrollmentFactory(child=zoe, offer=last_season, validated=True)
    tom_parent = tom.guardianships.get().parent

    clock.at(paris(2027, 6, 2, 10))
    (lea_request,) = enrollments.request_enrollments(mother, offer=judo, children=[lea])
    clock.at(paris(2027, 6, 3, 18))
    (noah_request,) = enrollments.request_enrollments(noah_parent, offer=judo, children=[noah])
    clock.at(OPENS - SECOND)
    with pytest.raises(EnrollmentError, match="Tom : réinscriptions prioritaires pour les enfants inscrits"):
        enrollments.request_enrollments(tom_parent, offer=judo, children=[tom])

    clock.at(OPENS)  # the public opening's second
    (tom_request,) = enrollments.request_enrollments(tom_parent, offer=judo, children=[tom])
    clock.at(OPENS + datetime.timedelta(minutes=5))  # Zoé had priority, but asks after the opening
    (zoe_request,) = enrollments.request_enrollments(zoe_parent, offer=judo, children=[zoe])

    line = list(Enrollment.objects.filter(offer=judo).select_related("child").in_line())
    assert [e.child.first_name for e in line] == ["Léa", "Noah", "Tom", "Zoé"]
    assert [e.arrival for e in line] == [1, 2, 3, 4]
    set_positions(line)
    assert [e.line_position() for e in line] == [1, 2, 3, 4]
    # Two places and a margin of one request (20 %): Zoé, fourth, goes straight to the waiting list.
    assert [e.status for e in line] == [Status.REQUESTED, Status.REQUESTED, Status.REQUESTED, Status.WAITLISTED]
    tom_line = enrollments.describe_position(line[2], judo)
    assert tom_line == (
        "3e demande pour 2 places : votre enfant sera sur liste d'attente si les demandes précédentes sont validées"
    )
    assert {lea_request.pk, noah_request.pk, tom_request.pk, zoe_request.pk} == {e.pk for e in line}


def test_siblings_of_a_member_requested_together_during_the_window_share_one_position(clock, judo, club, lea, hugo):
    set_club(club, priority_for="families")
    mother = lea.guardianships.get().parent
    created = enrollments.request_enrollments(mother, offer=judo, children=[lea, hugo])
    assert {e.arrival for e in created} == {1}


def test_a_sibling_refused_with_members_makes_the_whole_request_refused(judo, lea, hugo):
    mother = lea.guardianships.get().parent
    with pytest.raises(EnrollmentError, match="Hugo : réinscriptions prioritaires"):
        enrollments.request_enrollments(mother, offer=judo, children=[lea, hugo])
    assert not Enrollment.objects.filter(offer=judo).exists()


# Queries


@pytest.mark.parametrize("priority_for", ["members", "families"])
def test_which_children_have_priority_is_one_query_whatever_their_number(
    judo, club, lea, hugo, tom, mother, priority_for, django_assert_num_queries
):
    set_club(club, priority_for=priority_for)
    others = [child_of(mother, first_name=f"Enfant {n}") for n in range(5)]
    now = timezone.now()
    with django_assert_num_queries(1):
        one = enrollments.priority_windows([lea], [judo], now=now, club=club)
    with django_assert_num_queries(1):
        many = enrollments.priority_windows([lea, hugo, tom, *others], [judo], now=now, club=club)
    assert one[judo.pk].children == {lea.pk}
    siblings = {hugo.pk, *(child.pk for child in others)} if priority_for == "families" else set()
    assert many[judo.pk].children == {lea.pk, *siblings}


def test_no_query_for_offers_without_a_window(stay_index, activity_index, club, lea, django_assert_num_queries):
    stay = StayPageFactory(parent=stay_index, registration_opens_at=OPENS)
    opened = activity(activity_index, opens=paris(2027, 5, 1, 9))
    with django_assert_num_queries(0):
        assert enrollments.priority_windows([lea], [stay, opened]) == {}
        assert enrollments.eligibility(lea, stay, active=[]).reasons == [f"les inscriptions ouvrent le {OPENS_TEXT}"]


def choose_page(client):
    """The choose-offer page, once warm (the site's chrome cached): its queries and its text."""
    client.get(REQUEST_URL)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REQUEST_URL)
    assert response.status_code == 200
    return len(queries), text(response)


@pytest.mark.parametrize("priority_for", ["members", "families"])
def test_the_choose_offer_page_costs_the_same_with_more_children_and_offers_in_the_window(
    client, judo, club, lea, mother, last_season, activity_index, stay_index, priority_for
):
    set_club(club, priority_for=priority_for)
    StayPageFactory(parent=stay_index, start_date=datetime.date(2027, 7, 10), end_date=datetime.date(2027, 7, 17))
    client.force_login(mother)
    few, page = choose_page(client)
    assert "Inscrire Léa" in page

    for number in range(3):
        child = child_of(mother, first_name=f"Frère {number}")
        if number == 0:
            EnrollmentFactory(child=child, offer=last_season, validated=True)
    for number in range(3):
        activity(activity_index, title=f"Danse {number}")
    activity(activity_index, season="2028-2029", start=START.replace(year=2028), title="Échecs 2028")
    more, page = choose_page(client)
    assert more == few
    # Judo, the three dances and the stay (open to all); not next season's chess, whose window
    # gives priority to the children of the season 2027-2028.
    assert page.count("Inscrire Frère 0") == 5
    assert "Frère 0 : réinscriptions prioritaires pour les enfants inscrits la saison 2027-2028" in page
    if priority_for == "families":
        assert "Inscrire Frère 1" in page
    else:
        assert "Frère 1 : " + MEMBERS_REASON in page

    # What the window costs: the club's settings (read for the activities not opened to all
    # anyway) and one query for the children's priority.
    set_club(club, priority_days=0)
    without_window, _page = choose_page(client)
    assert more == without_window + 1


# The rule, on the request page


def test_the_request_page_states_the_rule_and_lets_only_the_priority_child_be_chosen(client, judo, lea, hugo, mother):
    client.force_login(mother)
    response = client.get(REQUEST_URL, {"offre": judo.pk})
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".priority-rule").get_text(" ", strip=True) == RULE
    assert f"Hugo : {MEMBERS_REASON}" in text(response)
    choices = [label.get_text(" ", strip=True) for label in soup.select("form label")]
    assert any("Léa" in choice for choice in choices)
    assert not any("Hugo" in choice for choice in choices)


def test_the_request_page_names_the_siblings_in_the_rule_with_families(client, judo, club, lea, mother):
    set_club(club, priority_for="families")
    client.force_login(mother)
    rule = BeautifulSoup(client.get(REQUEST_URL, {"offre": judo.pk}).content, "html.parser").select_one(
        ".priority-rule"
    )
    assert "les enfants inscrits la saison 2026-2027 et leurs frères et sœurs demandent en priorité" in rule.get_text()


def test_the_request_page_of_a_stay_or_without_a_window_states_no_rule(client, judo, club, lea, mother, stay_index):
    stay = StayPageFactory(
        parent=stay_index,
        registration_opens_at=OPENS,
        start_date=datetime.date(2027, 7, 10),
        end_date=datetime.date(2027, 7, 17),
    )
    client.force_login(mother)
    assert not BeautifulSoup(client.get(REQUEST_URL, {"offre": stay.pk}).content, "html.parser").select(
        ".priority-rule"
    )
    set_club(club, priority_days=0)
    assert not BeautifulSoup(client.get(REQUEST_URL, {"offre": judo.pk}).content, "html.parser").select(
        ".priority-rule"
    )


def test_the_request_page_costs_the_same_for_more_children(client, judo, lea, mother):
    client.force_login(mother)
    url = f"{REQUEST_URL}?offre={judo.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(4):
        child_of(mother, first_name=f"Enfant {number}")
    client.get(url)
    with CaptureQueriesContext(connection) as more:
        assert "Enfant 3 : " + MEMBERS_REASON in text(client.get(url))
    assert len(more) == len(few), [query["sql"] for query in more.captured_queries]
