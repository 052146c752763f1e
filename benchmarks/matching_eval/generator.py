"""The seeded evaluation set: a town's old base, and sign-ups labelled with the children they mean.

``generate(seed, children, signups)`` returns an ``EvaluationSet``; the same arguments give
the same set (one ``random.Random(seed)``, a fixed reference date, no clock). The old base is
written as the old base's export (``export_rows``, the formats of
benchmarks/make_legacy_export.py) and loaded with the real importer (``load.py``).

The town: households of 1–4 children (twins now and then), one or two parents; mothers keep
their own surname in about half of the records; a parent is shared by two households
(blended families); a few postcodes of one area. A sign-up is a parent's new account
(names, email, mobile, postcode, « Message à l'intention du club », sometimes children
added, which become ``AttachmentRequest`` rows). About 30 % are new families, whose
messages name children drawn from the same pools (so that they collide with members as in a
real town); about 30 % of them bear a member family's surname (namesakes, cousins in the same
town) and a few have a child with a member's very first and last name (« true_homonym »).
About 10 % of the existing families' sign-ups are by a guardian the old base does not know (a
step-parent, a grandparent, the parent the record lacks: « unknown_guardian »), with their own
name, email and mobile. The street address the sign-up form asks for is the household's where the
writer lives with the children (``LIVES_WITH_CHILDREN``; « guardian_at_home » for a guardian the
old base does not know), typed as people type it; another of the town's streets otherwise, where
new families live too (ten streets of 120 numbers per postcode: neighbours in one building happen).

The old base's numbers depend on the seed (``NUMBERINGS``): plain integers from 1, from 1 with
gaps (members deleted), or from 1001. Some messages quote a child's number (« n° 12 »), and
many hold numbers that are not member numbers (« 8 ans », « elle n'a que 8 ans », « depuis
2022 »: style « numbers_in_text »).
"""

import datetime
import hashlib
import json
import random
import re
from dataclasses import dataclass, field

import phonenumbers

from benchmarks.matching_eval import names as pools
from benchmarks.matching_eval import writing

REFERENCE_DATE = datetime.date(2026, 6, 1)  # ages and birth dates are relative to it (not to today)
AREA = [  # (postcode, town, weight): a town and its neighbours
    ("35000", "Rennes", 30), ("35200", "Rennes", 20), ("35700", "Rennes", 15), ("35510", "Cesson-Sévigné", 12),
    ("35135", "Chantepie", 8), ("35830", "Betton", 8), ("35760", "Saint-Grégoire", 7),
]  # fmt: skip
ELSEWHERE = [("44000", "Nantes"), ("29200", "Brest"), ("75011", "Paris"), ("56000", "Vannes"), ("35400", "Saint-Malo")]
STREETS = ["rue des Lilas", "avenue de la Gare", "rue Jean Jaurès", "allée des Chênes", "boulevard Victor Hugo",
           "rue de la Mairie", "impasse des Tilleuls", "rue du Stade", "place de l'Église", "rue de Brest"]  # fmt: skip
DOMAINS = ["exemple.fr", "exemple.com", "courriel.fr", "boite.net", "messagerie.fr", "poste.exemple.fr"]

KIN_SURNAME = 0.10  # a household bears the surname of an earlier one (cousins, grandparents' town)
PARTICLE_SURNAME = 0.02  # on top of the list's own « Le Gall », « Da Silva »
TWINS = 0.05  # of households of 2+ children (real: ≈ 3 %, twins ≈ 1.7 % of births); a little more, to test them
COMPOUND = 0.05
SHARED_PARENT = 0.05  # blended families
SINGLE_PARENT = 0.2
NEW_FAMILIES = 0.3
UNKNOWN_GUARDIAN = 0.10  # of the existing families' sign-ups: a step-parent, a grandparent, an absent parent
NEW_KIN_SURNAME = 0.30  # of new families: the surname of a member family (namesakes, cousins)
NEW_HOMONYM = 0.04  # of new families: a child with a migrated child's first and last name
# Whether the writer lives at the household's address in the old base (unless they moved to another
# postcode): a parent the old base knows, unless they moved within the town; a step-parent living with
# the children's parent, in a household they mostly live in; the parent the record lacks, where the
# record left them out, not where they live apart; a grandparent, rarely.
LIVES_WITH_CHILDREN = {"parent": 0.95, "step_parent": 0.5, "absent_parent": 0.35, "grandparent": 0.05}
MEMBER_NUMBER = 0.05  # a named child's number quoted from an old card
AGE_REMARK = 0.12
YEAR_REMARK = 0.10
# How the old base numbered its members, by seed (seed % 3): a small club's plain integers, the
# same with the gaps of deleted members, or numbers from 1001.
NUMBERINGS = ("from_1001", "from_1", "from_1_gaps")

# The styles a sign-up may carry (several at once); the benchmark breaks its figures down by them.
STYLES = [
    "full_names", "first_names_only", "swapped_order", "sibling_list", "typo", "no_accents", "capitals",
    "nickname", "compound_partial", "particle", "twins", "birth_date", "age", "empty", "vague", "signed",
    "attachment_request", "mother_other_surname", "email_changed", "phone_changed", "moved", "subset_named",
    "blended", "parent_other_surname", "new_family", "unknown_guardian", "guardian_at_home", "kin_surname",
    "true_homonym",
    "member_number", "numbers_in_text", "initials",
]  # fmt: skip
# How a named child's first name was written (``Signup.written``), for the benchmark's breakdown.
WRITTEN = ["as_given", "nickname", "initials", "compound_part"]


@dataclass
class Person:
    key: int
    first_name: str
    last_name: str  # as the old base stored it
    own_last_name: str  # the surname the person uses (a mother stored under her married name has her own)
    sex: str
    email: str = ""
    mobile: str = ""  # ten digits, "06..."


@dataclass
class LegacyChild:
    legacy_id: str
    first_name: str
    last_name: str
    birth_date: datetime.date
    sex: str
    household: int
    parents: list  # Person keys, position order


@dataclass
class Household:
    key: int
    parents: list  # Person keys
    children: list = field(default_factory=list)  # legacy ids
    street: str = ""
    postcode: str = ""
    town: str = ""


@dataclass
class Signup:
    key: int
    first_name: str
    last_name: str
    email: str
    phone: str  # as typed in the form ("06 12 34 56 78"); the loader stores it as the form does (E.164)
    postal_code: str
    club_message: str
    attachments: list  # (first name, last name, birth date) of children the parent added
    family: list  # legacy ids of the family's migrated children
    named: list  # legacy ids the message or the attachment requests name
    styles: list
    new_family: bool
    person: int | None = None  # the old base's Person; None for a new family or an unknown guardian
    new_children: list = field(default_factory=list)  # a new family's children, never members
    new_child_names: list = field(default_factory=list)  # (first name, last name) of each of them
    street: str = ""  # the street address, as typed in the sign-up form
    written: dict = field(default_factory=dict)  # legacy id → how the message wrote its first name (WRITTEN)

    @property
    def referred(self):
        """The children this sign-up refers to: those named, else (empty, vague) all its family's."""
        return self.named or self.family


@dataclass
class EvaluationSet:
    seed: int
    persons: dict
    households: list
    children: list
    signups: list

    def children_by_id(self):
        return {child.legacy_id: child for child in self.children}

    def family_parents(self, signup):
        """The old base's parents of the sign-up's migrated children (every household of a blended family)."""
        by_id = self.children_by_id()
        keys = {key for legacy_id in signup.family for key in by_id[legacy_id].parents}
        return [self.persons[key] for key in sorted(keys)]

    def identity_matches(self, signup):
        """How the sign-up's own identity matches a parent of its family as the old base stores them:
        a subset of {"email", "mobile", "name"} (name: first and last name, folded)."""
        matched = set()
        for person in self.family_parents(signup):
            if person.email and person.email.lower() == signup.email.lower():
                matched.add("email")
            if person.mobile and mobile_digits(person.mobile) == mobile_digits(signup.phone):
                matched.add("mobile")
            if (writing.fold(person.first_name), writing.fold(person.last_name)) == (
                writing.fold(signup.first_name),
                writing.fold(signup.last_name),
            ):
                matched.add("name")
        return matched

    def no_evidence(self, signup):
        """An existing family's sign-up that names no child and whose identity matches none of its old
        parents (email, mobile, full name): nothing the club could go by but the postcode."""
        return not signup.new_family and not signup.named and not self.identity_matches(signup)

    def gives_evidence(self, signup):
        """An existing family's sign-up that gives the club something to go by besides first names: its
        writer's identity matches an old parent of the family (email, mobile, full name), or a child is
        named with its family name (in the message or a child the parent tried to add), or quoted by number.
        The others (a step-parent writing « Emmy », a vague message from a new address) no one could place."""
        if signup.new_family:
            return False
        written_in_full = {"full_names", "attachment_request", "member_number"} & set(signup.styles)
        return bool(self.identity_matches(signup) or written_in_full)

    def new_family_homonyms(self):
        """New families' children whose first and last name are exactly a migrated child's."""
        members = {(writing.fold(child.first_name), writing.fold(child.last_name)) for child in self.children}
        return sum(
            1
            for signup in self.signups
            for first, last in signup.new_child_names
            if (writing.fold(first), writing.fold(last)) in members
        )

    def homonym_pairs(self):
        """Pairs of children of different households with exactly the same first and last name."""
        groups = {}
        for child in self.children:
            groups.setdefault((writing.fold(child.first_name), writing.fold(child.last_name)), []).append(child)
        return sum(
            1
            for group in groups.values()
            for index, one in enumerate(group)
            for other in group[index + 1 :]
            if one.household != other.household
        )

    def digest(self):
        data = {
            "children": [[c.legacy_id, c.first_name, c.last_name, str(c.birth_date), c.parents] for c in self.children],
            "signups": [
                [s.first_name, s.last_name, s.email, s.club_message, s.named, s.styles, s.written] for s in self.signups
            ],
        }
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


class Builder:
    def __init__(self, seed, numbering=None):
        self.rng = random.Random(seed)
        self.seed = seed
        self.persons = {}
        self.emails = set()
        self.numbering = numbering or NUMBERINGS[seed % len(NUMBERINGS)]
        self.written = {}  # legacy id → how the message being written typed its first name
        self.quoted = []  # the member numbers the message being written quotes

    # People

    def mobile(self):
        """A French mobile number in service (phonenumbers' ranges: not every 06/07 number exists)."""
        while True:
            digits = self.rng.choice(["06", "07"]) + "".join(str(self.rng.randint(0, 9)) for _ in range(8))
            number = phonenumbers.parse(digits, "FR")
            if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
                return digits

    def email(self, first, last):
        rng = self.rng
        first, last = writing.fold(first).replace(" ", "-"), writing.fold(last).replace(" ", "")
        for _attempt in range(20):
            local = rng.choice(
                [
                    f"{first}.{last}",
                    f"{first}{last}",
                    f"{first[0]}.{last}",
                    f"{last}.{first}",
                    f"{first}.{last}{rng.randint(1, 99)}",
                    f"{first}{rng.randint(70, 99)}",
                ]
            )
            address = f"{local}@{rng.choice(DOMAINS)}"
            if address not in self.emails:
                self.emails.add(address)
                return address
        raise RuntimeError("no free email")

    def person(self, sex, birth_year, surname):
        decade = pools.parent_decade(birth_year)
        first = pools.first_names(decade, sex).draw(self.rng)
        key = len(self.persons) + 1
        person = Person(key=key, first_name=first, last_name=surname, own_last_name=surname, sex=sex)
        if self.rng.random() < 0.9:
            person.email = self.email(first, surname)
        if self.rng.random() < 0.95:
            person.mobile = self.mobile()
        self.persons[key] = person
        return person

    def surname(self, decade, households):
        rng = self.rng
        if households and rng.random() < KIN_SURNAME:
            return self.persons[rng.choice(households).parents[0]].own_last_name
        if rng.random() < PARTICLE_SURNAME:
            return pools.particle_surnames(decade).draw(rng)
        return pools.surnames(decade).draw(rng)

    # The old base

    def old_base(self, child_count):
        rng = self.rng
        households, children = [], []
        next_id = 1001 if self.numbering == "from_1001" else 1
        while len(children) < child_count:
            key = len(households) + 1
            parent_year = rng.randint(1972, 1990)
            decade = pools.parent_decade(parent_year)
            postcode, town, _weight = rng.choices(AREA, weights=[row[2] for row in AREA])[0]
            household = Household(key=key, parents=[], street=f"{rng.randint(1, 120)} {rng.choice(STREETS)}")
            household.postcode, household.town = postcode, town
            shared = [h for h in households if len(h.parents) >= 1] if rng.random() < SHARED_PARENT else []
            if shared:  # a parent of an earlier household, with a new partner
                first_parent = self.persons[rng.choice(shared).parents[0]]
            else:
                first_sex = "M" if rng.random() < 0.8 else "F"
                first_parent = self.person(first_sex, parent_year, self.surname(decade, households))
            household.parents.append(first_parent.key)
            children_surname = first_parent.own_last_name
            single = not shared and rng.random() < SINGLE_PARENT
            if not single:
                other_sex = "F" if first_parent.sex == "M" else "M"
                partner = self.person(other_sex, parent_year + rng.randint(-3, 3), self.surname(decade, households))
                if partner.sex == "F" and rng.random() < 0.5:
                    partner.last_name = children_surname  # stored under her married name
                household.parents.append(partner.key)
                if rng.random() < 0.05:
                    children_surname = f"{children_surname}-{partner.own_last_name}"
                if first_parent.sex == "F" and rng.random() < 0.5:
                    household.parents.reverse()  # the father first in the record
            elif first_parent.sex == "F" and rng.random() < 0.4:
                children_surname = pools.surnames(decade).draw(rng)  # the father's, absent from the base
            count = rng.choices([1, 2, 3, 4], weights=[40, 38, 16, 6])[0]
            taken = set()
            birth = REFERENCE_DATE - datetime.timedelta(days=rng.randint(3 * 365, 17 * 365))
            youngest, oldest = (
                REFERENCE_DATE - datetime.timedelta(days=3 * 365),
                REFERENCE_DATE - datetime.timedelta(days=17 * 365 + 200),
            )
            for index in range(count):
                twin = index == 1 and rng.random() < TWINS  # the second child: the first's twin
                if index and not twin:  # a brother or sister, younger if there is room, else older
                    step = datetime.timedelta(days=rng.randint(300, 5 * 365))
                    birth = birth + step if birth + step <= youngest else birth - step
                    if birth < oldest:
                        break
                sex = rng.choice("FM")
                decade = pools.child_decade(birth.year)
                for _attempt in range(20):
                    pool = pools.compound_first_names if rng.random() < COMPOUND else pools.first_names
                    first = pool(decade, sex).draw(rng)
                    if writing.fold(first) not in taken:
                        break
                taken.add(writing.fold(first))
                child = LegacyChild(
                    legacy_id=str(next_id),
                    first_name=first,
                    last_name=children_surname,
                    birth_date=birth,
                    sex=sex,
                    household=key,
                    parents=list(household.parents),
                )
                next_id += 1
                if self.numbering == "from_1_gaps" and rng.random() < 0.15:
                    next_id += rng.randint(1, 6)  # members deleted from the base
                children.append(child)
                household.children.append(child.legacy_id)
                if len(children) >= child_count:
                    break
            households.append(household)
        return households, children

    # How a parent writes a child

    def first_as_typed(self, child, styles):
        rng = self.rng
        first = child.first_name
        if "-" in first and rng.random() < 0.5:
            parts = first.split("-")
            styles.add("compound_partial")
            if rng.random() < 0.25:
                styles.add("initials")
                self.note_written(child, "initials")
                return "".join(part[0] for part in parts).upper()  # « PL » for Pierre-Louis
            self.note_written(child, "compound_part")
            return parts[0] if rng.random() < 0.8 else " ".join(parts)
        nicknames = writing.diminutives(first)
        if nicknames and rng.random() < 0.35:
            styles.add("nickname")
            self.note_written(child, "nickname")
            return rng.choice(nicknames)
        self.note_written(child, "as_given")
        return self.spelled(first, styles)

    def note_written(self, child, kind):
        if child.legacy_id:
            self.written[child.legacy_id] = kind

    def spelled(self, word, styles, typo_rate=0.12):
        rng = self.rng
        if rng.random() < typo_rate:
            styles.add("typo")
            word = writing.typo(rng, word)
        if writing.strip_accents(word) != word and rng.random() < 0.35:
            styles.add("no_accents")
            word = writing.strip_accents(word)
        if rng.random() < 0.1:
            word = word.lower()
        return word

    def last_as_typed(self, surname, styles):
        rng = self.rng
        if pools.PARTICLE.match(surname) and " " in surname:
            styles.add("particle")
            return writing.particle_as_typed(rng, surname)
        word = self.spelled(surname, styles, typo_rate=0.08)
        if rng.random() < 0.15:
            styles.add("capitals")
            word = word.upper()
        return word

    def mention(self, child, styles, surname, order, extra):
        """One child as written: first name, maybe surname (either order), maybe age or birth date."""
        first = self.first_as_typed(child, styles)
        if surname:
            last = self.last_as_typed(child.last_name, styles)
            text = f"{last} {first}" if order == "swapped" else f"{first} {last}"
        else:
            text = first
        if extra == "age":
            age = (REFERENCE_DATE - child.birth_date).days // 365
            text += f" ({age} ans)"
            styles.add("age")
        elif extra == "birth_date":
            styles.add("birth_date")
            born = "née" if child.sex == "F" else "né"
            day = child.birth_date
            text += self.rng.choice([f" {born} le {day:%d/%m/%Y}", f" ({born} en {day.year})", f" {day:%d/%m/%y}"])
        if child.legacy_id and self.rng.random() < MEMBER_NUMBER:
            text += " " + self.quote_number(child, styles, writing.MEMBER_NUMBERS)
        return text

    def quote_number(self, child, styles, templates):
        styles.add("member_number")
        self.quoted.append(child.legacy_id)
        return self.rng.choice(templates).format(number=child.legacy_id)

    def names_text(self, chosen, styles):
        """The children of ``chosen`` in one phrase: full names, first names only, a sibling list..."""
        rng = self.rng
        shape = rng.random()
        order = "swapped" if rng.random() < 0.2 else "usual"
        extra = rng.choices([None, "age", "birth_date"], weights=[80, 10, 10])[0]
        surnames = {child.last_name for child in chosen}
        if len(chosen) > 1 and len(surnames) == 1 and shape < 0.35:
            styles.add("sibling_list")
            firsts = [self.mention(child, styles, False, order, extra) for child in chosen]
            last = self.last_as_typed(chosen[0].last_name, styles)
            return writing.join_names(firsts) + " " + last
        if shape < 0.55:
            styles.add("first_names_only")
            return writing.join_names([self.mention(child, styles, False, order, extra) for child in chosen])
        styles.add("full_names")
        if order == "swapped":
            styles.add("swapped_order")
        return writing.join_names([self.mention(child, styles, True, order, extra) for child in chosen])

    def message(self, chosen, styles, parent, kind, role="parent"):
        """The « Message à l'intention du club », labelled « numbers_in_text » when it holds numbers other
        than the member numbers it quotes; ``parent`` is (first name, last name, sex) of who writes."""
        self.quoted = []
        text = self.message_text(chosen, styles, parent, kind, role)
        rest = text
        for number in self.quoted:
            rest = rest.replace(number, "", 1)
        if re.search(r"\d", rest):
            styles.add("numbers_in_text")
        return text

    def message_text(self, chosen, styles, parent, kind, role):
        rng = self.rng
        if kind == "empty":
            styles.add("empty")
            return ""
        if kind == "vague":
            styles.add("vague")
            return rng.choice(writing.VAGUE)
        if kind == "number_only":
            return self.quote_number(chosen[0], styles, writing.NUMBER_ONLY)
        names = self.names_text(chosen, styles)
        twins = len({child.birth_date for child in chosen}) < len(chosen)
        if twins:
            styles.add("twins")
        if twins and len(chosen) == 2:
            templates = writing.TWINS + writing.NAMING
        elif len(chosen) == 1:
            templates = writing.NAMING + (writing.NAMING_ONE_GIRL if chosen[0].sex == "F" else writing.NAMING_ONE_BOY)
        else:
            templates = writing.NAMING
        other_parent = "papa" if parent[2] == "F" else "maman"
        if role != "parent" and rng.random() < 0.4:
            templates = writing.GUARDIANS[role][parent[2]]
        elif role != "parent":  # no « maman »/« papa », no « mes enfants » from a grandparent or step-parent
            templates = [template for template in templates if not re.search("maman|papa|mes enfants", template)]
        else:
            templates = [template for template in templates if other_parent not in template]
        body = rng.choice(templates).format(names=names)
        opening = "" if body.startswith("Bonjour") else rng.choice(writing.OPENINGS)
        parts = [opening, body]
        if len(chosen) == 1 and rng.random() < AGE_REMARK:
            age = (REFERENCE_DATE - chosen[0].birth_date).days // 365
            parts.append(rng.choice(writing.AGE_REMARKS[chosen[0].sex]).format(age=age))
        if rng.random() < YEAR_REMARK:
            year = rng.randint(2018, 2025)
            parts.append(rng.choice(writing.YEAR_REMARKS).format(year=year, next_year=year + 1))
        if rng.random() < 0.25:
            parts.append(rng.choice(writing.EXTRAS))
        if rng.random() < 0.15:
            styles.add("signed")
            parts.append(
                rng.choice(writing.SIGNATURES).format(parent=parent[0], parent_full=f"{parent[0]} {parent[1]}")
            )
        else:
            parts.append(rng.choice(writing.CLOSINGS))
        return " ".join(part for part in parts if part).strip()

    def attachments(self, chosen, styles):
        rows = [child_as_typed(self.rng, child) for child in chosen]
        if rows:
            styles.add("attachment_request")
        return rows

    # Sign-ups

    def existing_signup(self, key, person, households, by_id, children_of):
        """A sign-up by a parent the old base records."""
        rng = self.rng
        styles = set()
        family = children_of[person.key]
        kids = [by_id[legacy_id] for legacy_id in family]
        if len({by_id[legacy_id].household for legacy_id in family}) > 1:
            styles.add("blended")
        household = households[kids[0].household - 1]  # keys count from 1, in order
        first_name = person.first_name if rng.random() < 0.8 else writing.strip_accents(person.first_name)
        last_name = person.own_last_name
        if rng.random() < 0.1:
            last_name = last_name.upper()
        if writing.fold(last_name) not in {writing.fold(child.last_name) for child in kids}:
            styles.add("mother_other_surname" if person.sex == "F" else "parent_other_surname")
        if person.email and rng.random() < 0.7:
            email = person.email
        else:
            if person.email:
                styles.add("email_changed")
            email = self.email(person.first_name, person.own_last_name)
        if person.mobile and rng.random() < 0.75:
            mobile = person.mobile
        else:
            if person.mobile:
                styles.add("phone_changed")
            mobile = self.mobile()
        signup = Signup(
            key=key,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=self.phone_as_typed(mobile),
            postal_code=self.postcode(household, styles),
            club_message="",
            attachments=[],
            family=list(family),
            named=[],
            styles=[],
            new_family=False,
            person=person.key,
        )
        signup.street, _home = self.street(key, household, styles, LIVES_WITH_CHILDREN["parent"])
        return self.write_about(signup, kids, styles, (first_name, last_name, person.sex), "parent")

    def guardian_signup(self, key, household, by_id):
        """A sign-up by a guardian the old base does not know: a step-parent, a grandparent, or the
        parent the record lacks; their own name, a new email and mobile."""
        rng = self.rng
        styles = {"unknown_guardian"}
        kids = [by_id[legacy_id] for legacy_id in household.children]
        recorded = [self.persons[person] for person in household.parents]
        role = rng.choices(["step_parent", "grandparent", "absent_parent"], weights=[40, 30, 30])[0]
        year = rng.randint(1948, 1965) if role == "grandparent" else rng.randint(1972, 1990)
        decade = pools.parent_decade(year)
        if role == "absent_parent":
            sexes = {person.sex for person in recorded}
            sex = "M" if sexes == {"F"} else "F" if sexes == {"M"} else rng.choice("FM")
        else:
            sex = rng.choice("FM")
        surname = pools.surnames(decade).draw(rng)
        if role != "step_parent" and sex == "M" and rng.random() < 0.6:
            surname = kids[0].last_name.split("-")[0]  # a father, a paternal grandfather
        first_name = pools.first_names(decade, sex).draw(rng)
        if writing.fold(surname) not in {writing.fold(child.last_name) for child in kids}:
            styles.add("mother_other_surname" if sex == "F" else "parent_other_surname")
        signup = Signup(
            key=key,
            first_name=first_name,
            last_name=surname,
            email=self.email(first_name, surname),
            phone=self.phone_as_typed(self.mobile()),
            postal_code=self.postcode(household, styles),
            club_message="",
            attachments=[],
            family=list(household.children),
            named=[],
            styles=[],
            new_family=False,
        )
        signup.street, home = self.street(key, household, styles, LIVES_WITH_CHILDREN[role])
        if home:
            styles.add("guardian_at_home")
        return self.write_about(
            signup, kids, styles, (first_name, surname, sex), "parent" if role == "absent_parent" else role
        )

    def street(self, key, household, styles, lives_there):
        """``(address as typed, whether it is the household's)``: the street address the writer types in the
        sign-up form, the household's where they live there (and did not move to another postcode), else one
        of the town's. Drawn from a generator of its own (seed, sign-up): adding the address left every other
        draw of a seed as it was."""
        side = random.Random(f"{self.seed}/{key}/street")
        home = household is not None and "moved" not in styles and side.random() < lives_there
        street = household.street if home else f"{side.randint(1, 120)} {side.choice(STREETS)}"
        return writing.address_as_typed(side, street), home

    def postcode(self, household, styles):
        rng = self.rng
        if rng.random() < 0.1:
            styles.add("moved")
            return rng.choice([row[0] for row in AREA if row[0] != household.postcode] + [row[0] for row in ELSEWHERE])
        return household.postcode

    def write_about(self, signup, kids, styles, parent, role):
        """The message and attachment requests of an existing family's sign-up, and its labels."""
        rng = self.rng
        kind = rng.choices(["names", "empty", "vague", "number_only"], weights=[83, 7, 8, 2])[0]
        if kind == "number_only":
            chosen = [rng.choice(kids)]
        elif kind == "names" and len(kids) > 1 and rng.random() < 0.3:
            chosen = rng.sample(kids, rng.randint(1, len(kids) - 1))
            chosen.sort(key=lambda child: child.birth_date)
            styles.add("subset_named")
        else:
            chosen = list(kids)
        self.written = {}
        signup.club_message = self.message(chosen, styles, parent, kind, role)
        attached = []
        if rng.random() < 0.15:
            attached = chosen if kind in ("names", "number_only") else rng.sample(kids, rng.randint(1, len(kids)))
            signup.attachments = self.attachments(attached, styles)
        named = {child.legacy_id for child in chosen} if kind in ("names", "number_only") else set()
        named |= {child.legacy_id for child in attached}
        signup.named = sorted(named, key=int)
        signup.written = dict(self.written)
        signup.styles = sorted(styles)
        return signup

    def new_signup(self, key, children):
        rng = self.rng
        styles = {"new_family"}
        parent_year = rng.randint(1972, 1990)
        decade = pools.parent_decade(parent_year)
        sex = "F" if rng.random() < 0.75 else "M"
        surname = self.surname(decade, [])
        first_name = pools.first_names(decade, sex).draw(rng)
        children_surname = surname if rng.random() < 0.6 else pools.surnames(decade).draw(rng)
        homonym = rng.random() < NEW_HOMONYM
        member = rng.choice(children) if children and (homonym or rng.random() < NEW_KIN_SURNAME) else None
        if member:  # the same surname as a member family: namesakes, cousins in the same town
            styles.add("kin_surname")
            if children_surname == surname:
                surname = member.last_name
            children_surname = member.last_name
        if writing.fold(children_surname) != writing.fold(surname):
            styles.add("mother_other_surname" if sex == "F" else "parent_other_surname")
        count = rng.choices([1, 2, 3], weights=[50, 38, 12])[0]
        kids = []
        birth = REFERENCE_DATE - datetime.timedelta(days=rng.randint(3 * 365, 17 * 365))
        for index in range(count):
            if index:
                birth = birth + datetime.timedelta(days=rng.randint(300, 4 * 365))
                if birth > REFERENCE_DATE - datetime.timedelta(days=3 * 365):
                    break
            child_sex = rng.choice("FM")
            first = pools.first_names(pools.child_decade(birth.year), child_sex).draw(rng)
            kids.append(LegacyChild("", first, children_surname, birth, child_sex, 0, []))
        if member and homonym:  # a true homonym of a migrated child, in another family
            styles.add("true_homonym")
            named_alike = kids[rng.randrange(len(kids))]
            named_alike.first_name, named_alike.sex = member.first_name, member.sex
        kind = rng.choices(["names", "empty", "vague"], weights=[88, 5, 7])[0]
        self.written = {}
        message = self.message(kids, styles, (first_name, surname, sex), kind)
        attachments = self.attachments(kids, styles) if rng.random() < 0.1 else []
        postcode = rng.choice([row[0] for row in AREA]) if rng.random() < 0.9 else rng.choice(ELSEWHERE)[0]
        return Signup(
            key=key,
            first_name=first_name,
            last_name=surname,
            email=self.email(first_name, surname),
            phone=self.phone_as_typed(self.mobile()),
            postal_code=postcode,
            club_message=message,
            attachments=attachments,
            family=[],
            named=[],
            styles=sorted(styles),
            new_family=True,
            new_children=[f"{child.first_name} {child.last_name} ({child.birth_date})" for child in kids],
            new_child_names=[(child.first_name, child.last_name) for child in kids],
            street=self.street(key, None, styles, 0)[0],
        )

    def phone_as_typed(self, digits):
        return writing_phone(self.rng, digits)


def child_as_typed(rng, child):
    """``(first name, last name, birth date)`` of ``child`` as a parent types them in the form that adds a child
    (announcement, step 5): accents left out or the family name in capitals now and then, a slip in the date."""
    first = child.first_name if rng.random() < 0.8 else writing.strip_accents(child.first_name)
    last = child.last_name if rng.random() < 0.8 else child.last_name.upper()
    birth = child.birth_date
    if rng.random() < 0.05:  # a slip in the date
        birth += datetime.timedelta(days=1)
    return first, last, birth


def writing_phone(rng, digits):
    """A mobile number written as people write it: « 06 12 34 56 78 », « 06.12... », « +33 6 ... »."""
    pairs = [digits[index : index + 2] for index in range(0, 10, 2)]
    style = rng.random()
    if style < 0.4:
        return " ".join(pairs)
    if style < 0.6:
        return digits
    if style < 0.75:
        return ".".join(pairs)
    if style < 0.9:
        return "+33 " + digits[1] + " " + " ".join(pairs[1:])
    return "-".join(pairs)


def mobile_digits(text):
    """« +33 6 12 34 56 78 », « 06.12.34.56.78 » → « 0612345678 »."""
    digits = re.sub(r"\D", "", text or "")
    return "0" + digits[2:] if digits.startswith("33") else digits


def generate(seed=1, children=2000, signups=400, numbering=None):
    """``numbering``: one of NUMBERINGS, by default chosen by the seed."""
    builder = Builder(seed, numbering)
    rng = builder.rng
    households, kids = builder.old_base(children)
    by_id = {child.legacy_id: child for child in kids}
    children_of = {}
    for child in kids:
        for person in child.parents:
            children_of.setdefault(person, []).append(child.legacy_id)
    candidates = sorted(children_of)  # every parent of the base, once
    rng.shuffle(candidates)
    new_count = max(round(signups * NEW_FAMILIES), 1)
    kinds = [True] * new_count + [False] * (signups - new_count)
    rng.shuffle(kinds)
    rows = []
    for key, new in enumerate(kinds, start=1):
        if new or not candidates:
            rows.append(builder.new_signup(key, kids))
        elif rng.random() < UNKNOWN_GUARDIAN:
            rows.append(builder.guardian_signup(key, rng.choice(households), by_id))
        else:
            person = builder.persons[candidates.pop()]
            rows.append(builder.existing_signup(key, person, households, by_id, children_of))
    return EvaluationSet(seed=seed, persons=builder.persons, households=households, children=kids, signups=rows)


def export_rows(evaluation, seed=None):
    """The old base's export (rows of benchmarks/make_legacy_export.HEADERS), written as it stored things."""
    from benchmarks.make_legacy_export import ACTIVITIES, date_as_typed

    rng = random.Random(evaluation.seed if seed is None else seed)
    households = {household.key: household for household in evaluation.households}
    rows = []
    for child in evaluation.children:
        household = households[child.household]
        cells = []
        for key in (child.parents + [None, None])[:2]:
            person = evaluation.persons.get(key)
            if person is None:
                cells += ["", "", "", ""]
                continue
            last = person.last_name.upper() if rng.random() < 0.25 else person.last_name
            first = person.first_name.upper() if rng.random() < 0.05 else person.first_name
            email = person.email.upper() if person.email and rng.random() < 0.1 else person.email
            phone = writing_phone(rng, person.mobile) if person.mobile else ""
            cells += [last, first, email, phone]
        postcode = household.postcode
        activities = ", ".join(
            f"{rng.choice(ACTIVITIES)} {year}-{year + 1}" for year in rng.sample(range(2018, 2026), rng.randint(1, 3))
        )
        rows.append(
            [
                child.legacy_id,
                child.last_name.upper() if rng.random() < 0.2 else child.last_name,
                child.first_name,
                date_as_typed(rng, child.birth_date, False),
                rng.choice({"F": ["F", "Fille", "féminin"], "M": ["M", "G", "Garçon", "masculin"]}[child.sex]),
                *cells,
                household.street,
                postcode,
                household.town,
                activities,
            ]
        )
    return rows
