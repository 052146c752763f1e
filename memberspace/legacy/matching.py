"""Which migrated children probably belong to a parent's account: households and suggestions for the secretariat.

Nothing is attached here: the secretariat decides, one click per child or per household
(memberspace/legacy/admin.py). The evidence, in the order it weighs:

1. **The parent's own identity** against the old base's parents (memberspace/legacy/index.py):
   the account's email, its mobile, its first and last names with its postcode, its first name
   at a parent's street address (a mother the old base knew by her married name). It points
   to a household: the children who share that parent. Its children are suggested even
   when the message names none of them. The account's street address, where a household's
   parents lived, lets a first name the parent wrote, or a diminutive of the table, name a
   child of it (a step-parent living with the children); alone, it names no one (the family
   now living in the old flat).
2. **Names in the message** (and in the children the parent tried to add, with their birth
   dates): each word counts only for the names it is closest to, so « Louis » does not
   credit Louise; a name of four letters or fewer must be written exactly (accents aside),
   longer ones allow one typo, long ones two; common French words are never names
   (data/stopwords_fr.txt, from wordfreq), and a very common one in lower case is never a
   family name, nor a first name unless beside a name or in a list of them (« mon petit Léo »,
   « louis et Safa Macedo »); diminutives (nicknames.py) and parts or initials of
   compound first names count for less; a diminutive that is also a common word (« Nico »)
   needs its capital. A compound first name may hold one typo in a part of five letters or
   more. A child's first and last names must be next to each other, in either order, or
   joined through a list of first names (« Léa, Tom et Hugo Martin »). A first name alone
   counts in a household that the parent's identity or a sibling named in full points to;
   the family name or the parent's first name with the postcode or a second child; or three
   of its children's first names. A household shown brings the other children of it the
   parent named (of no other age written), even by a diminutive or with a typo, and even by
   a word one letter away from a first name where either is four letters or fewer (« Amed » for
   Ahmed, « Toony » for Tony), or from the first name of a child whose family name it stands
   beside, though it is another child's first name (« Calie Messaoudi » for Callie); alone, such
   a word names no one. A writer of the household's family name whom
   its two known parents are not (another family of that name) needs more than one first
   name: two of its children named in its postcode. A first name written by a parent whose own
   family name is the child's, in its household's postcode, is that child's full name (« Killian »
   by a Chomat: Killian Chomat), even with a typo in the family name written beside it; so it is
   in another postcode when no other household's children bear that name (« ugo » by an Azzouz,
   the family having moved). In the household the parent's own details or street address point
   to, a word one letter away from a child's first name is that first name (« Elis » for Élise).
   A family name of four letters or fewer written with one typo beside a child's first name is
   its family name (« Gréogire rooos »). In a list of names whose other items name children of one
   household and nothing else (two first names, or one name in full), the one item that names none of them, nor
   another family, is its one child the message names nowhere else (« loukas, Kahina, Leonard et
   Nene »: Inès; « Safa, Zoé et Augustin »: Safia, though another child is called Safa); it names
   her only when the household is shown, and it tells apart two households that both have the
   other names. The writer's own first and last names side by side, in either order, are a
   signature, not a child's name.
3. **Birth dates and ages** written in the message or given for a child the parent tried to
   add: they settle homonyms and twins, and a child born another day is another child (also
   when the message names the child the parent added). A first name followed by its whole
   birth date (« Noan né le 11/12/2020 ») counts alone; so does a family name beside a word we
   cannot read, followed by its birth date (« Bibou Fourny 18/09/17 », « Fourny Bibou 18/09/17 »). An age written right
   after a child's name is that child's (« Romane Chenard (16 ans) et Lorie Chenard (14 ans) »:
   a Lorie Chenard of 16 is another child); an age that follows no name is any child's of the
   message (« il aura 9 ans en septembre »: 8 or 9). A first name written alone (no name beside it, nor
   the writer's family name, nor in a list of names) with an age or a birth year (« Elsa (née en 2015) ») that only
   one of the base's children so named has, in that child's postcode, names that child. Ages are
   reckoned on the day the message was written, the account's sign-up (``written_on``): a
   pending account's suggestions do not change with its children's birthdays.

Children compete for the words that name them: of the children a name designates in several
households, those of the household with the most evidence are suggested; the others, with
name evidence only (and those nothing tells apart), are « Homonymes possibles », shown
folded with their birth dates. The weights are tuned on benchmarks/matching.py's seeded,
labelled sign-ups, seeds 1 to 6 (version 11's rules were drawn from the misses of all six); seeds 7
to 12 are the check on sign-ups the rules were not drawn from (``--seeds 7,8,9,10,11,12``).
"""

import contextlib
import datetime
import hashlib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import process
from rapidfuzz.distance import OSA

from memberspace.families.models import Child, ChildStatus
from memberspace.families.text import name_key, strip_accents
from memberspace.legacy import index as legacy_index
from memberspace.legacy.models import BaseVersion
from memberspace.legacy.nicknames import NICKNAMES

VERSION = 11  # of these rules: raise it when they change, and the stored suggestions are computed again
THRESHOLD = 50  # the least score of a suggestion shown
CONNECTORS = frozenset({",", "et", "&", "/", "+", "ainsi", "que", "puis"})
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("janvier", "janv"),
            ("fevrier", "fevr", "fev"),
            ("mars",),
            ("avril", "avr"),
            ("mai",),
            ("juin",),
            ("juillet", "juil"),
            ("aout",),
            ("septembre", "sept"),
            ("octobre", "oct"),
            ("novembre", "nov"),
            ("decembre", "dec"),
        ],
        start=1,
    )
    for name in names
}
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
WRITTEN_DATE = re.compile(r"\b(\d{1,2}|1er)\s+([a-z]+)\.?\s+(\d{4})\b")
PARENTHESIS = re.compile(r"\([^)]*\)")
# What may stand between a name and its birth date: « Léa Martin, née le 03/02/2017 », « Noan (né le … »
BESIDE = re.compile(r"^[\s,(:]*(?:nee?s?\s+)?(?:le\s+)?$")
# An age written for a child: « Léa (8 ans) », « Léa, 8 ans », « qui a 8 ans », « n'a que 8 ans »; never a
# duration (« depuis 2 ans », « il y a 2 ans »).
AGE = re.compile(r"(?:\(\s*|,\s*|(?<!\by )\ba\s+(?:que\s+)?|\bagee?\s+de\s+)(\d{1,2})\s*ans?\b")
# An age to come: « il aura 9 ans en septembre »: 8 or 9 today.
WILL_BE = re.compile(r"\baura\s+(\d{1,2})\s*ans?\b")
# A birth year written for a child: « Elsa (née en 2015) ».
BORN_IN = re.compile(r"\bnee?s?\s+en\s+(\d{4})\b")
TOKEN = re.compile(r"[a-z0-9]+|[,&/+]")
MAX_RUN = 3  # "de la tour", "marie claire"
# What the stored suggestions depend on besides their inputs: these rules and their tables.
RULES = "{}-{}".format(
    VERSION,
    hashlib.sha256(repr(sorted(NICKNAMES.items())).encode() + legacy_index.STOPWORDS_FILE.read_bytes()).hexdigest()[
        :16
    ],
)
# A number is the old base's only when written as one (« n° 12 », « numéro d'adhérent 12 », « adhérent : 12 »),
# never an age (« elle n'a que 8 ans »), a year (« depuis 2022 ») or a postcode.
LEGACY_NUMBER_WRITTEN = re.compile(
    r"(?:\bn\s*°|\bno\b\.?|\bnum\b\.?|\bnumero\b|\bmatricule\b|\bdossier\b|\badherente?\b)"
    r"(?:\s*(?:d\W*)?adherente?\b)?\s*(?:n\s*°)?\s*[:#.]?\s*([a-z]*\d[a-z0-9-]*)"
)


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


# Points of each kind of evidence (a child's score is their sum, at most 100).
EMAIL = 60  # the account's email is a parent's of the child in the old base
PHONE = 50  # its mobile
PARENT = 50  # its first and last names, with its postcode
PARENT_MOVED = 30  # its first and last names, another postcode
PARENT_AT_ADDRESS = 50  # its first name and street address (a mother the old base knew by her married name)
FULL_NAME = 55  # the child's first and last names together in the message (times the match's quality)
LEGACY_NUMBER = 60  # the child's number in the old base
FIRST_NAME = 30  # the first name alone, in a household something else points to (times the quality)
SIBLINGS = 15  # two children of the household named (three or more: 25)
SURNAME = 10  # the account's family name is the household's
POSTCODE = 5  # the account's postcode is the household's
ADDRESS = 25  # and its street address, house number included (a step-parent living with the children)
PARENT_FIRST_NAME = 15  # the account holder's first name is a parent's of the household (her surname may differ)
BIRTH_DATE = 30  # the birth date given matches
AGE_WRITTEN = 15  # its age, or its birth year, written after its first name: of the base's children so named, its alone
WRONG_AGE = 20  # ages are written and none is the child's (give or take a year)
STRANGER = 20  # the household's parents are both known, the account holder is neither (a homonym's family)

# How much a name written counts, by how it is written.
EXACT, ONE_TYPO, TWO_TYPOS, PART, WEAK = 1.0, 0.9, 0.8, 0.75, 0.75


@dataclass
class Mention:
    """Words of the message (tokens ``start:end``) that name some children: child index -> quality."""

    start: int
    end: int
    children: dict


@dataclass
class Reading:
    """What a parent wrote, read for names: tokens, their kinds, dates."""

    tokens: list
    kinds: list  # "name", "stop", "connector", "number"
    raw: list
    dates: set
    numbers: set  # written as old-base numbers
    plain: set = field(default_factory=set)  # positions of very common words written in lower case
    ages: set = field(default_factory=set)  # ages written (« Léa (8 ans) »)
    dated: dict = field(default_factory=dict)  # position of a word → the dates written right after it
    aged: dict = field(default_factory=dict)  # position of a word → the ages written right after it
    born_in: dict = field(default_factory=dict)  # position of a word → the birth years written right after it
    lone_ages: set = field(default_factory=set)  # the ages of the message's one age phrase (none if several)


def age(birth_date, today):
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def born_otherwise(birth_date, given_dates):
    """The parent gave a birth date (a child they tried to add) more than a month from this one."""
    return bool(given_dates) and all(abs((birth_date - given).days) > 31 for given in given_dates)


def without_signature(reading, first, last, index):
    """The account holder's own first and last names side by side, in either order, are a signature (« Marie
    Donnart », « DONNART Marie »), not a child's: their words are read as common words.

    Unless they are a migrated child's name too (a parent who typed the child's name in the form), or
    the first name is the end of a compound one (« Jean-Pierre Martin » written by Pierre Martin).
    """
    if not first or not last:
        return
    names_a_child = {child for child, how in index.first_names.get(first, ()) if how == "full"} & {
        child for child, how in index.last_names.get(last, ()) if how == "full"
    }
    if names_a_child:
        return
    tokens = reading.tokens
    for own, first_at in (([*first.split(), *last.split()], 0), ([*last.split(), *first.split()], len(last.split()))):
        for start in range(len(tokens) - len(own) + 1):
            if tokens[start : start + len(own)] != own:
                continue
            at = start + first_at  # where the first name begins
            if at and f"{tokens[at - 1]} {first}" in index.first_names:
                continue  # « Jean-Pierre »
            for position in range(start, start + len(own)):
                reading.kinds[position] = "stop"


def aged_otherwise(birth_date, ages, today):
    """Ages are written, and none is this child's, give or take a year."""
    return bool(ages) and all(abs(age(birth_date, today) - written) > 1 for written in ages)


def stated_ages(reading, first, lasts=()):
    """The ages written right after a first name, or after the family name that follows it (« Lorie Chenard
    (14 ans) »), else all the message's: an age beside a name is that child's, not a sibling's."""
    words = [first, *(last for last in lasts if last.start == first.end)]
    beside = {age for mention in words for age in reading.aged.get(mention.end - 1, ())}
    return beside or reading.ages


def allowed_typos(name):
    """Typos a name of the old base allows: none up to four letters (« Léna » is not Léa), then one, then two."""
    length = len(name.replace(" ", ""))
    return 0 if length <= 4 else 1 if length <= 7 else 2


def read_dates(text):
    """``(date, start)`` of each date written in ``text`` (lower case, no accents)."""
    dates = []
    for match in NUMERIC_DATE.finditer(text):
        day, month, year = match.groups()
        year = int(year) + (2000 if int(year) < 50 else 1900) if len(year) == 2 else int(year)
        with contextlib.suppress(ValueError):  # « 31/02/2016 »: no date
            dates.append((datetime.date(year, int(month), int(day)), match.start()))
    for match in WRITTEN_DATE.finditer(text):
        day, month, year = match.groups()
        if month in MONTHS:
            with contextlib.suppress(ValueError):
                dates.append((datetime.date(int(year), MONTHS[month], 1 if day == "1er" else int(day)), match.start()))
    return dates


def blank(pattern, text):
    """``text`` with ``pattern``'s matches turned into spaces: the words keep their places."""
    return pattern.sub(lambda match: " " * len(match.group()), text)


def initials(cased, position):
    """« PL », « JB »: two or three capitals, the initials of a compound first name."""
    token = cased[position]
    return 2 <= len(token) <= 3 and token.isalpha() and token.isupper()


def diminutive(token, cased, index):
    """« Nico », « Nat »: a diminutive of the table (nicknames.py) for a first name of the old base, written with
    its capital; in lower case a common word stays one (« nat », « nico »)."""
    return cased[:1].isupper() and any(
        how == "full" for name in NICKNAMES.get(token, ()) for _child, how in index.first_names.get(name, ())
    )


def read(text, index):
    """Tokens of ``text`` with their kinds; parentheses (« Léa (8 ans) ») are left out.

    A very common French word that is also a name in the old base, written in lower case
    (« petit », « le », « rose »), is marked ``plain``: ``find_mentions`` reads it as a first name
    only beside another name or in a list of names (« louis et Safa »), never as a family name (« mon petit Léo »,
    « Tom le mercredi »).
    """
    folded = strip_accents(text or "")
    for letters, written in (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE")):
        folded = folded.replace(letters, written)
    lower = folded.lower()
    body = blank(PARENTHESIS, blank(NUMERIC_DATE, folded)).replace("'", " ")
    found = list(TOKEN.finditer(body.lower()))
    raw = [match.group() for match in found]
    cased = re.findall(r"[A-Za-z0-9]+|[,&/+]", body)
    if len(cased) != len(raw):
        cased = raw
    dates = read_dates(lower)

    def anchor(start):
        """The word that what is written at ``start`` follows, « né le » and the like between them."""
        word = None
        for position in reversed([position for position, match in enumerate(found) if match.end() <= start]):
            if not BESIDE.match(lower[found[position].end() : start]):
                break
            word = position
        return word

    dated, aged, born_in = defaultdict(set), defaultdict(set), defaultdict(set)
    same_places = len(lower) == len(body)
    for date, start in dates if same_places else ():
        if (word := anchor(start)) is not None:
            dated[word].add(date)
    ages = [(int(match.group(1)), match.start()) for match in AGE.finditer(lower)]
    ages += [(int(match.group(1)) - before, match.start()) for match in WILL_BE.finditer(lower) for before in (0, 1)]
    phrases = {start for _written, start in ages}
    for written, start in ages if same_places else ():
        if (word := anchor(start)) is not None:
            aged[word].add(written)
    for match in BORN_IN.finditer(lower) if same_places else ():
        if (word := anchor(match.start())) is not None:
            born_in[word].add(int(match.group(1)))
    kinds, plain = [], set()
    for position, token in enumerate(raw):
        if token in CONNECTORS:
            kinds.append("connector")
        elif token.isdigit():
            kinds.append("number")
        elif len(token) < 2 or (
            token in index.stopwords and not initials(cased, position) and not diminutive(token, cased[position], index)
        ):
            kinds.append("stop")
        else:
            kinds.append("name")
            very_common = legacy_index.STOPWORDS.get(token, 0) >= legacy_index.VERY_COMMON
            if very_common and cased[position].islower() and token not in legacy_index.PARTICLES:
                plain.add(position)
    return Reading(
        tokens=raw,
        kinds=kinds,
        raw=cased,
        dates={date for date, _start in dates},
        dated=dict(dated),
        aged=dict(aged),
        born_in=dict(born_in),
        lone_ages={written for written, _start in ages} if len(phrases) == 1 else set(),
        numbers=set(LEGACY_NUMBER_WRITTEN.findall(lower)),
        plain=plain,
        ages={written for written, _start in ages},
    )


def spans(reading):
    """``(start, end)`` of the runs of words that may be a name: one word, or up to three with particles inside."""
    tokens, kinds = reading.tokens, reading.kinds
    for start, kind in enumerate(kinds):
        if kind != "name" and tokens[start] not in legacy_index.PARTICLES:
            continue
        for end in range(start + 1, min(start + MAX_RUN, len(tokens)) + 1):
            if kinds[end - 1] in ("connector", "number"):
                break
            inside_ok = all(kinds[i] == "name" or tokens[i] in legacy_index.PARTICLES for i in range(start, end))
            if not inside_ok:
                break
            if kinds[end - 1] == "name":
                yield start, end


def find_mentions(reading, index):
    """``(firsts, lasts, loose)``: the first-name and last-name mentions of the message, and the words of four
    letters one letter away from a longer first name (« Amed » for Ahmed), which only name a child of a
    household that something else shows (``rank``)."""
    firsts, lasts, loose = [], [], []
    fuzzy = []  # (start, end, term) with no exact name
    compound_spans = []  # two words with no exact name: a compound first name with a typo (« Moohamed Adam »)
    for start, end in spans(reading):
        words = reading.tokens[start:end]
        term = " ".join(words)
        found = False
        for table, out in ((index.first_names, firsts), (index.last_names, lasts)):
            if term in table:
                quality = {"full": EXACT, "part": PART, "initials": PART}
                children = {}
                for child, how in table[term]:
                    if how == "initials" and not reading.raw[start].isupper():
                        continue  # « PL », not « pl » in a sentence
                    children[child] = max(children.get(child, 0), quality[how])
                if children:
                    out.append(Mention(start, end, children))
                    found = True
        if end - start == 1 and not found:
            word = words[0]
            if word in NICKNAMES:
                children = {}
                for name in NICKNAMES[word]:
                    for child, how in index.first_names.get(name, ()):
                        if how == "full":
                            children[child] = PART
                if children:
                    firsts.append(Mention(start, end, children))
                    found = True
            if not found and len(word) >= 3:
                fuzzy.append((start, end, word))
        elif end - start == 2 and not found and index.compound_first_names:
            compound_spans.append((start, end, term))
    for start in range(len(reading.tokens) - 1):
        first_part, typed = reading.tokens[start], reading.tokens[start + 1]
        children = {}
        for name in index.compounds.get(first_part, ()):
            second = name.split()[1]
            if len(typed) >= 2 and typed.isalpha() and second.startswith(typed) and second != typed:
                for child, how in index.first_names[name]:
                    if how == "full":
                        children[child] = PART  # « Anne-So » for Anne-Sophie
        if children:
            firsts.append(Mention(start, start + 2, children))
    if fuzzy and index.vocabulary:
        names = index.vocabulary
        distances = process.cdist(
            [term for _start, _end, term in fuzzy], names, scorer=OSA.distance, score_cutoff=2, dtype=np.int32
        )
        for (start, end, term), row in zip(fuzzy, distances, strict=True):
            best = int(row.min())
            if best > 2:
                continue
            quality = ONE_TYPO if best == 1 else TWO_TYPOS
            for position in np.flatnonzero(row == best):
                name = names[position]
                if best <= allowed_typos(term) and best <= allowed_typos(name):
                    tables = ((index.first_names, firsts), (index.last_names, lasts))
                elif best == 1 and min(len(term), len(name)) <= 4:  # « Amed » for Ahmed, « Toony » for Tony
                    tables = ((index.first_names, loose),)
                else:
                    continue
                for table, out in tables:
                    children = {child: quality for child, how in table.get(name, ()) if how == "full"}
                    if children:
                        out.append(Mention(start, end, children))
    for start, end, term in compound_spans:  # one typo, in a part of five letters or more (« Léna » is not Léa)
        typed = term.split()
        for name, _distance, _position in process.extract(
            term, index.compound_first_names, scorer=OSA.distance, score_cutoff=1, limit=None
        ):
            parts = name.split()
            differing = [(part, word) for part, word in zip(parts, typed, strict=False) if part != word]
            if len(parts) == len(typed) and len(differing) == 1:
                part, word = differing[0]
                if allowed_typos(part) and len(word) >= 4:
                    children = {child: ONE_TYPO for child, how in index.first_names[name] if how == "full"}
                    firsts.append(Mention(start, end, children))
    return (*plain_words_settled(reading, firsts, lasts), loose)


def plain_words_settled(reading, firsts, lasts):
    """Very common words in lower case: a first name beside another name (« tom dupont ») or in a list of names
    (« louis et Safa Macedo »), never a family name."""

    def plain(mention):
        return any(position in reading.plain for position in range(mention.start, mention.end))

    def name_at(position):
        return (
            0 <= position < len(reading.kinds) and reading.kinds[position] == "name" and position not in reading.plain
        )

    def connector_at(position):
        return 0 <= position < len(reading.kinds) and reading.kinds[position] == "connector"

    def name_beside(mention):
        before, after = mention.start - 1, mention.end
        return (
            name_at(before)
            or name_at(after)
            or (connector_at(after) and name_at(after + 1))
            or (connector_at(before) and name_at(before - 1))
        )

    def particles_only(mention):  # « le », « de » alone are a family name (Lê, De) only with their capital
        positions = range(mention.start, mention.end)
        return all(reading.tokens[i] in legacy_index.PARTICLES for i in positions) and not any(
            reading.raw[i][:1].isupper() for i in positions
        )

    firsts = [mention for mention in firsts if not plain(mention) or name_beside(mention)]
    lasts = [mention for mention in lasts if not plain(mention) and not particles_only(mention)]
    return firsts, lasts


def weak_readings(reading, index):
    """Other readings of single words that may be first names: they count only beside the child's family name.

    A diminutive (« Mathou » for Mathilde, nicknames.py) or a first name's beginning (« Alex »
    for Alexis): too loose alone, they name a child when the family name stands beside them
    (« Chautard Alex »), as a parent writes it. A word that is itself a first name in the old
    base counts only as that name (« Louis » is not Louise, « Léo » not Léonie).
    """
    weak = []
    for position, token in enumerate(reading.tokens):
        kind = reading.kinds[position]
        if not token.isalpha() or kind == "connector" or (kind == "stop" and token not in NICKNAMES):
            continue
        if any(how == "full" for _child, how in index.first_names.get(token, ())):
            continue
        names = set(NICKNAMES.get(token, ()))
        if len(token) >= 4:
            names.update(index.first_names_starting(token))
        children = {child: WEAK for name in names for child, how in index.first_names.get(name, ()) if how == "full"}
        if children:
            weak.append(Mention(position, position + 1, children))
    return weak


def misspelt_beside_family_name(reading, lasts, last_positions, index):
    """« Calie Messaoudi »: a word beside a family name, one letter away from the first name of a child of that
    name, none of whom bears the word itself, though other children of the base may (Calie Henri). Yields
    ``(mention, family name mention)``: read as words one letter away, which only name a child of a household
    that something else shows (``rank``)."""
    for last in lasts:
        family = [child for child, quality in last.children.items() if quality == EXACT]
        first_names = {index.entries[child].first for child in family}
        for position in (last.start - 1, last.end):
            if not 0 <= position < len(reading.tokens) or reading.kinds[position] != "name":
                continue
            word = reading.tokens[position]
            if position in last_positions or word in first_names:
                continue
            children = {
                child: ONE_TYPO
                for child in family
                if OSA.distance(word, index.entries[child].first, score_cutoff=1) <= 1
            }
            if children:
                yield Mention(position, position + 1, children), last


def short_family_name_misspelt(reading, firsts, taken, index):
    """« Gréogire rooos »: a word beside a child's first name, one letter away from its family name of four
    letters or fewer, which ``find_mentions`` reads exactly or not at all (« Roos » is not Ross). Yields
    ``(child, quality of the first name)``."""
    for mention in firsts:
        for position in (mention.start - 1, mention.end):
            if not 0 <= position < len(reading.tokens) or reading.kinds[position] != "name" or position in taken:
                continue
            word = reading.tokens[position]
            if len(word) < 3:
                continue
            for child, quality in mention.children.items():
                last = index.entries[child].last
                if not allowed_typos(last) and " " not in last and OSA.distance(word, last, score_cutoff=1) == 1:
                    yield child, quality


def written_alone(reading, mention, own_names):
    """Whether a first name stands alone: no name beside it (« Sacha (8 ans) Cardinaale », « Mohamed-Amine »),
    nor the writer's family name (« Roche Etan (7 ans) »), nor in a list of names (« Alicia (13 ans), Farah
    (11 ans) et Rafael (9 ans) »: brothers and sisters, whom the household's rules read)."""
    for step, position in ((-1, mention.start - 1), (1, mention.end)):
        if not 0 <= position < len(reading.tokens):
            continue
        if reading.kinds[position] == "name" or reading.tokens[position] in own_names:
            return False
        beyond = position + step
        if (
            reading.kinds[position] == "connector"
            and 0 <= beyond < len(reading.tokens)
            and reading.kinds[beyond] == "name"
        ):
            return False
    return True


def name_lists(reading):
    """The lists of names of the message (« loukas, Kahina, Leonard et Nene »): each a list of ``(start, end)``
    items, runs of up to three name words, one or two connectors between them (« , et »)."""
    tokens, kinds = reading.tokens, reading.kinds
    lists, items, position = [], [], 0
    while position < len(tokens):
        if kinds[position] != "name":
            if len(items) >= 2:
                lists.append(items)
            items, position = [], position + 1
            continue
        end = position
        while end < len(tokens) and kinds[end] == "name" and end - position < MAX_RUN:
            end += 1
        items.append((position, end))
        gap = end
        while gap < len(tokens) and kinds[gap] == "connector" and gap - end < 2:
            gap += 1
        if gap == end or gap >= len(tokens) or kinds[gap] != "name":
            if len(items) >= 2:
                lists.append(items)
            items = []
        position = gap if gap > end else end
    if len(items) >= 2:
        lists.append(items)
    return lists


def within(mentions, item):
    """The mentions inside the item ``(start, end)`` of a list."""
    return [mention for mention in mentions if item[0] <= mention.start and mention.end <= item[1]]


def completed_lists(reading, firsts, lasts, index, named, named_in_full):
    """« loukas, Kahina, Leonard et Nene », « Gabi MARKOVIC et Mariis MARKOVIC »: in a list whose other items name
    children of one household and nothing else (two first names, or one name in full), the one item that names
    none of them, nor another family, is its one child the message names nowhere else (Inès, whom her family
    calls Nene). Yields ``(mention, child)``: read like a word one letter away (``rank``), it names the child
    only when its household is shown."""
    for items in name_lists(reading):
        by_household = defaultdict(dict)  # household → item → its children that item names
        for item in items:
            for mention in within(firsts, item):
                for child in mention.children:
                    by_household[index.entries[child].household].setdefault(item, set()).add(child)
        for household, items_naming in by_household.items():
            others = [item for item in items if item not in items_naming]
            children = {child for found in items_naming.values() for child in found}
            left = [child for child in index.households[household] if child not in children and child not in named]
            in_full = children & named_in_full
            if not (len(items_naming) >= 2 or in_full) or len(others) != 1 or len(left) != 1:
                continue
            theirs = {  # the words naming this household's children
                i
                for mention in (*firsts, *lasts)
                if any(index.entries[child].household == household for child in mention.children)
                for i in range(mention.start, mention.end)
            }
            if any(i not in theirs for item in items_naming for i in range(*item)):
                continue  # « Gabriel et Juju Deper »: a word of the items naming them is another family's name
            other = others[0]
            first_names, family_names = within(firsts, other), within(lasts, other)
            if any(
                not any(index.entries[child].household == household for child in mention.children)
                for mention in family_names
            ):
                continue  # « Léa Dupont et Tom Martin »: another family's child
            if family_names and first_names:
                continue  # « Erwan Fricker-Bardy »: a first name of the base, with the family name: another child
            # its first name, if it holds one (« j'inscris Safa »: Safa, another child's, stands for Safia); else its
            # words but the family name (« Gabi » of « Gabi MARKOVIC »)
            if first_names:
                start, end = min(m.start for m in first_names), max(m.end for m in first_names)
            else:
                taken = {i for mention in lasts for i in range(mention.start, mention.end)}
                words = [i for i in range(*other) if i not in taken] or list(range(*other))
                start, end = min(words), max(words) + 1
            yield Mention(start, end, {left[0]: ONE_TYPO}), left[0]


def joined(first, last, reading, first_positions, last_positions=frozenset()):
    """Whether a first-name mention and a last-name mention name one child: side by side, or through a list.

    A list holds first names and connectors; a word that names no one (« Jles », a typo) may stand in
    it, a family name may not (« Hugo Dupont et Léa Martin » names no Léa Dupont).
    """
    if first.end <= last.start:
        between = range(first.end, last.start)
    elif last.end <= first.start:
        between = range(last.end, first.start)
    else:
        return False
    if not between:
        return True
    if len(between) > 8 or not any(reading.kinds[i] == "connector" for i in between):
        return False
    if not all(
        reading.kinds[i] == "connector"
        or i in first_positions
        or (reading.kinds[i] == "name" and i not in last_positions)
        for i in between
    ):
        return False
    if last.end <= first.start:  # « Martin : Léa et Tom », not « Hugo Martin et Léa »
        return last.start - 1 not in first_positions
    return last.end not in first_positions  # « Léa et Tom Martin », not « Léa et Tom Martin Hugo »


@dataclass
class Evidence:
    """What points to one child."""

    identity: int = 0
    identity_reasons: list = field(default_factory=list)
    name: float = 0
    name_reason: str = ""
    first_name: float = 0
    birth_date: bool = False
    dated: bool = False  # its first name and, right after, its whole birth date are written in the message
    age_fits: bool = False  # an age or birth year written for its first name is its, and no namesake's
    loose: bool = False  # a word of four letters one letter away from its first name (« Amed » for Ahmed)
    in_list: str = ""  # the one item of a list of its siblings' first names that names none of them, as written
    mentions: set = field(default_factory=set)  # the words that name it: (text, start, end)
    wrong_age: bool = False  # ages are written, none is its age


def account_key(account):
    return name_key(account.first_name), name_key(account.last_name)


def gather(account, index, today):
    """Evidence per child index, ages reckoned on ``today``."""
    evidence = defaultdict(Evidence)

    def identity(children, points, reason):
        for child in children:
            found = evidence[child]
            found.identity = max(found.identity, points)
            if reason not in found.identity_reasons:
                found.identity_reasons.append(reason)

    email = legacy_index.normalise_email(account.email)
    if email:
        identity(index.by_email.get(email, ()), EMAIL, _("adresse e-mail du compte chez un parent de l'ancienne base"))
    if account.phone:
        identity(
            index.by_phone.get(account.phone, ()), PHONE, _("téléphone du compte chez un parent de l'ancienne base")
        )
    first, last = account_key(account)
    postal_code = (account.postal_code or "").replace(" ", "")
    living_at = index.living_at(postal_code, legacy_index.address_key(account.street))
    if first:
        identity(
            [
                child
                for child, parents in living_at.items()
                if first in {variant for parent in parents for variant in legacy_index.name_variants(parent)}
            ],
            PARENT_AT_ADDRESS,
            _("prénom et adresse du compte chez un parent de l'ancienne base"),
        )
    if first and last:
        same_name = {
            child
            for first_variant in legacy_index.name_variants(first)
            for last_variant in legacy_index.name_variants(last)
            for child in index.by_parent.get((first_variant, last_variant), ())
        }
        here = [
            child
            for child in same_name
            if postal_code and any(c.postal_code == postal_code for c in index.entries[child].contacts)
        ]
        identity(here, PARENT, _("prénom, nom et code postal du compte chez un parent de l'ancienne base"))
        identity(
            set(same_name) - set(here),
            PARENT_MOVED,
            _("prénom et nom du compte chez un parent de l'ancienne base (autre code postal)"),
        )

    texts = [(account.club_message or "", set())]
    requested = defaultdict(set)  # first name → birth dates of the children the parent tried to add
    for request in account.attachment_requests.all():
        texts.append((f"{request.first_name} {request.last_name}", {request.birth_date}))
        requested[name_key(request.first_name)].add(request.birth_date)
    for number, (text, given_dates) in enumerate(texts):
        reading = read(text, index)
        if number == 0:
            without_signature(reading, first, last, index)
        dates = reading.dates | given_dates
        # Born another day than the child the parent added: with this text's date, or for the message, the
        # dates given for that first name (« Gaby Chihi » written, added as born in 2019: the old base's Gaby
        # Chihi born in 2014 is another child).
        added = (lambda entry, dates=given_dates: dates) if number else (lambda entry: requested.get(entry.first, ()))

        firsts, lasts, loose = find_mentions(reading, index)
        first_positions = {i for mention in firsts for i in range(mention.start, mention.end)}
        last_positions = {i for mention in lasts for i in range(mention.start, mention.end)} - first_positions
        by_child_last = defaultdict(list)
        for mention in lasts:
            for child, quality in mention.children.items():
                by_child_last[child].append((mention, quality))
        for mention in firsts:
            for child, quality in mention.children.items():
                entry = index.entries[child]
                if born_otherwise(entry.birth_date, added(entry)):
                    continue
                found = evidence[child]
                # The whole birth date (or the age) written right after the first name, or after the family
                # name joined to it.
                dated = set(reading.dated.get(mention.end - 1, ()))
                joined_lasts = []
                for last_mention, last_quality in by_child_last.get(child, ()):
                    if joined(mention, last_mention, reading, first_positions, last_positions):
                        dated |= reading.dated.get(last_mention.end - 1, set())
                        joined_lasts.append(last_mention)
                        points = FULL_NAME * quality * last_quality
                        if points > found.name:
                            found.name = points
                            found.name_reason = (
                                _("prénom et nom écrits par le parent")
                                if quality * last_quality == EXACT
                                else _("prénom et nom écrits par le parent, à peu près")
                            )
                found.wrong_age = found.wrong_age or aged_otherwise(
                    entry.birth_date, stated_ages(reading, mention, joined_lasts), today
                )
                found.first_name = max(found.first_name, quality)
                found.mentions.add((number, mention.start, mention.end))
                if dates and index.entries[child].birth_date in dates:
                    found.birth_date = True
                found.dated = found.dated or entry.birth_date in dated
            # « Elsa (née en 2015) », « Margot (7 ans) »: of the children so named, the one of that age or year; not
            # with another word beside (« Sacha (8 ans) Cardinaale »: a family name we do not know)
            if not written_alone(reading, mention, set(last.split())) or reading.tokens[
                mention.start : mention.end
            ] == [first]:
                continue  # nor the writer's own first name (« Merci, Mehmet »)
            years = reading.born_in.get(mention.end - 1, set())
            # the ages written right after it, else the message's one age (« Estelle. Elle a 5 ans »)
            ages = reading.aged.get(mention.end - 1) or (set() if years else reading.lone_ages)
            fitting = [
                child
                for child, quality in mention.children.items()
                if quality == EXACT
                and (
                    index.entries[child].birth_date.year in years or age(index.entries[child].birth_date, today) in ages
                )
            ]
            if len(fitting) == 1:
                evidence[fitting[0]].age_fits = True
        for child, quality in short_family_name_misspelt(reading, firsts, first_positions | last_positions, index):
            found = evidence[child]
            if FULL_NAME * quality * ONE_TYPO > found.name:
                found.name = FULL_NAME * quality * ONE_TYPO
                found.name_reason = _("prénom et nom écrits par le parent, à peu près")
        one_letter_away = [
            *((mention, ()) for mention in loose),
            *(
                (mention, [last_mention])
                for mention, last_mention in misspelt_beside_family_name(reading, lasts, last_positions, index)
            ),
        ]
        for mention, beside in one_letter_away:
            for child in mention.children:
                entry = index.entries[child]
                if not born_otherwise(entry.birth_date, added(entry)) and not aged_otherwise(
                    entry.birth_date, stated_ages(reading, mention, beside), today
                ):
                    evidence[child].loose = True
                    evidence[child].mentions.add((number, mention.start, mention.end))
        named_here = {child for child, found in evidence.items() if found.first_name or found.name}
        in_full = {child for child, found in evidence.items() if found.name}
        for mention, child in (
            completed_lists(reading, firsts, lasts, index, named_here, in_full) if number == 0 else ()
        ):
            entry = index.entries[child]
            if child in evidence and evidence[child].loose:
                continue  # already named, one letter away (« Toony » for Tony)
            if not born_otherwise(entry.birth_date, added(entry)) and not aged_otherwise(
                entry.birth_date, stated_ages(reading, mention), today
            ):
                evidence[child].loose = True
                evidence[child].in_list = " ".join(reading.raw[mention.start : mention.end])
                evidence[child].mentions.add((number, mention.start, mention.end))
        for mention in weak_readings(reading, index):
            for child, quality in mention.children.items():
                entry = index.entries[child]
                if born_otherwise(entry.birth_date, added(entry)):
                    continue
                for last_mention, last_quality in by_child_last.get(child, ()):
                    if joined(mention, last_mention, reading, first_positions, last_positions):
                        found = evidence[child]
                        found.mentions.add((number, mention.start, mention.end))
                        found.wrong_age = found.wrong_age or aged_otherwise(
                            entry.birth_date, stated_ages(reading, mention, [last_mention]), today
                        )
                        points = FULL_NAME * quality * last_quality
                        if points > found.name:
                            found.name = points
                            found.name_reason = _("prénom abrégé ou diminutif, et nom, écrits par le parent")
                        if dates and index.entries[child].birth_date in dates:
                            found.birth_date = True
        # « Bibou Fourny 18/09/17 », « Fourny Bibou 18/09/17 »: a name we cannot read beside the family name, and
        # right after them, the birth date
        for mention in lasts:
            beside = [
                i
                for i in (mention.start - 1, mention.end)
                if 0 <= i < len(reading.kinds) and reading.kinds[i] == "name" and i not in first_positions
            ]
            dated = set(reading.dated.get(mention.end - 1, ()))
            if mention.end in beside:
                dated |= reading.dated.get(mention.end, set())
            if not beside or not dated:
                continue
            for child, last_quality in mention.children.items():
                if index.entries[child].birth_date in dated:
                    found = evidence[child]
                    found.mentions.add((number, mention.start, mention.end))
                    points = FULL_NAME * ONE_TYPO * last_quality
                    if points > found.name:
                        found.name = points
                        found.name_reason = _("nom et date de naissance écrits par le parent")
                    found.birth_date = True
        for written in reading.numbers:
            if written in index.by_legacy_id:
                found = evidence[index.by_legacy_id[written]]
                if found.name < LEGACY_NUMBER:
                    found.name = LEGACY_NUMBER
                    found.name_reason = _("numéro d'adhérent écrit par le parent")
    return evidence


@dataclass
class Support:
    """What points to a household as a whole."""

    identity: int  # the best identity evidence of its children
    points: int  # siblings, family name, postcode, parent's first name; less a stranger's
    reasons: list
    first_name_counts: bool  # whether a first name alone names one of its children
    here: bool  # the account's postcode is its
    own_name: bool = False  # the account's family name is its children's, and no other household's children's
    at_address: bool = False  # the account's street address is one of its parents'


def household_support(account, index, evidence):
    """Per household: the points and reasons that the account's identity, family name and postcode give it."""
    first, last = account_key(account)
    postal_code = (account.postal_code or "").replace(" ", "")
    address = legacy_index.address_key(account.street)
    support = {}
    touched = {index.entries[child].household for child in evidence}
    at_address = {index.entries[child].household for child in index.living_at(postal_code, address)} & touched
    for key in touched:
        members = index.households[key]
        contacts = [contact for child in members for contact in index.entries[child].contacts]
        points, reasons = 0, []
        identity = max((evidence[child].identity for child in members if child in evidence), default=0)
        named = [
            child for child in members if child in evidence and (evidence[child].name or evidence[child].first_name)
        ]
        sibling_count = len({index.entries[child].first for child in named})
        # with the item of their list that names the household's child under another name (« Nene » for Inès)
        listed = sibling_count + sum(1 for child in members if child in evidence and evidence[child].in_list)
        if sibling_count >= 2:
            points += SIBLINGS if listed == 2 else SIBLINGS + 10
            reasons.append(_("plusieurs enfants du foyer cités ensemble"))
        surnames = {contact.last for contact in contacts} | {index.entries[child].last for child in members}
        surnames = {variant for surname in surnames for variant in legacy_index.name_variants(surname)}
        if last and last in surnames:
            points += SURNAME
            reasons.append(_("même nom de famille que le compte"))
        here = bool(postal_code) and postal_code in {contact.postal_code for contact in contacts}
        if here:
            points += POSTCODE
            reasons.append(_("même code postal que le compte"))
        if key in at_address:
            points += ADDRESS
            reasons.append(_("même adresse que le compte"))
        parents = {(contact.first, contact.last) for contact in contacts if contact.first}
        stranger = bool(last in surnames and len(parents) >= 2 and first and first not in {n for n, _l in parents})
        if not identity and not (sibling_count >= 2 and here) and stranger:
            # Another family of the same name: both parents known, the account holder is neither, and one child
            # named (a new family's Alice Cochet); two of its children named in its postcode are this household.
            points -= STRANGER
        parent_first_names = {variant for name, _last in parents for variant in legacy_index.name_variants(name)}
        same_first_name = bool(first) and not identity and first in parent_first_names
        if same_first_name:
            points += PARENT_FIRST_NAME
            reasons.append(_("même prénom qu'un parent du foyer"))
        # A first name alone counts in a household that the parent's own details point to (its street
        # address among them: a step-parent living with the children), or where a sibling is named in
        # full; the family name or the parent's first name alone are not enough (other families share
        # them), but either counts with the postcode or a second child named. Three first names of one
        # household's children are that household; two, with its postcode. The address alone names no
        # one: the family that moved into the old household's flat is shown none of its children.
        siblings = sibling_count >= 2
        first_name_counts = bool(
            identity
            or key in at_address
            or any(evidence[child].name for child in named)
            or ((last in surnames or same_first_name) and (here or siblings))
            or sibling_count >= 3
            or (siblings and here)
        )
        # A family name that only this household's children bear in the old base, and the writer is not one of
        # two other parents known: a first name written by one who bears it is its child's, the family having
        # moved since (« ugo » by an Azzouz)
        own_name = (
            bool(last)
            and not stranger
            and {index.entries[child].household for child, how in index.last_names.get(last, ()) if how == "full"}
            == {key}
        )
        support[key] = Support(identity, points, reasons, first_name_counts, here, own_name, key in at_address)
    return support


@dataclass
class Scored:
    child: int  # index in the ``Index``
    score: int  # shown: 0-100
    weight: float  # the sum of the evidence, uncapped: what ranks and settles rivals
    reasons: list
    household_reasons: list  # what ties the account to its household
    named: bool  # a name written points to it
    full_name: bool  # its first and last names (or number) written together
    identity: bool  # the account's own details are a parent's of it
    mentions: set  # the words that name it
    with_household: bool = False  # its first name is written (of no other age): shown when its household is


def written_on(account):
    """The day the account's message was written, its sign-up: the ages in it were the children's on that day."""
    joined = getattr(account, "date_joined", None)
    return timezone.localdate(joined) if joined else timezone.localdate()


def score_children(account, index, today=None):
    """A ``Scored`` for every child some evidence points to; the ages written are reckoned on ``today``."""
    _first, last = account_key(account)
    evidence = gather(account, index, today or written_on(account))
    support = household_support(account, index, evidence)
    scored = []
    for child, found in evidence.items():
        household = support[index.entries[child].household]
        named = bool(found.name or found.first_name or found.loose)
        # A first name counts where something points to its household, or with the whole birth date written.
        # (or, in its household's postcode, with an age or a birth year that only it has of the children so named)
        # (or as written, by one who bears the family name only its household bears)
        first_name_counts = found.first_name and (
            household.first_name_counts
            or found.dated
            or (found.age_fits and household.here)
            or (household.own_name and found.first_name == EXACT)
        )
        if not (found.name or found.identity or first_name_counts or found.loose):
            continue  # a first name alone, in a household nothing else points to
        total, why = found.identity, list(found.identity_reasons)
        # The parent's own family name is the child's, in its postcode: the first name is its full name
        # (« Rania soyllard » written by a Soullard is as good as « Rania »).
        carried = (
            FULL_NAME * found.first_name
            if first_name_counts
            and (household.here or household.own_name)
            and last in legacy_index.name_variants(index.entries[child].last)
            else 0
        )
        if carried > found.name:
            total += carried
            why.append(_("prénom écrit par le parent, qui porte le nom de famille de l'enfant"))
        elif found.name:
            total += found.name
            why.append(found.name_reason)
        elif first_name_counts:
            total += FIRST_NAME * found.first_name
            why.append(_("prénom écrit par le parent"))
        elif found.loose and not found.in_list and (household.identity or household.at_address):
            # in the household the account's own details or its street address point to, a word one letter away
            # is the first name (« Elis » for Élise), as a word beside its family name is
            total += FIRST_NAME * ONE_TYPO
            why.append(_("prénom écrit par le parent, à une lettre près"))
        elif found.in_list:
            why.append(
                _("« %(written)s », dans la liste des enfants du foyer : le seul qu'elle ne nomme pas autrement")
                % {"written": found.in_list}
            )
        elif found.loose:
            why.append(_("prénom écrit par le parent, à une lettre près"))
        if named:
            total += household.points
            why += household.reasons
            if not found.identity and household.identity:
                total += household.identity // 2
                why.append(_("dans le foyer que désignent les coordonnées du compte"))
        if found.birth_date:
            total += BIRTH_DATE
            why.append(_("date de naissance donnée par le parent"))
        elif found.age_fits:
            total += AGE_WRITTEN
            why.append(_("âge ou année de naissance écrits par le parent"))
        elif found.wrong_age and not found.identity:
            total -= WRONG_AGE  # « Rayan (7 ans) »: the old base's Rayan is 9
        scored.append(
            Scored(
                child=child,
                score=max(0, min(round(total), 100)),
                weight=total,
                reasons=why,
                household_reasons=found.identity_reasons or household.reasons,
                named=named,
                full_name=bool(found.name),
                identity=bool(found.identity),
                mentions=found.mentions,
                with_household=bool(first_name_counts or found.loose) and not found.wrong_age,
            )
        )
    return scored


def rank(scored, index, *, threshold=THRESHOLD):
    """``(shown, homonyms)`` of ``scored``: lists of ``Scored``, best first.

    Children compete for the words that name them (« Lulu »: Lucie or Lucas; « Léa Martin »:
    this family's or another's): the best is suggested, unless the account's own details are a
    parent's of the child. Rivals of other households that tie with the best are all folded:
    nothing tells them apart, the secretariat compares their birth dates and parents. The
    others, named in full, are homonyms.
    """
    scored = sorted(scored, key=lambda s: (-s.weight, index.entries[s.child].pk))

    def rivals(found):
        entry = index.entries[found.child]
        return [("name", entry.first, entry.last), *found.mentions]

    best, households_at_best = {}, defaultdict(set)
    for found in scored:
        if found.score >= threshold:
            for key in rivals(found):
                best.setdefault(key, found.weight)
                if found.weight == best[key]:
                    households_at_best[key].add(index.entries[found.child].household)
    shown, homonyms, below = [], [], []
    for found in scored:
        keys = rivals(found)
        beaten = any(found.weight < best.get(key, 0) for key in keys)
        tied = any(found.weight == best.get(key) and len(households_at_best[key]) > 1 for key in keys)
        if found.score >= threshold and (found.identity or not (beaten or tied)):
            shown.append(found)
        elif found.full_name or (tied and not beaten and found.score >= threshold):
            # a name written, another household's child; or a child of households that nothing tells apart
            # (two of the postcode both have a Zoé and an Augustin): the secretariat compares them
            homonyms.append(found)
        elif found.with_household and not (beaten or tied):
            below.append(found)
    # A household shown brings its other children the parent named, even by a diminutive or with a typo
    # (« Nico et Issam », « Paulin et Alexsi »): their household is settled, their first name is enough.
    households = {index.entries[found.child].household for found in shown}
    kept = {id(found) for found in shown} | {
        id(found) for found in below if index.entries[found.child].household in households
    }
    shown = [found for found in scored if id(found) in kept]
    return shown, homonyms


def match_index(account, index, *, threshold=THRESHOLD, today=None):
    """``(shown, homonyms)`` of ``account`` against ``index`` alone (no database: for tests and benchmarks)."""
    return rank(score_children(account, index, today), index, threshold=threshold)


def match_account(account, *, limit=10, threshold=THRESHOLD, today=None):
    """The ``Matches`` of ``account``, computed now (``stored.stored_matches`` keeps the page's copy).

    ``today``: the day the ages written are reckoned on, by default the sign-up's (``written_on``): a
    pending account's suggestions do not change as its children have birthdays.
    """
    index = legacy_index.current(base_version(), latest=base_version)
    scored = score_children(account, index, today)
    # Children attached since the index was built leave the contest before it is settled (one query).
    children = Child.objects.filter(status=ChildStatus.MIGRATED).in_bulk(
        [index.entries[found.child].pk for found in scored]
    )
    scored = [found for found in scored if index.entries[found.child].pk in children]
    shown, homonyms = rank(scored, index, threshold=threshold)
    shown, homonyms = shown[:limit], homonyms[:limit]

    def suggestion(found):
        entry = index.entries[found.child]
        return Suggestion(
            child=children[entry.pk],
            score=found.score,
            reasons=found.reasons,
            household=entry.household,
            named=found.named,
        )

    households, found_in = {}, defaultdict(list)
    for found in shown:
        entry = index.entries[found.child]
        if entry.household not in households:
            households[entry.household] = Household(key=entry.household)
        households[entry.household].suggestions.append(suggestion(found))
        found_in[entry.household].append(found)
    for key, household in households.items():
        confirmed = [found for found in found_in[key] if found.identity]
        household.confirmed = bool(confirmed)
        # What ties the account to it: the parent's details, else what its best child was credited with.
        reasons = [reason for found in confirmed or found_in[key][:1] for reason in found.household_reasons]
        household.evidence = list(dict.fromkeys(reasons))
    return Matches(households=list(households.values()), homonyms=[suggestion(found) for found in homonyms])


def suggest_children(account, *, limit=10, threshold=THRESHOLD):
    """The migrated children that probably belong to ``account``, best first (the households' flattened)."""
    return match_account(account, limit=limit, threshold=threshold).suggestions[:limit]


def base_version():
    """The old base's current version (one query): a token, "" before the first change."""
    return BaseVersion.objects.values_list("version", flat=True).first() or ""


def bump_base_version():
    """The old base's records changed: every stored suggestion and index is out of date."""
    token = uuid.uuid4().hex
    if not BaseVersion.objects.update(version=token, changed_at=timezone.now()):
        BaseVersion.objects.create(version=token)
