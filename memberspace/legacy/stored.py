"""The account page's copy of the matching: computed once per change, read at every view.

``match_account`` reads every migrated child; the account's screen must not run it at each
view. Its result is stored in ``AccountSuggestions`` with a signature of what it depends on
(the account's names, postcode, email, phone, message, attachment requests, and the old
base's version); a view whose signature matches reads the row instead. Either way the
children are then loaded in one query, their old-base contacts in one more, whatever the
number of suggestions. A child attached since (no longer migrated) changed the contest the
copy settled (a homonym it outranked may now be the one suggested): the copy is computed
again, once, and stored.
"""

import hashlib
import json
import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from memberspace.accounts.models import AccountStatus
from memberspace.families.models import Child, ChildStatus
from memberspace.families.text import name_key
from memberspace.legacy import matching
from memberspace.legacy.matching import Matches, base_version, match_account
from memberspace.legacy.models import AccountSuggestions
from memberspace.notifications import phones

logger = logging.getLogger(__name__)

# Part of every signature: change it when what ``Matches.as_dict`` stores changes shape.
STORED_FORMAT = 1


def account_signature(account, *, version=None):
    """A sha256 of everything ``match_account(account)`` depends on (two queries: requests, base version)."""
    requests = sorted(
        (request.first_name, request.last_name, request.birth_date.isoformat())
        for request in account.attachment_requests.all()
    )
    inputs = [
        STORED_FORMAT,
        # The matching's rules and tables (nicknames, common words): new ones compute everything again.
        matching.RULES,
        account.first_name,
        account.last_name,
        account.postal_code,
        account.street,
        account.email,
        account.phone,
        account.club_message,
        requests,
        base_version() if version is None else version,
    ]
    return hashlib.sha256(json.dumps(inputs, ensure_ascii=False, default=str).encode()).hexdigest()


def stored_matches(account):
    """The ``Matches`` of ``account``: computed if its signature changed, read from its stored copy otherwise."""
    signature = account_signature(account)
    stored = AccountSuggestions.objects.filter(account=account).only("signature", "data").first()
    if stored is not None and stored.signature == signature:
        matches, complete = matches_from(stored.data)
        if complete:
            return matches
    data = match_account(account).as_dict()
    store(account, signature, data)
    return matches_from(data)[0]


def store(account, signature, data):
    """Save the computed data; two views computing at once both succeed (the last one's row stays)."""
    try:
        with transaction.atomic():
            AccountSuggestions.objects.update_or_create(
                account=account, defaults={"signature": signature, "data": data, "computed_at": timezone.now()}
            )
    except IntegrityError:
        # The account was deleted meanwhile, or another insert won a race update_or_create did not
        # retry: the page shows what was computed, the next view stores it again.
        logger.warning("Stored suggestions of account %s not saved (concurrent change).", account.pk)


def refresh_pending():
    """Compute the stored suggestions of every pending account whose inputs changed; returns how many were computed.

    For after an import (with ``bump_base_version``) or a periodic task: the secretariat's
    first view of each account then reads instead of computing.
    """
    version = base_version()
    accounts = (
        get_user_model().objects.filter(account_status=AccountStatus.PENDING).prefetch_related("attachment_requests")
    )
    signatures = dict(AccountSuggestions.objects.filter(account__in=accounts).values_list("account_id", "signature"))
    computed = 0
    for account in accounts:
        signature = account_signature(account, version=version)
        if signatures.get(account.pk) != signature:
            store(account, signature, match_account(account).as_dict())
            computed += 1
    return computed


def matches_from(data):
    """``Matches`` from stored data, and whether all its children are still in the old base.

    The still-migrated children in one query, their old-base contacts in one more.
    """
    ids = {row["child"] for household in data.get("households", []) for row in household["suggestions"]}
    ids |= {row["child"] for row in data.get("homonyms", [])}
    children = (
        Child.objects.filter(status=ChildStatus.MIGRATED).prefetch_related("legacy_contacts").in_bulk(ids)
        if ids
        else {}
    )
    return Matches.from_dict(data, children), len(children) == len(ids)


def parents_of(children):
    """The old base's parents of ``children`` (their ``legacy_contacts``), each once, as the page shows them."""
    parents = {}
    for child in children:
        for contact in child.legacy_contacts.all():
            parents.setdefault(
                (name_key(str(contact)), contact.email.lower(), contact.phone),
                {
                    "name": str(contact),
                    "email": contact.email,
                    "phone": phones.display(contact.phone),
                    # where they lived, to compare with the account's address
                    "address": ", ".join(
                        part
                        for part in (contact.address, f"{contact.postal_code} {contact.city}".strip())
                        if part.strip()
                    ),
                },
            )
    return list(parents.values())
