"""Common French diminutives, and the first names each may stand for.

Parents write the names they use at home: « Mathou » for Mathilde, « Béné » for Bénédicte.
A diminutive counts as its first names in the matching (memberspace/legacy/matching.py),
less than the name itself, and only beside the family name or in a household the parent's
own details point to. Compound first names typed in part (« Marie » for Marie-Claire,
« Anne-So » for Anne-Sophie, « PL » for Pierre-Louis) need no entry here: the matching
reads them from the name's parts.

Keys and names are written as ``families.text.name_key`` writes them (no accents, lower
case). Kept short on purpose: a diminutive listed here that is also a given name (Tom,
Léo, Max) still matches that name first, as the closest one.
"""

NICKNAMES = {
    "alex": ("alexandre", "alexis", "alexandra", "alexia", "alexane"),
    "anto": ("antoine", "antonin", "antonio"),
    "bapt": ("baptiste", "jean baptiste"),
    "baptou": ("baptiste",),
    "bene": ("benedicte", "benedict", "benoit"),
    "ben": ("benjamin", "benoit"),
    "benji": ("benjamin",),
    "cami": ("camille",),
    "cam": ("camille",),
    "cath": ("catherine",),
    "charly": ("charles", "charlotte"),
    "chacha": ("charlotte",),
    "clem": ("clement", "clemence", "clementine"),
    "flo": ("florian", "florent", "florence", "flore", "floriane"),
    "gab": ("gabriel", "gabrielle"),
    "gaby": ("gabriel", "gabrielle"),
    "isa": ("isabelle", "isaure"),
    "jo": ("joseph", "josephine", "johanna", "jordan", "joachim", "jonathan"),
    "jojo": ("joseph", "josephine", "johanna", "jordan"),
    "juju": ("julie", "julien", "juliette", "justine"),
    "lolo": ("laurent", "laure", "lola", "lorenzo"),
    "loulou": ("louise", "louis", "lou"),
    "lulu": ("lucie", "lucien", "lucas", "lucille"),
    "manu": ("emmanuel", "emmanuelle", "manuel"),
    "mathou": ("mathilde", "mathis", "matheo"),
    "max": ("maxime", "maxence", "maximilien"),
    "mel": ("melanie", "melissa", "melina"),
    "nico": ("nicolas",),
    "nat": ("nathan", "nathalie", "nathanael"),
    "nath": ("nathan", "nathalie", "nathanael"),
    "raph": ("raphael", "raphaelle"),
    "sam": ("samuel", "samantha", "samy"),
    "seb": ("sebastien",),
    "steph": ("stephane", "stephanie"),
    "tim": ("timothee", "timeo", "tim"),
    "titou": ("titouan",),
    "val": ("valentin", "valentine", "valerie"),
    "vic": ("victor", "victoria", "victoire"),
    "zaza": ("isabelle",),
}
