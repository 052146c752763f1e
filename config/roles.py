"""The staff's two groups and what each may do, applied by ``manage.py setup_roles``.

- "Secrétariat": the member area's administration (accounts, children,
  enrollments, notifications), the club's settings (payment terms, bank
  details) and the offers: it creates them and sets their terms (ages, dates,
  places, prices, registration window, payment terms: ``pages.change_offer_terms``),
  with page rights on the catalogues only. Sees children's personal data.
- "Trésorerie": the payments (listing, ledger of each enrollment, recording payments,
  refunds and cashed cheques), and the enrollments read-only, to find whose money it is.
  Sees children's names and their families' payments, nothing of their health.
- "Communication": the public pages, images, documents and activity categories;
  sees an offer's terms without being able to change them. Sees no personal data.

Idempotent, and additive: a permission an administrator added by hand in the
Wagtail admin is kept.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site, get_page_models

from pages.models import OfferPage

SECRETARIAT = "Secrétariat"
TREASURY = "Trésorerie"
COMMUNICATION = "Communication"

# (app_label, codename) of model-wide permissions.
MODEL_PERMISSIONS = {
    SECRETARIAT: [
        ("wagtailadmin", "access_admin"),
        ("pages", "change_clubsettings"),
        ("pages", "change_offer_terms"),
        ("notifications", "view_notification"),
        ("notifications", "resend_notification"),
        ("accounts", "view_parentaccount"),
        ("accounts", "validate_parentaccount"),
        ("families", "view_child"),
        ("families", "change_child"),
        ("enrollments", "view_enrollment"),
        ("enrollments", "decide_enrollment"),
        ("enrollments", "export_roster"),
        ("payments", "view_payment"),
        ("payments", "record_payment"),
    ],
    TREASURY: [
        ("wagtailadmin", "access_admin"),
        ("enrollments", "view_enrollment"),
        ("payments", "view_payment"),
        ("payments", "record_payment"),
    ],
    COMMUNICATION: [
        ("wagtailadmin", "access_admin"),
        ("activities", "add_activitycategory"),
        ("activities", "change_activitycategory"),
        ("activities", "delete_activitycategory"),
    ],
}
# Page permissions of Communication on each site's home page and what is below it.
PAGE_PERMISSIONS = {COMMUNICATION: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]}
# Page permissions of the secretariat on each catalogue (a page that holds offers) and its
# offers: it creates the offers and sets their terms; it may unlock an offer another editor
# locked, so that a lock never keeps it from changing places or prices.
CATALOGUE_PERMISSIONS = {SECRETARIAT: ["add_page", "change_page", "publish_page", "unlock_page"]}
COLLECTION_PERMISSIONS = {
    COMMUNICATION: [
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "choose_document"),
    ]
}


def permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def setup_roles():
    """Create the groups and give them their permissions; returns the groups by name."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in MODEL_PERMISSIONS}
    for name, codenames in MODEL_PERMISSIONS.items():
        groups[name].permissions.add(*(permission(app, codename) for app, codename in codenames))
    root_collection = Collection.get_first_root_node()
    for name, codenames in COLLECTION_PERMISSIONS.items():
        for app, codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=groups[name], collection=root_collection, permission=permission(app, codename)
            )
    for site in Site.objects.select_related("root_page"):
        grant_pages(groups, site.root_page, PAGE_PERMISSIONS)
    for catalogue in catalogues():
        grant_pages(groups, catalogue, CATALOGUE_PERMISSIONS)
    return groups


def grant_pages(groups, page, permissions):
    for name, codenames in permissions.items():
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=groups[name], page=page, permission=permission("wagtailcore", codename)
            )


def catalogue_models():
    """The page types under which an offer can be created."""
    return [
        model
        for model in get_page_models()
        if any(issubclass(subpage, OfferPage) for subpage in model.creatable_subpage_models())
    ]


def catalogues():
    return Page.objects.type(*catalogue_models())


@transaction.atomic
def grant_new_catalogue(page):
    """Give the secretariat its rights on a catalogue created after ``setup_roles`` ran."""
    if isinstance(page.specific, tuple(catalogue_models())):
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in CATALOGUE_PERMISSIONS}
        grant_pages(groups, page, CATALOGUE_PERMISSIONS)


def edits_pages(user):
    """Whether ``user`` edits the site's pages (superusers, Communication), and so needs Wagtail's page tools.

    The secretariat only keeps the catalogues' offers: the home's page search,
    the editor's guide and the help menu's badge mean nothing to it.
    """
    if user.is_superuser:
        return True
    if not hasattr(user, "_staff_group_names"):
        user._staff_group_names = set(user.groups.values_list("name", flat=True))
    return COMMUNICATION in user._staff_group_names
