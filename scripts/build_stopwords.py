"""Write memberspace/legacy/data/stopwords_fr.txt: the most frequent French words, as the matching compares them.

The matching never takes a common French word for a name (« faire du foot » is not Fabre,
« depuis 2022 » is not Dupuis). The list comes from wordfreq's French frequencies (a
blend of subtitles, Wikipedia, news and web text), not from a hand-made list. Names are
frequent words too (Martin, Pierre, Rose): the matching takes back, when it builds its
index, every word that is a name in the old base (memberspace/legacy/index.py).

    .venv/bin/python scripts/build_stopwords.py          # rewrite the file
    .venv/bin/python scripts/build_stopwords.py --check  # exit 1 if the file is not what wordfreq gives
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from memberspace.families.text import name_key  # noqa: E402

TARGET = ROOT / "memberspace" / "legacy" / "data" / "stopwords_fr.txt"
SIZE = 15_000  # words by frequency: the rarest kept are words like « explicite », « engins »


def build():
    from importlib.metadata import version

    import wordfreq

    words = {}
    for word in wordfreq.top_n_list("fr", SIZE):
        frequency = wordfreq.zipf_frequency(word, "fr")
        for part in name_key(word).split():
            if part.isalpha():
                words[part] = max(words.get(part, 0), frequency)
    header = (
        f"# The {SIZE:,} most frequent French words of wordfreq {version('wordfreq')} (lower case, accents"
        " removed),\n# one per line with its Zipf frequency (6: once per thousand words; 3: once per million).\n"
        "# Written by scripts/build_stopwords.py: do not edit by hand.\n"
    )
    return header + "".join(f"{word} {words[word]:.2f}\n" for word in sorted(words))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = build()
    if args.check:
        if TARGET.read_text(encoding="utf-8") != text:
            sys.exit(f"{TARGET} is not what wordfreq gives: run scripts/build_stopwords.py")
        print(f"{TARGET.relative_to(ROOT)} is up to date.")
        return
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {text.count(chr(10)) - 3} words.")


if __name__ == "__main__":
    main()
