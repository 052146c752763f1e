"""Which migrated children probably belong to a parent's account: ranked suggestions for the secretariat.

The evidence, each worth points (a child's score is their sum, at most 100):

- the child's first *and* last names written in the parent's "Message à
  l'intention du club" (or in a child the parent tried to add): compared
  without accents, case, punctuation or word order, tolerant of typos
  (rapidfuzz), up to 70 points;
- the child's first name written, with the family name of the account: up to
  50 points ("Léa et Hugo" written by Mme Martin finds Léa Martin);
- the child's number in the old database written in the message: 50 points;
- the account's email address among the legacy parents' emails: 60 points;
- the account's mobile number among the legacy parents' phones: 50 points;
- the same family name and postal code as a legacy parent: 20 points.

Suggestions under ``THRESHOLD`` are not shown. The comparison of names runs in
rapidfuzz's C++ over all migrated children at once (``process.cdist``).
"""

import re
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from memberspace.families.models import Child, ChildStatus
from memberspace.families.text import name_key
from memberspace.legacy.models import LegacyContact

THRESHOLD = 50
NAME_SIMILARITY = 80  # first and last names each at least this similar (0-100)
FIRST_NAME_SIMILARITY = 85  # a first name alone, with the account's family name
MAX_NGRAM = 3  # "de la fontaine"
# Words of a message that are not names (as text: a list literal would take a hundred lines).
STOPWORDS = frozenset(
    "a au aux avec bonjour ce ces cette chez club d de des deja du elle elles en enfant enfants est et "  # noqa: SIM905
    "etaient etait fille filles fils frere freres il ils inscrit inscrite inscrits inscrites j je la le "
    "les leur leurs ma mais mes merci mon ne nom nos notre nous ou par pas po pour prenom qui sa se "
    "soeur soeurs son sont sur ses ta te tes ton un une vos votre vous y ans an annee annees "
    "cordialement madame monsieur mme mr m ".split()
)
DIGITS = re.compile(r"^\d{2,}$")


@dataclass
class Suggestion:
    """A migrated child that probably belongs to the account, and why."""

    child: Child
    score: int  # 0-100
    reasons: list = field(default_factory=list)  # the evidence, in French words
    household: int = 0  # the key of its ``Household``
    named: bool = False  # the parent named this child (message or attachment request)

    def as_dict(self):
        return {
            "legacy_id": self.child.legacy_id,
            "name": str(self.child),
            "birth_date": self.child.birth_date.isoformat(),
            "score": self.score,
            "reasons": self.reasons,
            "household": self.household,
            "named": self.named,
        }


@dataclass
class Household:
    """Migrated children who share a parent in the old base (email, phone, or full name and postcode)."""

    key: int
    evidence: list = field(default_factory=list)  # what ties the account to it, in French words
    confirmed: bool = False  # by the parent's identity (email, phone, full name and postcode)
    suggestions: list = field(default_factory=list)  # its children shown, best first


@dataclass
class Matches:
    """What the matching found for one account: households shown, homonyms folded."""

    households: list = field(default_factory=list)  # best first
    homonyms: list = field(default_factory=list)  # other households' children with name evidence only

    @property
    def suggestions(self):
        """Every child shown, best first (households in order, then their children)."""
        return sorted(
            (suggestion for household in self.households for suggestion in household.suggestions),
            key=lambda suggestion: -suggestion.score,
        )

    def child_ids(self):
        return [s.child.pk for s in self.suggestions] + [s.child.pk for s in self.homonyms]

    def as_dict(self):
        """Plain data (for ``AccountSuggestions.data``): children by id."""

        def row(suggestion):
            return {
                "child": suggestion.child.pk,
                "score": suggestion.score,
                "reasons": suggestion.reasons,
                "household": suggestion.household,
                "named": suggestion.named,
            }

        return {
            "households": [
                {
                    "key": household.key,
                    "evidence": household.evidence,
                    "confirmed": household.confirmed,
                    "suggestions": [row(suggestion) for suggestion in household.suggestions],
                }
                for household in self.households
            ],
            "homonyms": [row(suggestion) for suggestion in self.homonyms],
        }

    @classmethod
    def from_dict(cls, data, children):
        """The inverse of ``as_dict``, given ``children`` by id; children no longer there are left out."""

        def rows(items):
            return [
                Suggestion(
                    child=children[item["child"]],
                    score=item["score"],
                    reasons=item["reasons"],
                    household=item["household"],
                    named=item["named"],
                )
                for item in items
                if item["child"] in children
            ]

        households = [
            Household(
                key=item["key"],
                evidence=item["evidence"],
                confirmed=item["confirmed"],
                suggestions=rows(item["suggestions"]),
            )
            for item in data.get("households", [])
        ]
        return cls(
            households=[household for household in households if household.suggestions],
            homonyms=rows(data.get("homonyms", [])),
        )


def message_terms(text):
    """The words of ``text`` that may be names, and the runs of 2 and 3 words, normalised.

    Runs keep the little words ("de la fontaine"); single words do not ("de", "et").
    """
    words = name_key(text).split()
    terms = [word for word in words if word not in STOPWORDS and (len(word) > 1 or word.isdigit())]
    for size in range(2, MAX_NGRAM + 1):
        runs = (words[i : i + size] for i in range(len(words) - size + 1))
        terms.extend(" ".join(run) for run in runs if not all(word in STOPWORDS for word in run))
    return list(dict.fromkeys(terms))


def account_text(account):
    requests = " ; ".join(f"{req.first_name} {req.last_name}" for req in account.attachment_requests.all())
    return f"{account.club_message} ; {requests}"


def suggest_children(account, *, limit=10, threshold=THRESHOLD):
    """The migrated children that probably belong to ``account``, best first."""
    candidates = list(Child.objects.migrated().values_list("pk", "first_name_key", "last_name_key", "legacy_id"))
    if not candidates:
        return []
    ids = np.array([row[0] for row in candidates])
    points = np.zeros(len(candidates))
    reasons = {}

    def add(index, value, reason):
        points[index] += value
        reasons.setdefault(int(ids[index]), []).append(reason)

    terms = message_terms(account_text(account))
    family = name_key(account.last_name)
    if terms:
        firsts = [row[1] for row in candidates]
        lasts = [row[2] for row in candidates]
        first_scores = process.cdist(terms, firsts, scorer=fuzz.ratio, dtype=np.uint8).max(axis=0)
        last_scores = process.cdist(terms, lasts, scorer=fuzz.ratio, dtype=np.uint8).max(axis=0)
        both = np.flatnonzero((first_scores >= NAME_SIMILARITY) & (last_scores >= NAME_SIMILARITY))
        for index in both:
            similarity = (int(first_scores[index]) + int(last_scores[index])) / 2
            add(
                index,
                0.7 * similarity,
                _("prénom et nom cités dans le message (%(percent)d %%)") % {"percent": similarity},
            )
        if family:
            same_family = process.cdist([family], lasts, scorer=fuzz.ratio, dtype=np.uint8)[0] >= 90
            alone = set(np.flatnonzero((first_scores >= FIRST_NAME_SIMILARITY) & same_family)) - set(both)
            for index in sorted(alone):
                add(index, 0.5 * int(first_scores[index]), _("prénom cité dans le message, même nom que le parent"))
        numbers = {term for term in terms if DIGITS.match(term)}
        for index, row in enumerate(candidates):
            if row[3] and row[3].lower() in numbers:
                add(index, 50, _("numéro d'adhérent cité dans le message"))

    position = {int(child_id): index for index, child_id in enumerate(ids)}
    migrated = LegacyContact.objects.filter(child__status=ChildStatus.MIGRATED)
    if account.email:
        for child_id in set(migrated.filter(email__iexact=account.email).values_list("child_id", flat=True)):
            add(position[child_id], 60, _("adresse e-mail du compte dans l'ancienne base"))
    if account.phone:
        for child_id in set(migrated.filter(phone=account.phone).values_list("child_id", flat=True)):
            add(position[child_id], 50, _("téléphone du compte dans l'ancienne base"))
    if family and account.postal_code:
        same = migrated.filter(postal_code=account.postal_code).filter(
            Q(last_name_key=family) | Q(child__last_name_key=family)
        )
        for child_id in set(same.values_list("child_id", flat=True)):
            add(position[child_id], 20, _("même nom de famille et même code postal"))

    ranked = [index for index in np.argsort(-points, kind="stable") if points[index] >= threshold][:limit]
    if not ranked:
        return []
    children = Child.objects.in_bulk([int(ids[index]) for index in ranked])
    return [
        Suggestion(
            child=children[int(ids[index])],
            score=min(round(float(points[index])), 100),
            reasons=reasons[int(ids[index])],
        )
        for index in ranked
    ]


def match_account(account):
    """The ``Matches`` of ``account``, computed now (see ``stored`` for the page's copy)."""
    # Temporary adapter over the first algorithm: each child its own household.
    households = [
        Household(key=suggestion.child.pk, suggestions=[suggestion]) for suggestion in suggest_children(account)
    ]
    for household in households:
        for suggestion in household.suggestions:
            suggestion.household = household.key
    return Matches(households=households)


def base_version():
    """The old base's current version (one query)."""
    from memberspace.legacy.models import BaseVersion

    return BaseVersion.objects.values_list("version", flat=True).first() or 0


def bump_base_version():
    """The old base's records changed: every stored suggestion and index is out of date."""
    from django.db.models import F
    from django.utils import timezone

    from memberspace.legacy.models import BaseVersion

    if not BaseVersion.objects.update(version=F("version") + 1, changed_at=timezone.now()):
        BaseVersion.objects.create(version=1)
