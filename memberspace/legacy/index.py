"""The old base as the matching reads it: migrated children, their households, and the names to look up.

Built once per version of the old base (``matching.base_version``) and kept in the
process: an account's matching then reads no child from the database.

A household is a set of migrated children who share a parent in the old base: the same
email, the same mobile, or the same full name and postcode (union-find over the
contacts). Blended families join through the parent they share. Where its parents lived
(street address and postcode) is kept to compare with the account's: the sign-up form asks
for it.
"""

import bisect
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rapidfuzz.distance import OSA

from memberspace.families.models import Child
from memberspace.families.text import name_key
from memberspace.legacy.models import LegacyContact

STOPWORDS_FILE = Path(__file__).parent / "data" / "stopwords_fr.txt"
PARTICLES = frozenset(
    ["de", "du", "des", "la", "le", "les", "d", "l", "van", "von", "der", "den", "di", "da", "del", "dos"]
)


def read_stopwords():
    """``{word: Zipf frequency}`` of the common French words (data/stopwords_fr.txt)."""
    words = {}
    for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, frequency = line.split()
            words[word] = float(frequency)
    return words


STOPWORDS = read_stopwords()
# A word at least this frequent (« petit », « le », « rose », « martin ») is read as a name in lower
# case only as a first name beside another name; as a family name it needs its capital (« Léo Petit »).
VERY_COMMON = 4.4


def name_variants(key):
    """A name key and, for a compound name, each part: « Marie-Hélène » is also Marie, « Martin-Durand » Martin."""
    if not key:
        return set()
    parts = [part for part in key.split() if part not in PARTICLES and len(part) > 1]
    return {key, *parts} if len(parts) > 1 else {key}


def normalise_email(email):
    return (email or "").strip().lower()


# The kinds of street as the post office abbreviates them (« r. », « av. », « bd »), spelled out.
STREET_TYPES = {
    "r": "rue", "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard", "boul": "boulevard",
    "all": "allee", "imp": "impasse", "pl": "place", "ch": "chemin", "chem": "chemin", "rte": "route",
    "sq": "square", "crs": "cours", "fg": "faubourg", "fbg": "faubourg", "pass": "passage", "qu": "quai",
    "res": "residence", "lot": "lotissement", "st": "saint", "ste": "sainte",
}  # fmt: skip
# What follows the street in an address and is no part of it: « appt 4 », « bât. B », « 2e étage ».
COMPLEMENTS = frozenset(
    ["appt", "app", "apt", "appartement", "bat", "batiment", "etage", "etg", "porte", "esc", "escalier", "chez"]
)
HOUSE_NUMBER = re.compile(r"^(\d{1,4})(bis|ter|quater|[abc])?$")
NUMBER_SUFFIXES = frozenset(["bis", "ter", "quater", "a", "b", "c"])


def address_key(address):
    """``(number, street)`` of a street address as people write it, or ``None``.

    « 12, r. des Lilas, appt 4 » and « 12 RUE DES LILAS » → ``("12", "rue lilas")``: the house
    number with its « bis », the street's words with its kind spelled out and its particles left
    out, up to what follows the street (« appt », « bât. », « 2e étage »).
    """
    words = name_key(address).split()
    position = next((position for position, word in enumerate(words) if HOUSE_NUMBER.match(word)), None)
    if position is None:
        return None
    number = HOUSE_NUMBER.match(words[position])
    house, suffix = number.group(1).lstrip("0") or "0", number.group(2) or ""
    rest = words[position + 1 :]
    if not suffix and rest and rest[0] in NUMBER_SUFFIXES and len(rest) > 1:
        suffix, rest = rest[0], rest[1:]
    street = []
    for word in rest:
        if word in COMPLEMENTS or word[0].isdigit():
            break
        word = STREET_TYPES.get(word, word)
        if word not in PARTICLES:
            street.append(word)
    return (house + suffix, " ".join(street)) if street else None


def same_street(one, other):
    """Whether two streets (``address_key``'s) are one, give or take a typo (two in a long name)."""
    return OSA.distance(one, other, score_cutoff=2) <= (1 if max(len(one), len(other)) <= 12 else 2)


@dataclass
class Contact:
    first: str  # name keys
    last: str
    email: str
    phone: str
    postal_code: str
    address: tuple | None = None  # ``address_key`` of the street address


@dataclass
class Entry:
    """One migrated child."""

    pk: int
    first: str  # name keys: "marie claire", "de la tour"
    last: str
    birth_date: object
    legacy_id: str
    household: int = 0
    contacts: list = field(default_factory=list)


class Index:
    """The migrated children, their households and the names to look up, for one version of the old base."""

    def __init__(self, version, entries):
        self.version = version
        self.entries = entries
        self.by_email = defaultdict(set)
        self.by_phone = defaultdict(set)
        self.by_parent = defaultdict(set)  # (first, last) -> children
        self.by_address = defaultdict(set)  # (postcode, house number) -> (street, child, parent's first name)
        self.by_legacy_id = {}
        for index, entry in enumerate(entries):
            if entry.legacy_id:
                self.by_legacy_id[entry.legacy_id.lower()] = index
            for contact in entry.contacts:
                if contact.email:
                    self.by_email[contact.email].add(index)
                if contact.phone:
                    self.by_phone[contact.phone].add(index)
                for first in name_variants(contact.first):
                    for last in name_variants(contact.last):
                        self.by_parent[(first, last)].add(index)
                if contact.address and contact.postal_code:
                    number, street = contact.address
                    self.by_address[(contact.postal_code, number)].add((street, index, contact.first))
        self.households = self._households()
        self.first_names = defaultdict(set)  # name or part of a compound name -> (child, how)
        self.last_names = defaultdict(set)
        self.compounds = defaultdict(set)  # first part -> compound first names ("anne" -> "anne sophie")
        for index, entry in enumerate(entries):
            self._add_names(index, entry)
        names = set()
        for entry in entries:
            names.update(entry.first.split())
            names.update(entry.last.split())
            for contact in entry.contacts:
                names.update(contact.first.split())
                names.update(contact.last.split())
        self.stopwords = frozenset(STOPWORDS) - names  # a word that names someone in the old base is a name

    def _households(self):
        parent = list(range(len(self.entries)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        groups = [*self.by_email.values(), *self.by_phone.values()]
        by_name_and_place = defaultdict(set)
        for index, entry in enumerate(self.entries):
            for contact in entry.contacts:
                if contact.first and contact.last and contact.postal_code:
                    by_name_and_place[(contact.first, contact.last, contact.postal_code)].add(index)
        groups += by_name_and_place.values()
        for group in groups:
            first, *rest = group
            for other in rest:
                a, b = find(first), find(other)
                if a != b:
                    parent[b] = a
        households = defaultdict(list)
        for index, entry in enumerate(self.entries):
            root = find(index)
            entry.household = self.entries[root].pk  # a household's key: one of its children's ids
            households[entry.household].append(index)
        return dict(households)

    def _add_names(self, index, entry):
        first_parts = entry.first.split()
        self.first_names[entry.first].add((index, "full"))
        if len(first_parts) > 1:
            for part in first_parts:
                if len(part) > 1:
                    self.first_names[part].add((index, "part"))
            self.compounds[first_parts[0]].add(entry.first)
            initials = "".join(part[0] for part in first_parts)
            self.first_names[initials].add((index, "initials"))
        last_parts = entry.last.split()
        self.last_names[entry.last].add((index, "full"))
        if len(last_parts) > 1:
            self.last_names["".join(last_parts)].add((index, "full"))  # "Delatour" for "de La Tour"
            core = [part for part in last_parts if part not in PARTICLES]
            if core and core != last_parts:
                self.last_names[" ".join(core)].add((index, "full"))  # "La Tour", "Tour" for "de La Tour"
                if last_parts[0] in PARTICLES and len(last_parts) > 2:
                    self.last_names[" ".join(last_parts[1:])].add((index, "full"))
            if len(core) > 1:
                for part in core:
                    if len(part) > 2:
                        self.last_names[part].add((index, "part"))  # "Nguyen" for "Nguyen-Leroy"

    def living_at(self, postal_code, address):
        """``{child: first names of its parents}`` of the children whose parents lived at ``address``
        (``address_key``'s) in ``postal_code``."""
        children = defaultdict(set)
        if postal_code and address:
            number, street = address
            for known, child, first in self.by_address.get((postal_code, number), ()):
                if same_street(street, known):
                    children[child].add(first)
        return children

    @cached_property
    def sorted_first_names(self):
        return sorted(name for name, found in self.first_names.items() if any(how == "full" for _c, how in found))

    def first_names_starting(self, prefix):
        """The first names that begin with ``prefix`` (« alex » → alexis, alexandre…)."""
        names = self.sorted_first_names
        start = bisect.bisect_left(names, prefix)
        found = []
        for name in names[start:]:
            if not name.startswith(prefix):
                break
            found.append(name)
        return found

    @cached_property
    def compound_first_names(self):
        """The compound first names of the old base (« mohamed adam »), to read one typed with a typo."""
        return sorted(
            name for name, found in self.first_names.items() if " " in name and any(how == "full" for _c, how in found)
        )

    @cached_property
    def vocabulary(self):
        """Every name to compare a message's words with."""
        return sorted(name for name in set(self.first_names) | set(self.last_names) if " " not in name)


def build(version):
    entries = {}
    children = Child.objects.migrated().values_list("pk", "first_name_key", "last_name_key", "birth_date", "legacy_id")
    for pk, first, last, birth_date, legacy_id in children.iterator(chunk_size=2000):
        entries[pk] = Entry(pk=pk, first=first, last=last, birth_date=birth_date, legacy_id=legacy_id or "")
    contacts = LegacyContact.objects.filter(child_id__in=Child.objects.migrated().values("pk")).values_list(
        "child_id", "first_name", "last_name", "email", "phone", "postal_code", "address"
    )
    for child_id, first, last, email, phone, postal_code, address in contacts.iterator(chunk_size=2000):
        entry = entries.get(child_id)
        if entry is not None:
            entry.contacts.append(
                Contact(
                    first=name_key(first),
                    last=name_key(last),
                    email=normalise_email(email),
                    phone=phone or "",
                    postal_code=(postal_code or "").replace(" ", ""),
                    address=address_key(address),
                )
            )
    return Index(version, list(entries.values()))


_lock = threading.Lock()
_current = None


def current(version, latest=None):
    """The index of the old base, ``version`` or newer, built now if this process has not built it yet.

    ``latest`` reads the version again once the lock is held: a request that read it before
    another built a newer index uses that one, instead of building the old one back.
    """
    global _current
    with _lock:
        if _current is not None and _current.version == version:
            return _current
        version = latest() if latest is not None else version
        if _current is None or _current.version != version:
            _current = build(version)
        return _current


def forget():
    """Drop this process's index (tests that change the old base without a new version)."""
    global _current
    with _lock:
        _current = None
