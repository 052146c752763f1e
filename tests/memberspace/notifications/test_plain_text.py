"""Every kind of message, with names and titles holding ' " < &: plain text stays plain, HTML stays escaped.

The test runs over the kinds registry (``kinds.declared()``), so a new kind is
tested as soon as it is declared: it fails until ``CONTEXTS`` says what its
callers pass to ``notify()`` / ``notify_address()``.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import Site

from memberspace.enrollments.models import PlaceOffer
from memberspace.enrollments.services import payment_context
from memberspace.families.services.invitations import one_line
from memberspace.notifications import kinds, sms
from memberspace.notifications.models import Notification
from memberspace.notifications.services import notify, notify_address
from memberspace.payments.ledger import DEPOSIT, Due, Ledger
from memberspace.payments.models import Method, Payment
from memberspace.payments.services import due_soon_context, received_context
from pages import formatting
from pages.models import ClubSettings
from tests.factories import (
    ChildFactory,
    EnrollmentFactory,
    InvitationFactory,
    NotificationFactory,
    ParentFactory,
    StaffFactory,
    StayPageFactory,
)

pytestmark = pytest.mark.django_db

# What parents and the secretariat type: every character HTML escapes.
PARENT_FIRST = 'Zoé "Zouzou"'
PARENT_LAST = "N'Diaye & <Fils>"
CHILD_FIRST = 'Inès <b>&"x"'
CHILD_LAST = "D'Almeida"
OFFER_TITLE = 'Théâtre d\'impro & "jeux" <3'
REASON = "Plus de place d'ici l'été & \"liste\" <close>"
CLUB_MESSAGE = 'Mes enfants : Inès D\'Almeida & "Tom" <CM2>'
TYPED = [PARENT_FIRST, PARENT_LAST, CHILD_FIRST, CHILD_LAST, OFFER_TITLE, REASON, CLUB_MESSAGE]

# Rich text as the secretariat writes it in Wagtail's editor (payment terms).
PAYMENT_TERMS = (
    "<p>L'acompte se règle par virement ou par chèque.</p>"
    "<p>Le solde est dû un mois avant le début &amp; les chèques <b>vacances</b> sont acceptés.</p>"
    "<ul><li>Chèques ANCV</li><li>Virement</li></ul>"
)

ENTITY = re.compile(r"&(#x?[0-9a-fA-F]+|[a-zA-Z]+);")
GLUED = re.compile(r"[a-zà-ÿ]\.[A-ZÀ-Ý]")
SENTENCE_THEN_LINE = re.compile(r"[.!?)]\n(?!- |\n)\S.{0,20}")

# Kinds that name no family (the technical contact's digest): nothing typed to look for.
NAMES_NOBODY = {"technical_notification_failures"}


@pytest.fixture
def world(home, stay_index, roles):
    club = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    club.contact_email = "secretariat@le-po.test"
    club.phone = "01 42 00 00 00"
    club.bank_account_holder = "Association « Le PO » & Cie"
    club.iban = "FR7630006000011234567890189"
    club.bic = "AGRIFRPP"
    club.cheque_payee = "Le PO d'Orsay"
    club.cheque_address = "12 rue de l'École\n75005 Paris"
    club.deposit_payment_terms = PAYMENT_TERMS
    club.save()
    parent = ParentFactory(
        email="o'neil@exemple.fr",
        first_name=PARENT_FIRST,
        last_name=PARENT_LAST,
        phone="+33612345678",
        club_message=CLUB_MESSAGE,
    )
    coparent = ParentFactory(first_name="Paul", last_name="D'Almeida", phone="+33698765432")
    child = ChildFactory(first_name=CHILD_FIRST, last_name=CHILD_LAST, guardians=[parent, coparent])
    start = timezone.localdate() + datetime.timedelta(days=60)
    offer = StayPageFactory(
        parent=stay_index, title=OFFER_TITLE, start_date=start, end_date=start + datetime.timedelta(days=6)
    )
    enrollment = EnrollmentFactory(child=child, offer=offer, requested_by=parent, validated=True)
    staff = StaffFactory(groups=["Secrétariat"], first_name="Sophie", last_name="L'Hôte")
    return {
        "club": club,
        "parent": parent,
        "coparent": coparent,
        "child": child,
        "offer": offer,
        "enrollment": enrollment,
        "staff": staff,
    }


def enrollment_context(w, **extra):
    """What enrollments.services._notify_guardians adds to every enrollment message."""
    return {"enrollment": w["enrollment"], "child": w["child"], "offer": w["enrollment"].offer, **extra}


def payment(w):
    return payment_context(w["enrollment"], w["enrollment"].offer)


def received(w):
    """What payments.services._tell_guardians passes: a cheque received, the balance left."""
    enrollment = w["enrollment"]
    payment = Payment(enrollment=enrollment, amount=Decimal("100"), method=Method.CHEQUE)
    ledger = Ledger(
        price=Decimal("450"),
        deposit=Decimal("150"),
        deposit_due_date=timezone.localdate(),
        balance_due_date=timezone.localdate() + datetime.timedelta(days=30),
        received=Decimal("100"),
        refunded=Decimal("0"),
    )
    return received_context(enrollment, payment, ledger)


def place_context(w, by=None):
    """What enrollments.services._notify_family passes to the messages of a place offered."""
    place_offer = PlaceOffer.objects.create(offer=w["offer"], expires_at=timezone.now() + datetime.timedelta(hours=48))
    return {
        "place_offer": place_offer,
        "offer": w["offer"],
        "children": [w["child"]],
        "names": w["child"].first_name,
        "count": 1,
        "deadline": formatting.date_and_time(place_offer.expires_at),
        "dates": formatting.date_range(w["offer"].start_date, w["offer"].end_date),
        "by": by,
        "answer_url": "https://le-po.test/espace-adherent/place-proposee/abc:def/",
    }


def failures_digest(w):
    failed = [NotificationFactory(user=w["parent"], failed=True)]
    return {
        "failed": failed,
        "failed_count": 1,
        "retriable_count": 0,
        "permanent_count": 1,
        "late_count": 1,
        "late_minutes": 30,
        "horizon_days": 3,
    }


# Each kind: who receives it (the parent, the staff member, or an address) and what its callers pass.
CONTEXTS = {
    # accounts/services.py
    "account_validated": ("parent", lambda w: {}),
    "account_rejected": ("parent", lambda w: {"reason": REASON}),
    "account_suspended": ("parent", lambda w: {"reason": REASON}),
    "account_reinstated": ("parent", lambda w: {}),
    "secretariat_waiting_accounts": (
        "staff",
        lambda w: {"rows": [{"account": w["parent"], "waiting_hours": 30, "late": True}], "count": 1},
    ),
    # enrollments/services.py
    "enrollment_requested": (
        "parent",
        lambda w: enrollment_context(w, by=w["parent"], rank=None, line="3e demande pour 2 places"),
    ),
    "enrollment_validated": ("parent", lambda w: enrollment_context(w, **payment(w))),
    "enrollment_waitlisted": ("parent", lambda w: enrollment_context(w, rank="2e")),
    "enrollment_refused": ("parent", lambda w: enrollment_context(w, reason=REASON)),
    "enrollment_cancelled": ("parent", lambda w: enrollment_context(w, by=w["parent"])),
    "deposit_reminder": ("parent", lambda w: enrollment_context(w, **payment(w))),
    "deposit_place_released": ("parent", lambda w: enrollment_context(w, **payment(w))),
    "secretariat_overdue_deposits": ("staff", lambda w: {"overdue": [w["enrollment"]], "count": 1}),
    "place_offered": ("parent", lambda w: place_context(w)),
    "place_declined": ("parent", lambda w: place_context(w, by=w["coparent"])),
    "place_expired": ("parent", lambda w: place_context(w)),
    # payments/services.py
    "payment_received": ("parent", lambda w: received(w)),
    "payment_due_soon": (
        "parent",
        lambda w: due_soon_context(w["enrollment"], Due(DEPOSIT, Decimal("150"), timezone.localdate())),
    ),
    # families/services
    "child_updated": (
        "coparent",
        lambda w: {"child": w["child"], "by": w["parent"], "changes": ["prénom", "date de naissance"]},
    ),
    "child_attached": ("parent", lambda w: {"child": w["child"]}),
    "children_merged": ("parent", lambda w: {"child": w["child"]}),
    "coparent_invitation": (
        "address",
        lambda w: {
            "inviter_name": one_line(w["parent"].get_full_name()),
            "children": [w["child"]],
            "link": "https://le-po.test/espace-adherent/invitations/abc/",
            "expires_at": timezone.now() + datetime.timedelta(days=14),
        },
    ),
    "coparent_accepted": (
        "coparent",
        lambda w: {
            "invitation": InvitationFactory(inviter=w["coparent"], children=[w["child"]]),
            "coparent": w["parent"],
            "children": [w["child"]],
        },
    ),
    # notifications/services.py
    "technical_notification_failures": ("address", failures_digest),
    "test": ("parent", lambda w: {}),
    # privacy/services.py
    "account_erased": ("address", lambda w: {"first_name": PARENT_FIRST}),
    "secretariat_erasure_request": ("staff", lambda w: {"account": w["parent"]}),
}


def send(kind, world):
    """The email (and SMS, when the kind has one) of ``kind``, as its callers would queue them."""
    recipient, build = CONTEXTS[kind]
    context = build(world)
    if recipient == "address":
        return [notify_address("invite@exemple.fr", kind, context)]
    return notify(world[recipient], kind, context, channels={"email", "sms"})


def parts(kind, world):
    rows = send(kind, world)
    email = next(row for row in rows if row.channel == Notification.Channel.EMAIL)
    sms_row = next((row for row in rows if row.channel == Notification.Channel.SMS), None)
    return email, sms_row


def test_every_declared_kind_says_what_its_callers_pass():
    assert set(CONTEXTS) == set(kinds.declared())


@pytest.mark.parametrize("kind", sorted(kinds.declared()))
def test_plain_text_parts_show_typed_characters_raw_and_html_escaped(kind, world):
    email, sms_row = parts(kind, world)
    plain = {"subject": email.subject, "text": email.body_text}
    if sms_row is not None:
        plain["sms"] = sms_row.body_text
    for part, text in plain.items():
        assert not ENTITY.search(text), f"{part}: {ENTITY.search(text).group()} in {text!r}"
        for typed in TYPED:
            if escape(typed) != typed:
                assert escape(typed) not in text, (part, typed)
    if kind in NAMES_NOBODY:
        return
    assert any(typed in email.body_text for typed in TYPED), email.body_text
    # The HTML part shows the same text escaped: nothing typed becomes markup.
    for typed in TYPED:
        assert typed not in email.body_html, typed  # each holds < or ' or "
    assert any(escape(typed) in email.body_html for typed in TYPED), email.body_html


def test_subjects_and_sms_name_the_child_and_the_offer_as_typed(world):
    email, sms_row = parts("enrollment_validated", world)
    assert email.subject == f"Inscription validée : {CHILD_FIRST} à « {OFFER_TITLE} »"
    assert f"inscription de {CHILD_FIRST} à {sms.to_gsm(OFFER_TITLE)} validée" in sms_row.body_text
    reminder, _sms = parts("deposit_reminder", world)
    assert OFFER_TITLE in reminder.subject and CHILD_FIRST in reminder.subject


@pytest.mark.parametrize("kind", sorted(kinds.declared()))
def test_the_text_part_reads_well_on_its_own(kind, world):
    email, _sms = parts(kind, world)
    text = email.body_text
    assert "\n\n" in text, "one paragraph only?"
    assert not GLUED.search(text), f"glued sentences: {GLUED.search(text).group()!r} in {text!r}"
    # A sentence that ends a line ends its paragraph: a blank line follows (or a list item).
    assert not SENTENCE_THEN_LINE.search(text), f"paragraphs not apart: {SENTENCE_THEN_LINE.search(text).group()!r}"
    assert "\n\n\n" not in text, f"two blank lines in a row: {text!r}"
    assert "<p>" not in text and "</" not in text, text
    lines = text.split("\n")
    for number, line in enumerate(lines):
        assert line == line.rstrip(), f"trailing spaces: {line!r}"
        if line != line.lstrip():  # only a list item's continuation is indented
            assert number and lines[number - 1].lstrip().startswith("- "), f"leading spaces: {line!r}"
    if text.startswith("Bonjour"):
        assert lines[1] == "", "the greeting is a paragraph of its own"
    if "L'équipe du PO" in lines:
        assert lines[lines.index("L'équipe du PO") - 1] == "", "the signature is a paragraph of its own"


def test_rich_payment_terms_become_paragraphs_in_the_text_part(world):
    email, _sms = parts("enrollment_validated", world)
    assert (
        "L'acompte se règle par virement ou par chèque.\n\n"
        "Le solde est dû un mois avant le début & les chèques vacances sont acceptés.\n\n"
        "- Chèques ANCV\n- Virement"
    ) in email.body_text


def test_the_plaintext_filter_keeps_line_breaks_links_and_characters(settings):
    from memberspace.notifications.templatetags.notifications_tags import plaintext

    settings.SITE_BASE_URL = "https://le-po.test"
    html = (
        "<h3>Acompte</h3><p>Par chèque :<br/>Le PO,&nbsp;12 rue de l&#x27;École</p>"
        '<p>  Voir <a href="/tarifs/">les tarifs</a> ou <a href="mailto:compta@le-po.test">compta@le-po.test</a>.  </p>'
        "<p></p><p>D&#x27;Almeida &amp; fils &lt;3</p>"
    )
    assert plaintext(html) == (
        "Acompte\n\n"
        "Par chèque :\nLe PO,\u00a012 rue de l'École\n\n"
        "Voir les tarifs (https://le-po.test/tarifs/) ou compta@le-po.test.\n\n"
        "D'Almeida & fils <3"
    )
    assert plaintext("") == "" and plaintext(None) == ""
