"""Personal-data rights and retention (GDPR, the CNIL's guidance for associations).

- ``export_for(parent)``: everything the site holds about a parent and their
  children, as one JSON-ready dict (the member area offers it as a file and as
  a printable page).
- ``request_erasure`` / ``withdraw_erasure_request``: the parent asks; the
  secretariat carries it out with ``erase_account``: personal data erased, the
  account row kept anonymous (what enrollments and deposits point to, for the
  club's accounts), children left without guardian archived.
- The purges, run daily by django-q2 schedules and by
  ``manage.py purge_personal_data [--dry-run]``: accounts never verified after
  7 days, accounts never validated after the period of the club's settings,
  archived children after theirs, the notification log after a year.

docs/data_protection.md says what is kept, why, who sees it and how long.
"""

import datetime
import json
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from memberspace.accounts import services as accounts_service
from memberspace.accounts.models import AccountStatus, ParentAccount
from memberspace.accounts.services import AccountError
from memberspace.enrollments import services as enrollments_service
from memberspace.enrollments.models import TAKEN_STATUSES, Enrollment, EnrollmentStatus
from memberspace.families.models import Child, ChildStatus, Guardianship, Invitation
from memberspace.families.services import children as children_service
from memberspace.families.text import name_key
from memberspace.legacy.models import AccountSuggestions, AttachmentRequest, LegacyContact
from memberspace.notifications.models import Notification
from memberspace.notifications.services import notify, notify_address
from pages.models import ClubSettings

UNVERIFIED_ACCOUNT_DAYS = 7
NOTIFICATION_LOG_DAYS = 365
# Enrollments the club keeps for its accounts (without names) once a family is erased: a place
# taken, or money received or given back, whatever became of the place (payments point to them).
KEPT_FOR_ACCOUNTS = Q(status__in=TAKEN_STATUSES) | Q(payments__isnull=False) | Q(refunds__isnull=False)


def kept_for_accounts(enrollments):
    return enrollments.filter(KEPT_FOR_ACCOUNTS).distinct()


ERASED_NAME = "—"
# The message confirming an erasure to the address the account had: deleted once sent.
ERASURE_CONFIRMATION = "account_erased"


# Access: what the site holds about a parent


def export_for(parent):
    """Everything the site holds about ``parent`` and the children they are a guardian of.

    Children (and so their enrollments and other guardians) only once the club validated
    the account: the secretariat may attach migrated children to a pending account, which
    the member area shows nothing of until then.
    """
    guardianships = Guardianship.objects.filter(child__guardians=parent).select_related("parent")
    children = Child.objects.filter(guardianships__parent=parent).distinct().order_by("birth_date", "pk")
    if not parent.is_validated_parent:
        guardianships, children = guardianships.none(), children.none()
    enrollments = (
        Enrollment.objects.filter(child__in=children)
        .select_related("offer", "requested_by")
        .prefetch_related("payments", "refunds")
        .order_by("requested_at")
    )
    return {
        "export": {
            "generated_at": timezone.now().isoformat(),
            "site": "Le PO",
            "about": _("Données personnelles détenues par le PO sur votre compte et vos enfants."),
        },
        "account": {
            "email": parent.email,
            "first_name": parent.first_name,
            "last_name": parent.last_name,
            "phone": parent.phone,
            "street": parent.street,
            "postal_code": parent.postal_code,
            "city": parent.city,
            "notification_preference": parent.get_notification_preference_display(),
            "message_to_the_club": parent.club_message,
            "account_status": parent.get_account_status_display(),
            "status_reason": parent.status_reason,
            "joined_at": _iso(parent.date_joined),
            "last_login": _iso(parent.last_login),
            "privacy_consent_at": _iso(parent.privacy_consent_at),
            "erasure_requested_at": _iso(parent.erasure_requested_at),
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=parent)
            ],
            "two_factor_methods": sorted(
                str(kind) for kind in Authenticator.objects.filter(user=parent).values_list("type", flat=True)
            ),
        },
        "children": [_child_export(child, guardianships) for child in children],
        "enrollments": [
            {
                "reference": enrollment.reference,
                "child": str(enrollment.child_id and _child_name(children, enrollment.child_id)),
                "offer": enrollment.offer.title,
                "status": enrollment.get_status_display(),
                "requested_at": _iso(enrollment.requested_at),
                "requested_by": enrollment.requested_by.get_full_name() if enrollment.requested_by else None,
                "message": enrollment.parent_comment,
                "refusal_reason": enrollment.refusal_reason,
                "deposit_amount": str(enrollment.deposit_amount) if enrollment.deposit_amount is not None else None,
                "deposit_due_date": _iso(enrollment.deposit_due_date),
                "deposit_received_at": _iso(enrollment.deposit_received_at),
                "price": str(enrollment.price) if enrollment.price is not None else None,
                "payments": [
                    {
                        "date": _iso(payment.received_on),
                        "amount": str(payment.amount),
                        "method": payment.get_method_display(),
                        "paid_by": payment.get_payer_display(),
                        "state": payment.get_state_display(),
                    }
                    for payment in enrollment.payments.all()
                ],
                "refunds": [
                    {"date": _iso(refund.refunded_on), "amount": str(refund.amount), "reason": refund.reason}
                    for refund in enrollment.refunds.all()
                ],
            }
            for enrollment in enrollments
        ],
        "invitations_sent": [
            {"email": invitation.email, "created_at": _iso(invitation.created_at), "status": invitation.state_label}
            for invitation in Invitation.objects.filter(inviter=parent).order_by("created_at")
        ],
        "messages_sent_to_you": [
            {
                "date": _iso(notification.created_at),
                "channel": notification.get_channel_display(),
                "to": notification.address,
                "subject": notification.subject,
                "status": notification.get_status_display(),
            }
            for notification in Notification.objects.filter(user=parent).order_by("created_at")
        ],
    }


def _child_export(child, guardianships):
    return {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "birth_date": _iso(child.birth_date),
        "sex": child.get_sex_display(),
        "school_level": child.get_school_level_display(),
        "health_notes": child.health_notes,
        "emergency_contact": {"name": child.emergency_contact_name, "phone": child.emergency_contact_phone},
        "image_rights_consent": child.image_rights_consent,
        "may_leave_alone": child.may_leave_alone,
        "status": child.get_status_display(),
        "former_activities": child.legacy_activities,
        "guardians": [
            {"name": g.parent.get_full_name(), "relationship": g.get_relationship_display()}
            for g in guardianships
            if g.child_id == child.pk
        ],
    }


def _child_name(children, child_id):
    return next((str(child) for child in children if child.pk == child_id), "")


def _iso(value):
    return value.isoformat() if value else None


# Erasure


def request_erasure(parent):
    """The parent asks for their account's erasure; the secretariat is told and carries it out."""
    with transaction.atomic():
        parent = get_user_model().objects.select_for_update().get(pk=parent.pk)
        if parent.erasure_requested_at is None:
            parent.erasure_requested_at = timezone.now()
            parent.save(update_fields=["erasure_requested_at"])
            log(instance=parent, action="po.account.erasure_request", user=parent)
            for member in _secretariat():
                notify(member, "secretariat_erasure_request", {"account": parent}, channels={"email"})
    return parent


def withdraw_erasure_request(parent):
    with transaction.atomic():
        parent = get_user_model().objects.select_for_update().get(pk=parent.pk)
        if parent.erasure_requested_at is not None and parent.account_status != AccountStatus.ERASED:
            parent.erasure_requested_at = None
            parent.save(update_fields=["erasure_requested_at"])
            log(instance=parent, action="po.account.erasure_withdrawn", user=parent)
    return parent


@dataclass
class ErasureReport:
    """What an erasure did, for the secretariat's message."""

    archived_children: list = field(default_factory=list)
    cancelled: int = 0
    kept_for_accounts: int = 0


def erase_account(parent, *, by):
    """Carry out a parent's erasure request.

    Erased, wherever it is held: name, email, phone, address, messages, sign-in
    methods and sessions, the admin profile, the invitations sent and received,
    the parent's comments on enrollment requests, the old base's contacts that
    were theirs, the messages sent to them or naming them, and the history
    entries (label and data) of all of these. Kept: an anonymous account row,
    because enrollments (and the deposits the club received, which its accounts
    must keep) point to it. The children the parent was the last guardian of
    are archived: their requests not yet decided are cancelled, and they are
    erased after the retention period (``purge_archived_children``).
    """
    report = ErasureReport()
    with transaction.atomic():
        parent = get_user_model().objects.select_for_update().get(pk=parent.pk)
        if not parent.can_be_erased():
            raise AccountError(_("Ce compte n'a pas demandé son effacement, ou il est déjà effacé."))
        address, first_name = parent.email, parent.first_name
        identity = _Identity.of(parent)
        children = list(Child.objects.filter(guardianships__parent=parent).select_for_update())
        Guardianship.objects.filter(parent=parent).delete()
        for child in children:
            if child.guardianships.exists():
                continue  # the other guardian goes on managing the child
            # Not taken yet: in line, or a place offered (cancelled, it passes to the next family).
            undecided = [EnrollmentStatus.REQUESTED, EnrollmentStatus.WAITLISTED, EnrollmentStatus.OFFERED]
            for enrollment in child.enrollments.filter(status__in=undecided):
                enrollments_service.cancel_by_staff(enrollment, by=by)
                report.cancelled += 1
            children_service.archive(child)
            report.archived_children.append(str(child))
        report.kept_for_accounts = kept_for_accounts(Enrollment.objects.filter(requested_by=parent)).count()
        # What the parent typed on their requests (a phone number, an address...) is theirs.
        Enrollment.objects.filter(requested_by=parent).exclude(parent_comment="").update(parent_comment="")
        invitations = Invitation.objects.filter(
            Q(inviter=parent) | Q(accepted_by=parent) | Q(email__in=identity.emails)
        )
        _delete_with_history(invitations, _("Invitation effacée"))
        AttachmentRequest.objects.filter(parent=parent).delete()
        AccountSuggestions.objects.filter(account=parent).delete()  # the children its message named
        LegacyContact.objects.filter(identity.legacy_contacts(children)).delete()
        EmailAddress.objects.filter(user=parent).delete()  # and their confirmations (cascade)
        Authenticator.objects.filter(user=parent).delete()
        UserProfile.objects.filter(user=parent).delete()
        _delete_with_history(
            Notification.objects.filter(Q(user=parent) | identity.mentioned_in_notifications()),
            _("Message effacé"),
        )
        _anonymise_history(parent, _("Compte effacé"))
        _forget_mentions_in_history(identity)
        parent.first_name = parent.last_name = parent.phone = ""
        parent.street = parent.postal_code = parent.city = parent.club_message = parent.status_reason = ""
        parent.email = f"efface-{parent.pk}@efface.invalid"
        parent.set_unusable_password()
        parent.is_active = False
        parent.account_status = AccountStatus.ERASED
        parent.erased_at = parent.status_changed_at = timezone.now()
        parent.save()
        accounts_service.end_sessions(parent)  # signed out of every browser
        log(instance=parent, action="po.account.erase", user=by)
        # The confirmation goes to the address the account had; its row is deleted by the
        # next daily purge once sent (purge_notification_log).
        notify_address(address, ERASURE_CONFIRMATION, {"first_name": first_name})
    return report


@dataclass
class _Identity:
    """What identifies an erased parent in text: addresses, full name, phone number."""

    emails: list
    first_name: str
    last_name: str
    phone: str

    @property
    def full_name(self):
        # A first name alone (or a last name alone) would name other people too.
        return f"{self.first_name} {self.last_name}" if self.first_name and self.last_name else ""

    @classmethod
    def of(cls, parent):
        addresses = EmailAddress.objects.filter(user=parent).values_list("email", flat=True)
        emails = {parent.email.lower(), *(address.lower() for address in addresses)}
        return cls(
            emails=sorted(emails),
            first_name=parent.first_name.strip(),
            last_name=parent.last_name.strip(),
            phone=parent.phone.strip(),
        )

    def strings(self):
        """The strings whose presence in a text means it is about this parent."""
        return [value for value in (*self.emails, self.full_name, self.phone) if value]

    def json_strings(self):
        """The same as they may be stored in a JSON column (SQLite keeps ``ë`` as ``\\u00eb``)."""
        return sorted({form for value in self.strings() for form in (value, json.dumps(value)[1:-1])})

    def mentioned_in_notifications(self):
        """Messages to others that name the parent (a co-parent told of a request, the secretariat's digests)."""
        query = Q(pk__in=[])
        for value in self.strings():
            query |= Q(address__iexact=value) | Q(subject__icontains=value) | Q(body_text__icontains=value)
            query |= Q(body_html__icontains=escape(value)) | Q(last_error__icontains=value)
        return query

    def legacy_contacts(self, children):
        """The old base's contacts that were this parent: by address or phone, or by name on their children."""
        query = Q(email__in=self.emails)
        if self.phone:
            query |= Q(phone=self.phone)
        if self.full_name:
            query |= Q(child__in=children, first_name__iexact=self.first_name, last_name_key=name_key(self.last_name))
        return query


def _delete_with_history(queryset, label):
    """Delete the rows of ``queryset`` and blank their history's labels and data."""
    ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
    if ids:
        entries = ModelLogEntry.objects.filter(content_type__in=_content_types(queryset.model), object_id__in=ids)
        entries.update(label=label, data={})
        queryset.model.objects.filter(pk__in=ids).delete()


def _forget_mentions_in_history(identity):
    """History entries of any other object whose label or data names the parent."""
    for value in identity.strings():
        ModelLogEntry.objects.filter(label__icontains=value).update(label=_("Donnée effacée"))
    for value in identity.json_strings():
        mentions = ModelLogEntry.objects.annotate(data_text=Cast("data", TextField()))
        mentions.filter(data_text__icontains=value).update(data={})


def _anonymise_history(instance, label):
    """Wagtail's history keeps each entry's label (the object's name at the time) and its data: blank them."""
    entries = ModelLogEntry.objects.filter(content_type__in=_content_types(type(instance)), object_id=str(instance.pk))
    entries.update(label=label, data={})


def _content_types(model):
    """The content types an object of ``model`` may be logged under: its concrete model's and its proxies'."""
    concrete = model._meta.concrete_model
    models = [candidate for candidate in apps.get_models() if candidate._meta.concrete_model is concrete]
    return list(ContentType.objects.get_for_models(*models, for_concrete_models=False).values())


def _secretariat():
    from config.roles import SECRETARIAT

    staff = Group.objects.filter(name=SECRETARIAT).values_list("user", flat=True)
    return get_user_model().objects.filter(pk__in=staff, is_active=True)


# Retention purges


@dataclass
class Purge:
    """One purge's outcome: what it found (and, unless a dry run, removed)."""

    name: str
    found: list

    @property
    def count(self):
        return len(self.found)


def unverified_accounts(now):
    """Parents who never confirmed their address, 7 days after signing up (never staff: see ParentAccount)."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return (
        ParentAccount.objects.filter(account_status=AccountStatus.PENDING)
        .filter(date_joined__lt=now - datetime.timedelta(days=UNVERIFIED_ACCOUNT_DAYS))
        .exclude(Exists(verified))
    )


def unvalidated_accounts(now, club):
    """Parents never validated (waiting or refused) for longer than the club's settings allow."""
    limit = now - datetime.timedelta(days=club.unvalidated_account_retention_days)
    waiting = Q(account_status=AccountStatus.PENDING) & (
        Q(pending_since__lt=limit) | Q(pending_since__isnull=True, date_joined__lt=limit)
    )
    refused = Q(account_status=AccountStatus.REJECTED, status_changed_at__lt=limit)
    never_guardian = ~Exists(Guardianship.objects.filter(parent=OuterRef("pk")))
    return ParentAccount.objects.filter(waiting | refused, never_guardian)


def archived_children(now, club):
    limit = now - datetime.timedelta(days=round(club.archived_child_retention_months * 30.44))
    return Child.objects.filter(status=ChildStatus.ARCHIVED, archived_at__lt=limit)


def purge_unverified_accounts(now=None, dry_run=False):
    now = now or timezone.now()
    accounts = list(unverified_accounts(now))
    if not dry_run:
        _delete_accounts(accounts)
    return Purge(_("Comptes jamais vérifiés (plus de %(days)s jours)") % {"days": UNVERIFIED_ACCOUNT_DAYS}, accounts)


def purge_unvalidated_accounts(now=None, dry_run=False):
    now = now or timezone.now()
    club = ClubSettings.current()
    accounts = list(unvalidated_accounts(now, club))
    if not dry_run:
        _delete_accounts(accounts)
    return Purge(
        _("Comptes jamais validés (plus de %(days)s jours)") % {"days": club.unvalidated_account_retention_days},
        accounts,
    )


def _delete_accounts(accounts):
    """Accounts that never held a child: nothing of theirs is kept, nor the messages to others naming them."""
    with transaction.atomic():
        for account in accounts:
            identity = _Identity.of(account)
            _delete_with_history(
                Notification.objects.filter(Q(user=account) | identity.mentioned_in_notifications()),
                _("Message effacé"),
            )
            _anonymise_history(account, _("Compte supprimé"))
            _forget_mentions_in_history(identity)
            account.delete()


def purge_archived_children(now=None, dry_run=False):
    """Erase the children archived for longer than the retention period.

    A child whose enrollments the club's accounts must keep (a place taken, money
    received or refunded: ``kept_for_accounts``) stays as an anonymous row: no name, no health or contact data,
    the birth date reduced to its year. Any other child is deleted with its
    past requests.
    """
    now = now or timezone.now()
    club = ClubSettings.current()
    found = list(archived_children(now, club).exclude(last_name=ERASED_NAME, first_name=ERASED_NAME))
    if not dry_run:
        with transaction.atomic():
            for child in found:
                _anonymise_history(child, _("Enfant effacé"))
                for enrollment in child.enrollments.all():
                    _anonymise_history(enrollment, enrollment.reference or _("Inscription effacée"))
                child.legacy_contacts.all().delete()
                kept = kept_for_accounts(child.enrollments.all())
                if kept.exists():
                    child.enrollments.exclude(pk__in=kept.values("pk")).delete()
                    # Kept for the club's accounts, without what was typed about the family.
                    child.enrollments.update(parent_comment="", staff_note="", refusal_reason="")
                    _anonymise_child(child)
                else:
                    child.enrollments.all().delete()
                    child.delete()
    return Purge(
        _("Enfants archivés depuis plus de %(months)s mois") % {"months": club.archived_child_retention_months},
        found,
    )


def _anonymise_child(child):
    child.first_name = child.last_name = ERASED_NAME
    child.birth_date = child.birth_date.replace(month=1, day=1)
    child.sex = child.school_level = ""
    child.health_notes = child.emergency_contact_name = child.emergency_contact_phone = ""
    child.legacy_id = None
    child.legacy_activities = child.legacy_fingerprint = ""
    child.image_rights_consent = child.may_leave_alone = False
    child.save()


def purge_notification_log(now=None, dry_run=False):
    """The log of messages sent (they hold names and addresses) is kept one year.

    The confirmation of an erasure, sent to the erased address, goes as soon as it is sent.
    """
    now = now or timezone.now()
    old = Notification.objects.filter(created_at__lt=now - datetime.timedelta(days=NOTIFICATION_LOG_DAYS))
    old = old.exclude(status=Notification.Status.QUEUED)
    # An erasure's confirmation, once sent, is the last trace of the erased address.
    old |= Notification.objects.filter(kind=ERASURE_CONFIRMATION, status=Notification.Status.SENT)
    found = list(old.values_list("pk", flat=True))
    if not dry_run:
        Notification.objects.filter(pk__in=found).delete()
    return Purge(_("Messages envoyés il y a plus d'un an"), found)


PURGES = {
    "comptes-non-verifies": purge_unverified_accounts,
    "comptes-non-valides": purge_unvalidated_accounts,
    "enfants-archives": purge_archived_children,
    "journal-des-envois": purge_notification_log,
}


def run_purges(now=None, dry_run=False, only=None):
    return [purge(now=now, dry_run=dry_run) for name, purge in PURGES.items() if not only or name in only]
