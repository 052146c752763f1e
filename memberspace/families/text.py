"""Normalising names for comparison: accents, case, hyphens and punctuation do not count."""

import re
import unicodedata

NON_ALNUM = re.compile(r"[^a-z0-9]+")


def strip_accents(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_key(text):
    """``"Léa-Marie  d'Estaing"`` → ``"lea marie d estaing"``."""
    folded = strip_accents(text).lower().replace("œ", "oe").replace("æ", "ae")
    return NON_ALNUM.sub(" ", folded).strip()
