"""The parent account's state machine: one function per transition.

    email unverified → pending → validated | rejected
    validated → suspended → validated

Each transition locks the account, checks its guard (a read-only method of the
model, read from its transition table ``ACCOUNT_TRANSITIONS``), saves with
``update_fields``, writes an entry in Wagtail's log (shown in the admin's
history) and notifies the parent through the notifications outbox, in the
same transaction.
"""

import datetime
import enum

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from config.roles import SECRETARIAT
from memberspace import MemberspaceError
from memberspace.accounts.models import AccountStatus, ParentAccount, User
from memberspace.notifications.services import notify
from memberspace.secretariat import working_time


class AccountError(MemberspaceError):
    pass


STATUS_FIELDS = ["account_status", "status_changed_at", "status_reason", "is_active"]


def _locked(user):
    return ParentAccount.objects.select_for_update().get(pk=user.pk)


def _set_status(account, status, reason=""):
    account.account_status = status
    account.status_changed_at = timezone.now()
    account.status_reason = reason
    account.is_active = status != AccountStatus.SUSPENDED  # a suspended parent's sessions end at once
    account.save(update_fields=STATUS_FIELDS)


def end_sessions(user):
    """Sign ``user`` out of every browser: delete the sessions opened in their name.

    ``is_active = False`` alone refuses a suspended account's sessions only while it
    is suspended: once reinstated, a session opened before (or a copy of its cookie)
    would work again. The sessions live in the database (the default SESSION_ENGINE,
    or ``cached_db``), where they are found by the user id they hold.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == user_id:
            store(session_key=session.session_key).delete()


def _clean_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise AccountError(_("Indiquez le motif : il sera communiqué au parent."))
    return reason


# Sign-up: an address belongs to whoever proves it, by following the link sent to it.


class SignupOutcome(enum.Enum):
    FREE = "free"  # nobody holds the address: create the account
    REPLACED = "replaced"  # an earlier sign-up nobody verified was deleted: create the account anew
    RESUBMITTED = "resubmitted"  # the same sign-up sent again (a double click, a reload): nothing to create
    TAKEN = "taken"  # a verified account holds the address: create nothing, say nothing


# The details a parent types at sign-up, compared to tell a resubmission from another person's sign-up.
SIGNUP_DETAILS = ("first_name", "last_name", "phone", "street", "postal_code", "city", "notification_preference")


def unclaimed(account):
    """Nobody has proven ``account``'s address is theirs: never verified, never signed in, never decided on.

    Such an account is only a claim on the address. Whoever owns the mailbox may
    sign up over it: the earlier claim, with its password and details, is dropped.
    """
    return (
        account.is_parent
        and account.account_status == AccountStatus.PENDING
        and account.pending_since is None
        and account.last_login is None
        and not account.emailaddress_set.filter(verified=True).exists()
        # The secretariat may attach children to an account before its address is confirmed:
        # then it holds a family, and no sign-up may take it away.
        and not account.guardianships.exists()
    )


def open_sign_up(email, *, password, details):
    """Decide, inside the caller's transaction, what a sign-up for ``email`` does.

    An account nobody has verified does not own its address: a new sign-up for it
    deletes it (its password, its details, its verification link) and the caller
    creates the new one — unless it is the very same sign-up sent twice (same
    details and password), which is answered as the first was. The caller then
    creates the account in the same transaction; the row lock makes two sign-ups
    for one address take turns.
    """
    from allauth.account.models import EmailAddress

    holders = User.objects.select_for_update().filter(email__iexact=email)
    held_elsewhere = EmailAddress.objects.filter(email__iexact=email, verified=True).exclude(user__in=holders)
    account = holders.first()
    if held_elsewhere.exists() or (account is not None and not unclaimed(account)):
        return SignupOutcome.TAKEN, None
    if account is None:
        return SignupOutcome.FREE, None
    same_details = all(getattr(account, name) == details.get(name) for name in SIGNUP_DETAILS)
    if (
        same_details
        and account.club_message == details.get("club_message")
        and check_password(password, account.password)
    ):
        return SignupOutcome.RESUBMITTED, account
    # The earlier sign-up goes whole: its messages and its history with it.
    account.notifications.all().delete()
    ModelLogEntry.objects.filter(object_id=str(account.pk), content_type__in=_account_content_types()).delete()
    account.delete()
    return SignupOutcome.REPLACED, None


def _account_content_types():
    from django.contrib.contenttypes.models import ContentType

    return [ContentType.objects.get_for_model(model, for_concrete_model=False) for model in (User, ParentAccount)]


def record_replaced_sign_up(account):
    """The new account's history says an earlier, unverified sign-up used the same address."""
    log(instance=ParentAccount.objects.get(pk=account.pk), action="po.account.signup_replaced")


def update_details(user, *, data):
    """The parent changes their own details (profile, phone); the history says which, never their values.

    The secretariat reads it on the account's page: what it validated may have changed since.
    """
    with transaction.atomic():
        account = _locked(user)
        changed = sorted(name for name, value in data.items() if getattr(account, name) != value)
        if not changed:
            return account
        for name in changed:
            setattr(account, name, data[name])
        account.save(update_fields=changed)
        log(instance=account, action="po.account.details_changed", user=account, data={"fields": changed})
    return account


def history_checks(account):
    """What the secretariat should know before trusting an account's details.

    ``replaced``: an earlier sign-up with this address was never confirmed and this
    one replaced it (someone else may have tried the address first);
    ``changes``: ``(when, field labels)`` of each change the parent made since.
    """
    entries = ModelLogEntry.objects.for_instance(account).filter(
        action__in=["po.account.signup_replaced", "po.account.details_changed"]
    )
    labels = {field.name: field.verbose_name for field in account._meta.get_fields() if hasattr(field, "verbose_name")}
    replaced, changes = False, []
    for entry in entries.order_by("timestamp"):
        if entry.action == "po.account.signup_replaced":
            replaced = True
        else:
            names = (entry.data or {}).get("fields", [])
            changes.append((entry.timestamp, [str(labels.get(name, name)) for name in names]))
    return {"replaced": replaced, "changes": changes}


def mark_email_verified(user):
    """The parent verified their email: the account now waits for the club (pending since now)."""
    with transaction.atomic():
        account = ParentAccount.objects.select_for_update().filter(pk=user.pk).first()
        if account is None or account.account_status != AccountStatus.PENDING or account.pending_since:
            return account
        account.pending_since = timezone.now()
        account.save(update_fields=["pending_since"])
        log(instance=account, action="po.account.email_verified")
    return account


def validate(user, *, by):
    with transaction.atomic():
        account = _locked(user)
        if not account.can_be_validated():
            if account.account_status == AccountStatus.PENDING:
                raise AccountError(_("%(name)s n'a pas encore vérifié son adresse e-mail.") % {"name": account})
            raise AccountError(
                _("Le compte de %(name)s n'est pas en attente (état : %(status)s).")
                % {"name": account, "status": account.get_account_status_display()}
            )
        _set_status(account, AccountStatus.VALIDATED)
        log(instance=account, action="po.account.validate", user=by)
        notify(account, "account_validated")
    return account


def reject(user, *, by, reason):
    reason = _clean_reason(reason)
    with transaction.atomic():
        account = _locked(user)
        if not account.can_be_rejected():
            raise AccountError(
                _("Seul un compte en attente peut être refusé (état de %(name)s : %(status)s).")
                % {"name": account, "status": account.get_account_status_display()}
            )
        _set_status(account, AccountStatus.REJECTED, reason)
        log(instance=account, action="po.account.reject", user=by, data={"reason": reason})
        notify(account, "account_rejected", {"reason": reason})
    return account


def suspend(user, *, by, reason):
    reason = _clean_reason(reason)
    with transaction.atomic():
        account = _locked(user)
        if not account.can_be_suspended():
            raise AccountError(
                _("Seul un compte validé peut être suspendu (état de %(name)s : %(status)s).")
                % {"name": account, "status": account.get_account_status_display()}
            )
        _set_status(account, AccountStatus.SUSPENDED, reason)
        end_sessions(account)
        log(instance=account, action="po.account.suspend", user=by, data={"reason": reason})
        notify(account, "account_suspended", {"reason": reason})
    return account


def reinstate(user, *, by):
    with transaction.atomic():
        account = _locked(user)
        if not account.can_be_reinstated():
            raise AccountError(_("Seul un compte suspendu peut être rétabli."))
        _set_status(account, AccountStatus.VALIDATED)
        log(instance=account, action="po.account.reinstate", user=by)
        notify(account, "account_reinstated")
    return account


def erasure_requests():
    """The accounts whose parent asked for erasure, not yet carried out (memberspace.privacy)."""
    return ParentAccount.objects.filter(erasure_requested_at__isnull=False).exclude(account_status=AccountStatus.ERASED)


def waiting_accounts():
    """Accounts the secretariat has to decide on: pending, email verified; oldest first."""
    return ParentAccount.objects.filter(account_status=AccountStatus.PENDING, pending_since__isnull=False).order_by(
        "pending_since"
    )


def waiting_summary(now=None):
    """``(count, oldest pending_since or None, how many waited past the promise)``, for the admin's dashboard panel.

    The promise is the sign-up announcement's « jusqu'à 24 h hors week-end »,
    counted in working hours (memberspace.secretariat.working_time).
    """
    now = now or timezone.now()
    waiting_since = list(waiting_accounts().values_list("pending_since", flat=True))
    late = sum(1 for since in waiting_since if working_time.past_promise(since, now))
    return len(waiting_since), (waiting_since[0] if waiting_since else None), late


def send_waiting_accounts_digest(now=None):
    """Email the secretariat the accounts waiting for validation, on working days only.

    Run daily by a django-q2 schedule, which fires every day: on a weekend or a French
    public holiday nothing is sent (the secretariat does not work; Monday's list has
    them all). Nothing either when nobody waits. Each account's waiting time is
    counted in working hours. Returns how many accounts were listed.
    """
    now = now or timezone.now()
    if not working_time.is_working_day(timezone.localtime(now, working_time.PARIS).date()):
        return 0
    accounts = list(waiting_accounts())
    if not accounts:
        return 0
    rows = []
    for account in accounts:
        waited = working_time.between(account.pending_since, now)
        rows.append(
            {
                "account": account,
                "waiting_hours": int(waited // datetime.timedelta(hours=1)),
                "late": waited > working_time.PROMISE,
            }
        )
    recipients = Group.objects.filter(name=SECRETARIAT).values_list("user", flat=True)
    recipients = ParentAccount._meta.concrete_model.objects.filter(pk__in=recipients, is_active=True)
    with transaction.atomic():
        for member in recipients:
            notify(member, "secretariat_waiting_accounts", {"rows": rows, "count": len(rows)}, channels={"email"})
    return len(rows)
