"""The staff's two groups and what each may do, applied by ``manage.py setup_roles``.

- "Secrétariat": the member area's administration (accounts, children,
  enrollments, notifications), the club's settings (payment terms, bank
  details) and the offers' terms (ages, dates, places, prices, registration
  window, payment terms: ``pages.change_offer_terms``), hence the pages too.
  Sees children's personal data.
- "Communication": the public pages, images, documents and activity categories;
  sees an offer's terms without being able to change them. Sees no personal data.

Idempotent, and additive: a permission an administrator added by hand in the
Wagtail admin is kept.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Site

SECRETARIAT = "Secrétariat"
COMMUNICATION = "Communication"

# (app_label, codename) of model-wide permissions.
MODEL_PERMISSIONS = {
    SECRETARIAT: [
        ("wagtailadmin", "access_admin"),
        ("pages", "change_clubsettings"),
        ("pages", "change_offer_terms"),
        ("memberspace", "view_notification"),
        ("memberspace", "resend_notification"),
        ("memberspace", "view_parentaccount"),
        ("memberspace", "validate_parentaccount"),
        ("memberspace", "view_child"),
        ("memberspace", "change_child"),
        ("memberspace", "view_enrollment"),
        ("memberspace", "decide_enrollment"),
        ("memberspace", "export_roster"),
    ],
    COMMUNICATION: [
        ("wagtailadmin", "access_admin"),
        ("activities", "add_activitycategory"),
        ("activities", "change_activitycategory"),
        ("activities", "delete_activitycategory"),
    ],
}
# Page permissions of Communication on each site's home page and what is below it.
# The secretariat creates offers and edits their terms; it may unlock a page the
# communication team locked, so that a lock never keeps it from changing places or prices.
PAGE_PERMISSIONS = {
    SECRETARIAT: ["add_page", "change_page", "publish_page", "unlock_page"],
    COMMUNICATION: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
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
        for name, codenames in PAGE_PERMISSIONS.items():
            for codename in codenames:
                GroupPagePermission.objects.get_or_create(
                    group=groups[name], page=site.root_page, permission=permission("wagtailcore", codename)
                )
    return groups
