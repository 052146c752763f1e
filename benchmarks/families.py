"""What the enrollment benchmarks (rush.py, waitlist.py) build in bulk: the site with one popular
stay, and validated parents with their children. Django must be set up (served.configure)."""

import datetime
from dataclasses import dataclass


@dataclass
class Family:
    parents: list  # the first one makes the requests; a second one (a co-parent) is told too
    children: list


def build_stay(capacity, registration_opens_at, hostname="127.0.0.1"):
    """The home page, the stays' catalogue and « Surf à Biarritz » (``capacity`` places, in 120 days)."""
    from django.utils import timezone
    from wagtail.models import Page, Site

    from home.models import HomePage
    from stays.models import StayIndexPage, StayPage

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Accueil", slug="accueil", hero_title="Le PO"))
    Site.objects.update(root_page=home, hostname=hostname, is_default_site=True)
    for page in root.get_children().exclude(pk=home.pk):
        page.delete()
    index = home.add_child(instance=StayIndexPage(title="PO Vacances", slug="po-vacances"))
    start = timezone.localdate() + datetime.timedelta(days=120)
    return index.add_child(
        instance=StayPage(
            title="Surf à Biarritz",
            slug="surf-biarritz",
            intro="Le séjour le plus demandé de l'été.",
            min_age=8,
            max_age=14,
            start_date=start,
            end_date=start + datetime.timedelta(days=7),
            capacity=capacity,
            price="690.00",
            deposit_amount="200.00",
            registration_opens_at=registration_opens_at,
            destination="Biarritz",
            theme="Surf",
            holiday_period="ete",
        )
    )


def build_families(sizes, birth, *, co_parents=(), phones=False):
    """One family per item of ``sizes`` (its number of children, all born on ``birth``), each with a
    validated parent (and a second one for the indices in ``co_parents``), in a few queries.

    ``phones``: each parent has a French mobile number (the SMS go out too).
    """
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from memberspace.families.models import Child, Guardianship

    co_parents = set(co_parents)
    user_model = get_user_model()
    accounts = [(number, "mere") for number in range(len(sizes))]
    accounts += [(number, "pere") for number in sorted(co_parents)]
    users = user_model.objects.bulk_create(
        user_model(
            email=f"parent{number}{'' if role == 'mere' else '-b'}@exemple.fr",
            first_name=f"Parent{number}",
            last_name="Famille",
            phone=f"+3361{index:07d}" if phones else "",
            account_status="validated",
            password="!",  # noqa: S106 (unusable: the benchmarks sign in by session, or not at all)
        )
        for index, (number, role) in enumerate(accounts)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    children = Child.objects.bulk_create(
        Child(
            first_name=f"Enfant{number}-{rank}" if size > 1 else f"Enfant{number}",
            last_name="Famille",
            birth_date=birth,
        )
        for number, size in enumerate(sizes)
        for rank in range(size)
    )
    families, taken = [], 0
    for number, size in enumerate(sizes):
        families.append(Family(parents=[users[number]], children=children[taken : taken + size]))
        taken += size
    for user, (number, _role) in zip(users[len(sizes) :], accounts[len(sizes) :], strict=True):
        families[number].parents.append(user)
    Guardianship.objects.bulk_create(
        Guardianship(child=child, parent=parent, relationship="mere" if rank == 0 else "pere")
        for family in families
        for rank, parent in enumerate(family.parents)
        for child in family.children
    )
    return families
