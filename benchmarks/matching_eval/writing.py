"""How parents write their children's names and their messages: our own tables, not the matcher's.

Written for this evaluation without reading memberspace/legacy/ (its nickname and stop-word
tables): a diminutive here is one a French parent or teacher uses, from our own knowledge;
the templates mimic real messages typed in a sign-up form (greetings, sports, dates, ages,
look-alike words such as « foot », « depuis », « voudrait », « faire »).
"""

import unicodedata

# Common French diminutives, by given name (accents as given). Several names share one
# (« Jo », « Alex », « Max », « Lulu »): that ambiguity is real, and part of the test.
DIMINUTIVES = {
    "Alexandre": ["Alex"],
    "Alexis": ["Alex"],
    "Alexandra": ["Alex", "Sandra"],
    "Anne-Sophie": ["Anne-So"],
    "Anne-Laure": ["Anne-Lo"],
    "Antoine": ["Tonio", "Toinou"],
    "Augustin": ["Gus"],
    "Auguste": ["Gus"],
    "Baptiste": ["Bapt", "Titi"],
    "Bénédicte": ["Béné"],
    "Benjamin": ["Ben", "Benji"],
    "Camille": ["Cam", "Mimi"],
    "Capucine": ["Capu"],
    "Charlotte": ["Cha", "Charlie", "Lolotte"],
    "Clémence": ["Clem"],
    "Clément": ["Clem"],
    "Constance": ["Coco"],
    "Élisabeth": ["Babeth", "Lili"],
    "Élise": ["Lili"],
    "Emmanuel": ["Manu"],
    "Emmanuelle": ["Manue"],
    "Florian": ["Flo"],
    "Flora": ["Flo"],
    "Florentin": ["Flo"],
    "Gabriel": ["Gabi"],
    "Gabrielle": ["Gaby"],
    "Guillaume": ["Guigui", "Guillou"],
    "Jean-Baptiste": ["JB"],
    "Jonathan": ["Jo", "Jon"],
    "Johanna": ["Jo"],
    "Joseph": ["Jo", "Jojo"],
    "Joséphine": ["Jo", "Fifine"],
    "Jordan": ["Jo"],
    "Julien": ["Juju"],
    "Juliette": ["Juju", "Jules"],
    "Léonard": ["Léo"],
    "Léonie": ["Léo"],
    "Louise": ["Loulou", "Lou"],
    "Louis": ["Loulou"],
    "Lucas": ["Lulu", "Luc"],
    "Lucie": ["Lulu", "Lulu"],
    "Maëlys": ["Maé"],
    "Manon": ["Manou"],
    "Marguerite": ["Margot"],
    "Marie-Lou": ["Malou"],
    "Mathilde": ["Mathou", "Matou", "Tilde"],
    "Mathias": ["Matt"],
    "Matthieu": ["Matt", "Mat"],
    "Maxime": ["Max"],
    "Maximilien": ["Max"],
    "Maxence": ["Max"],
    "Nicolas": ["Nico", "Colas"],
    "Pierre-Louis": ["PL"],
    "Pierre-Antoine": ["PA"],
    "Marc-Antoine": ["MA"],
    "Raphaël": ["Raph"],
    "Raphaëlle": ["Raph"],
    "Romain": ["Romi"],
    "Samuel": ["Sam", "Samy"],
    "Samantha": ["Sam"],
    "Sébastien": ["Seb"],
    "Stéphane": ["Steph"],
    "Théodore": ["Théo"],
    "Thomas": ["Tom", "Tomtom"],
    "Timothée": ["Tim", "Timo"],
    "Valentin": ["Val"],
    "Valentine": ["Val", "Tine"],
    "Victoire": ["Vic"],
    "Victoria": ["Vicky", "Vic"],
    "Victor": ["Vic"],
    "Anaïs": ["Nana"],
    "Margaux": ["Margot", "Go"],
    "Mathéo": ["Math"],
    "Mattéo": ["Matt"],
    "Nathan": ["Nat"],
    "Nathanaël": ["Nat"],
    "Apolline": ["Polo", "Lolo"],
    "Éléonore": ["Léo", "Nono"],
    "Adrien": ["Adri"],
    "Bastien": ["Bast"],
    "Jérémy": ["Jérém"],
    "Charles": ["Charly"],
    "Amandine": ["Mandine"],
    "Caroline": ["Caro"],
    "Isabelle": ["Isa", "Zaza"],
    "Emma": ["Emmy"],
    "Inès": ["Nene"],
    "Ambre": ["Bibou"],
}

# Typing on an AZERTY keyboard: a letter's neighbours.
NEIGHBOURS = {
    "a": "zqs", "z": "aes", "e": "zrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok",
    "o": "ipl", "p": "om", "q": "asw", "s": "qdz", "d": "sfe", "f": "dgr", "g": "fht", "h": "gjy",
    "j": "hku", "k": "jli", "l": "kmo", "m": "lp", "w": "xq", "x": "wc", "c": "xv", "v": "cb",
    "b": "vn", "n": "bm",
}  # fmt: skip


def strip_accents(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text):
    """Lower case, no accents, single spaces: how labels compare names (« Léa-Rose » → « lea rose »)."""
    folded = strip_accents(text).lower()
    return " ".join("".join(char if char.isalnum() else " " for char in folded).split())


def diminutives(first_name):
    return DIMINUTIVES.get(first_name, [])


def typo(rng, word):
    """One slip of the fingers: two letters swapped, one dropped, doubled or a neighbour key."""
    letters = [index for index, char in enumerate(word) if char.isalpha()]
    if len(letters) < 4:
        return word
    index = rng.choice(letters[1:])  # the first letter is rarely wrong
    kind = rng.random()
    if kind < 0.3 and index + 1 < len(word) and word[index + 1].isalpha() and word[index + 1] != word[index]:
        return word[:index] + word[index + 1] + word[index] + word[index + 2 :]
    if kind < 0.55:
        return word[:index] + word[index + 1 :]
    if kind < 0.75:
        return word[:index] + word[index] + word[index:]
    char = strip_accents(word[index]).lower()
    if char not in NEIGHBOURS:
        return word[:index] + word[index + 1 :]
    return word[:index] + rng.choice(NEIGHBOURS[char]) + word[index + 1 :]


def particle_as_typed(rng, surname):
    """« De La Tour » as parents write it: « de La Tour », « Delatour », « DE LA TOUR », « de la tour »."""
    parts = surname.split()
    style = rng.random()
    if style < 0.4:
        return " ".join([part.lower() for part in parts[:-1]] + parts[-1:])
    if style < 0.6:
        return "".join(parts).capitalize()
    if style < 0.8:
        return surname.upper()
    return surname.lower()


# How people shorten a kind of street when they type their address (written here, not taken from the matcher).
STREET_ABBREVIATIONS = {"rue": ["r.", "r"], "avenue": ["av.", "av", "ave"], "boulevard": ["bd", "bd.", "boul."],
                        "allée": ["all.", "allee"], "impasse": ["imp.", "imp"], "place": ["pl.", "pl"]}  # fmt: skip
ADDRESS_COMPLEMENTS = ["appt {n}", "apt {n}", "bât. B", "bat A", "{n}e étage", "appartement {n}", "Bât C appt {n}"]


def address_as_typed(rng, street):
    """« 12 rue des Lilas » as people type it in a form: as is, in lower or upper case, with a comma after
    the number, the kind of street shortened, a flat or floor after it, or a slip of the fingers."""
    number, kind, rest = (street.split(" ", 2) + ["", ""])[:3]
    style = rng.random()
    if style < 0.4:
        return street
    if style < 0.55:
        return street.lower()
    if style < 0.6:
        return street.upper()
    if style < 0.7:
        return f"{number}, {kind} {rest}"
    if style < 0.82:
        return f"{number} {rng.choice(STREET_ABBREVIATIONS.get(kind, [kind]))} {rest}"
    if style < 0.94:
        separator = rng.choice([", ", " ", " - "])
        return f"{street}{separator}{rng.choice(ADDRESS_COMPLEMENTS).format(n=rng.randint(1, 40))}"
    words = rest.split()
    longest = max(range(len(words)), key=lambda index: len(words[index]))
    words[longest] = typo(rng, words[longest])
    return f"{number} {kind} {' '.join(words)}"


OPENINGS = ["Bonjour,", "Bonjour !", "Bonjour", "Bonsoir,", "Madame, Monsieur,", "Hello,", "", "", "Coucou,"]
CLOSINGS = [
    "Merci !", "Merci d'avance.", "Cordialement.", "Bonne journée", "Merci beaucoup", "", "", "",
    "Bien cordialement,", "A bientôt",
]  # fmt: skip
SIGNATURES = ["{parent}", "{parent_full}", "Cordialement, {parent_full}", "Merci, {parent}"]

# Sentences around the children's names ({names}: one or several children, {one}: the first).
NAMING = [
    "Je souhaite réinscrire {names} pour la rentrée.",
    "mes enfants {names} sont au judo depuis 2 ans",
    "{names} voudrait faire du foot cette année.",
    "Réinscription de {names} svp",
    "Nous avons déjà un compte dans l'ancienne base pour {names}.",
    "{names} étaient déjà adhérents l'an dernier (théâtre et multisports).",
    "Inscription {names}",
    "{names}",
    "enfants : {names}",
    "Je voudrais inscrire {names} au stage de foot depuis la fin des vacances.",
    "{names} font de la danse au PO depuis 2022, on continue !",
    "Pour {names}, déjà inscrits au club",
    "Nous revenons après une année sans : {names}.",
    "{names} aimerait refaire de l'escalade, il en fait depuis le CP.",
    "Bonjour je suis la maman de {names}",
    "Bonjour, je suis le papa de {names}.",
    "Anciens adhérents : {names}.",
    "{names} - déjà venus en séjour ski",
]
NAMING_ONE_GIRL = [
    "Ma fille {names} était inscrite à la danse l'an dernier.",
    "je souhaite réinscrire ma fille {names}",
    "{names} voudrait faire du hip-hop avec sa copine",
]
NAMING_ONE_BOY = [
    "Mon fils {names} a fait le stage multisports depuis 2023.",
    "je souhaite réinscrire mon fils {names} au foot",
    "{names} voudrait continuer la guitare",
]
TWINS = [
    "mes jumeaux {names}",
    "Les jumelles {names} voudraient faire de la gym",
    "{names} (jumeaux) sont au foot depuis 3 ans",
]
VAGUE = [
    "Bonjour, je souhaite réinscrire ma fille.",
    "Je souhaite réinscrire mon fils.",
    "Nous étions déjà adhérents.",
    "Déjà inscrits l'an dernier, merci de faire le lien.",
    "Mes enfants étaient au club avant.",
    "Bonjour",
    "Voir avec le secrétariat, merci",
    "Mes deux enfants voudraient faire du foot et de la danse.",
    "on a déjà un dossier chez vous depuis 2021",
    "Bonjour, nous avons changé d'adresse depuis la dernière fois.",
]
EXTRAS = [
    "Ils veulent faire du foot et de la danse.",
    "On habite toujours au même endroit.",
    "Mon numéro a changé.",
    "J'ai une nouvelle adresse mail.",
    "Est-ce que le judo reprend en septembre ?",
    "Merci pour tout ce que vous faites.",
    "Nous avons déménagé depuis.",
    "Elle voudrait faire du théâtre, il voudrait faire du foot.",
]

# What a guardian the old base does not know writes, by role and sex.
GUARDIANS = {
    "grandparent": {
        "F": ["Je suis la grand-mère de {names}, j'inscris mes petits-enfants pour ma fille.",
              "Inscription de mes petits-enfants {names}", "Bonjour, je m'occupe de l'inscription de {names}."],
        "M": ["Je suis le grand-père de {names}, je fais l'inscription pour mon fils.",
              "Inscription de mes petits-enfants {names}", "Bonjour, je m'occupe de l'inscription de {names}."],
    },
    "step_parent": {
        "F": ["Je suis la belle-mère de {names}.", "Bonjour, j'inscris {names} (les enfants de mon conjoint)."],
        "M": ["Je suis le beau-père de {names}.", "Bonjour, j'inscris {names} (les enfants de ma compagne)."],
    },
}  # fmt: skip

# Numbers that are not member numbers (ages, years, counts): a matcher must not read them as « n° ».
AGE_REMARKS = {
    "F": ["Elle n'a que {age} ans.", "elle a {age} ans", "Elle aura {age} ans en septembre."],
    "M": ["Il n'a que {age} ans.", "il a {age} ans", "Il aura {age} ans en septembre."],
}
YEAR_REMARKS = [
    "Au club depuis {year}.", "Nous sommes adhérents depuis {year}.", "On était venus en {year} pour le stage.",
    "2 enfants cette année.", "Séjour ski {year}-{next_year} génial !",
]  # fmt: skip

# A member number quoted from an old card or receipt ({number}: the child's number in the old base).
MEMBER_NUMBERS = [
    "n° {number}", "(n° adhérent {number})", "numéro d'adhérent {number}", "N°{number}", "adhérent n°{number}",
    "(carte n° {number})",
]  # fmt: skip
NUMBER_ONLY = [
    "Réinscription, n° adhérent {number}.", "Bonjour, notre numéro d'adhérent était le {number}.",
    "Ancien adhérent n° {number}, merci", "N° {number}",
]  # fmt: skip


def join_names(items):
    """« Léa », « Léa et Tom », « Léa, Tom et Hugo »."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]
