"""Co-parent invitations: a guardian invites another adult, by email, to manage chosen children.

An invitation is single-use, expires after ``INVITATION_DAYS`` days, is bound to
its email address and is accepted only from a validated account that verified
that address; the accepting account then becomes a guardian of the children.
Only a hash of the token is stored.

The invitation email goes from the club's address to an address the parent
types: so that the member area is no relay for spam or phishing, each account
may send ``BURST_LIMIT`` invitations in ``BURST_SECONDS`` and ``DAILY_LIMIT`` a
day (counted in the default cache, shared by every process), the subject names
no one, and the body shows the inviter's name on one line, bounded and plain.
"""

import datetime
import time
import unicodedata

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from memberspace import MemberspaceError
from memberspace.families.models import Child, Guardianship, Invitation, hash_token
from memberspace.notifications.services import notify, notify_address


class InvitationError(MemberspaceError):
    pass


INVITATION_DAYS = 14
# Invitations an account may send: a few at once, a handful a day.
BURST_LIMIT, BURST_SECONDS = 5, 10 * 60
DAILY_LIMIT, DAY_SECONDS = 10, 24 * 60 * 60
# The same invitation sent again within this delay (a double click, a reload) is the same invitation.
RESENT_WITHIN = datetime.timedelta(minutes=10)
# The inviter's name as the invitation email shows it: one line, at most this long.
NAME_LENGTH = 60


def verified_emails_query(user):
    """The user's verified addresses in lower case (as invitations store theirs), as a queryset."""
    return EmailAddress.objects.filter(user=user, verified=True).values_list(Lower("email"), flat=True)


def verified_emails(user):
    return set(verified_emails_query(user))


def is_recipient(invitation, user):
    """True for the account the invitation was sent to (a verified address) or that accepted it."""
    if invitation.accepted_by_id is not None and invitation.accepted_by_id == user.pk:
        return True
    return invitation.email.lower() in verified_emails(user)


def invitations_for(user):
    """Pending invitations sent to one of ``user``'s verified addresses."""
    return Invitation.objects.pending().filter(email__in=verified_emails_query(user)).select_related("inviter")


def pending_for_dashboard(user):
    """``(received, sent)``: the pending invitations sent to ``user`` and by ``user``, in one query.

    ``invite`` refuses an invitation to one's own verified address, so none is both.
    """
    invitations = list(
        Invitation.objects.pending()
        .filter(Q(inviter=user) | Q(email__in=verified_emails_query(user)))
        .select_related("inviter")
        .prefetch_related("children")
    )
    received = [invitation for invitation in invitations if invitation.inviter_id != user.pk]
    sent = [invitation for invitation in invitations if invitation.inviter_id == user.pk]
    return received, sent


def invite(inviter, *, email, children, relationship):
    """Returns ``(invitation, token)``; the token travels only in the email's link.

    The inviter's row is locked while the invitation is made, so that the same
    form sent twice at once (or again within ``RESENT_WITHIN``) makes one
    invitation and one email: the second call returns the first invitation,
    with no token. Past the account's limits, ``InvitationError`` says when to
    try again.
    """
    email = email.strip().lower()
    if not inviter.is_validated_parent:
        raise InvitationError(_("Votre compte doit d'abord être validé par le club."))
    children = list(children)
    if not children:
        raise InvitationError(_("Choisissez au moins un enfant."))
    own = set(Child.objects.for_guardian(inviter).values_list("pk", flat=True))
    if any(child.pk not in own for child in children):
        raise InvitationError(_("Vous ne pouvez inviter que pour vos propres enfants."))
    if email in verified_emails(inviter) or email == inviter.email:
        raise InvitationError(_("C'est votre propre adresse : invitez l'autre parent avec la sienne."))
    already = Guardianship.objects.filter(child__in=children, parent__email__iexact=email).count()
    if already == len(children):
        raise InvitationError(_("Cette personne est déjà responsable de ces enfants."))
    token = Invitation.new_token()
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=inviter.pk).first()  # one invitation at a time
        same = _just_sent(inviter, email, children)
        if same is not None:
            return same, None
        _count_against_limits(inviter)
        invitation = Invitation(
            inviter=inviter,
            email=email,
            relationship=relationship,
            expires_at=timezone.now() + datetime.timedelta(days=INVITATION_DAYS),
        )
        invitation.set_token(token)
        invitation.save()
        invitation.children.set(children)
        log(instance=invitation, action="po.invitation.create", user=inviter)
        link = settings.SITE_BASE_URL.rstrip("/") + reverse("memberspace:invitation_accept", args=[token])
        notify_address(
            email,
            "coparent_invitation",
            {
                "inviter_name": one_line(inviter.get_full_name()),
                "children": children,
                "link": link,
                "expires_at": invitation.expires_at,
            },
        )
    return invitation, token


def one_line(name, length=NAME_LENGTH):
    """A name typed by a parent as an email may show it: one line, no invisible characters, bounded."""
    kept = []
    for char in name or "":
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" ")  # line breaks and other controls: the name stays on one line
        elif not category.startswith("C"):
            kept.append(char)  # format characters (right-to-left overrides, zero-width) are dropped
    name = " ".join("".join(kept).split())
    return name if len(name) <= length else name[: length - 1].rstrip() + "…"


def _just_sent(inviter, email, children):
    """The same invitation (address and children) sent moments ago and still pending, if any."""
    recent = Invitation.objects.pending().filter(
        inviter=inviter, email=email, created_at__gte=timezone.now() - RESENT_WITHIN
    )
    wanted = sorted(child.pk for child in children)
    for invitation in recent.prefetch_related("children"):
        if sorted(child.pk for child in invitation.children.all()) == wanted:
            return invitation
    return None


def _count_against_limits(inviter):
    """Record one more invitation of ``inviter``, or refuse it past the limits (caller holds the row's lock)."""
    key = f"po:invitations-sent:{inviter.pk}"
    now = time.time()
    sent = [moment for moment in cache.get(key, []) if moment > now - DAY_SECONDS]
    if len(sent) >= DAILY_LIMIT:
        raise InvitationError(
            _(
                "Vous avez déjà envoyé %(count)s invitations aujourd'hui : c'est le maximum. "
                "Réessayez demain, ou écrivez au club si vous avez besoin d'en envoyer davantage."
            )
            % {"count": DAILY_LIMIT}
        )
    if len([moment for moment in sent if moment > now - BURST_SECONDS]) >= BURST_LIMIT:
        raise InvitationError(
            _("Vous venez d'envoyer %(count)s invitations : attendez %(minutes)s minutes avant d'en envoyer une autre.")
            % {"count": BURST_LIMIT, "minutes": BURST_SECONDS // 60}
        )
    cache.set(key, [*sent, now], DAY_SECONDS)


def withdraw(invitation, *, by):
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.inviter_id != by.pk:
            raise InvitationError(_("Seule la personne qui a envoyé l'invitation peut la retirer."))
        if not invitation.can_be_withdrawn():
            raise InvitationError(_("Cette invitation n'est plus en attente : elle ne peut plus être retirée."))
        invitation.withdrawn_at = timezone.now()
        invitation.save(update_fields=["withdrawn_at"])
        log(instance=invitation, action="po.invitation.withdraw", user=by)
    return invitation


def find_by_token(token):
    invitation = Invitation.objects.filter(token_hash=hash_token(token or "")).first()
    if invitation is None:
        raise InvitationError(_("Ce lien d'invitation n'est pas valide. Vérifiez qu'il est complet."))
    return invitation


def accept(invitation, *, user):
    """``user`` becomes a guardian of the invitation's children.

    Whether the user is its recipient is checked first: anyone else who sends the link
    gets the same answer whatever the invitation's state (as its page shows them), so
    they learn nothing of whether it was used, withdrawn or let expire.
    """
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not is_recipient(invitation, user):
            raise InvitationError(
                _(
                    "Cette invitation a été envoyée à une autre adresse e-mail que celle de votre compte. "
                    "Connectez-vous avec le compte de cette adresse, ou demandez une nouvelle invitation."
                )
            )
        if invitation.withdrawn_at:
            raise InvitationError(_("Cette invitation a été retirée par la personne qui l'avait envoyée."))
        if invitation.accepted_at:
            raise InvitationError(_("Cette invitation a déjà été utilisée."))
        if invitation.expires_at <= timezone.now():
            raise InvitationError(
                _("Cette invitation a expiré : demandez à l'autre parent de vous en envoyer une nouvelle.")
            )
        if not user.is_validated_parent:
            raise InvitationError(_("Votre compte doit d'abord être validé par le club ; revenez à ce lien ensuite."))
        for child in invitation.children.all():
            Guardianship.objects.get_or_create(
                child=child,
                parent=user,
                defaults={"relationship": invitation.relationship, "created_by": invitation.inviter},
            )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        log(instance=invitation, action="po.invitation.accept", user=user)
        notify(
            invitation.inviter,
            "coparent_accepted",
            {"invitation": invitation, "coparent": user, "children": list(invitation.children.all())},
            channels={"email"},
        )
    return invitation
