"""The matching's evaluation set (benchmarks/matching_eval): seeded, labelled, realistic, loaded for real."""

import re

import pytest

from benchmarks.matching_eval import names, writing
from benchmarks.matching_eval.generator import STYLES, generate


@pytest.fixture(scope="module")
def default_set():
    return generate(seed=1, children=2000, signups=400)


def test_the_same_seed_gives_the_same_set_and_another_seed_another():
    assert generate(seed=5, children=300, signups=60).digest() == generate(seed=5, children=300, signups=60).digest()
    assert generate(seed=5, children=300, signups=60).digest() != generate(seed=6, children=300, signups=60).digest()


def test_the_base_and_the_sign_ups_have_the_sizes_asked(default_set):
    assert len(default_set.children) == 2000
    assert len(default_set.signups) == 400
    assert len({child.legacy_id for child in default_set.children}) == 2000


def test_at_least_a_fifth_are_new_families_whose_children_were_never_members(default_set):
    new = [signup for signup in default_set.signups if signup.new_family]
    assert len(new) >= 0.2 * len(default_set.signups)
    assert all(not signup.family and not signup.named and signup.new_children for signup in new)
    # Drawn from the same pools as the members: their first names are the members' first names.
    members = {writing.fold(child.first_name) for child in default_set.children}
    new_first_names = [writing.fold(text.split(" ", 1)[0]) for signup in new for text in signup.new_children]
    assert sum(name in members for name in new_first_names) >= 0.5 * len(new_first_names)


def test_every_listed_style_occurs(default_set):
    seen = {style for signup in default_set.signups for style in signup.styles}
    assert set(STYLES) <= seen, set(STYLES) - seen


def test_labels_are_consistent_with_the_base(default_set):
    by_id = {child.legacy_id: child for child in default_set.children}
    for signup in default_set.signups:
        if signup.new_family:
            continue
        assert signup.family, signup
        assert set(signup.named) <= set(signup.family), signup  # a named child belongs to the family
        assert all(signup.person in by_id[legacy_id].parents for legacy_id in signup.family)
        assert signup.referred
        if "empty" in signup.styles:
            assert signup.club_message == ""
        if "attachment_request" in signup.styles:
            assert signup.attachments
        for first, _last, birth in signup.attachments:  # an attachment request names a child of the family
            assert any(
                writing.fold(first) == writing.fold(by_id[legacy_id].first_name)
                and abs((birth - by_id[legacy_id].birth_date).days) <= 1
                for legacy_id in signup.named
            ), signup


def test_a_full_named_child_is_written_in_the_message(default_set):
    """« full_names » sign-ups write each named child's surname, as typed (typos, capitals, particles)."""
    by_id = {child.legacy_id: child for child in default_set.children}
    checked = 0
    for signup in default_set.signups:
        if signup.new_family or "full_names" not in signup.styles or {"typo", "particle"} & set(signup.styles):
            continue
        message = writing.fold(signup.club_message)
        for legacy_id in signup.named:
            assert writing.fold(by_id[legacy_id].last_name) in message, (signup, by_id[legacy_id])
            checked += 1
    assert checked > 50


def test_name_frequencies_match_the_published_facts():
    """Martin ≈ 0.35 % of people; a year's top first name ≈ 1–2 % of its sex; the top 100 surnames 5–9 %."""
    calibration = names.calibration()
    for label, row in calibration.items():
        if row["name"] == "Martin":
            assert 0.003 <= row["top_share"] <= 0.004
            assert 0.05 <= row["top100_share"] <= 0.09
        else:
            assert 0.01 <= row["top_share"] <= 0.02, label
            assert 0.3 <= row["top100_share"] <= 0.45, label


def test_homonyms_happen(default_set):
    """Same first and last name in two households: a town of 2,000 children has a few."""
    assert default_set.homonym_pairs() >= 1


@pytest.mark.django_db
def test_the_export_is_written_in_the_old_formats_and_goes_through_the_real_importer(tmp_path):
    from benchmarks.matching_eval.generator import export_rows
    from benchmarks.matching_eval.load import load
    from memberspace.accounts.models import ParentAccount
    from memberspace.families.models import Child, ChildStatus
    from memberspace.legacy.models import AttachmentRequest, LegacyContact

    evaluation = generate(seed=2, children=200, signups=60)
    rows = export_rows(evaluation)
    phones = [row[8] for row in rows if row[8]]
    assert any(re.fullmatch(r"0\d( \d\d){4}", phone) for phone in phones)
    assert any(re.fullmatch(r"0\d(\.\d\d){4}", phone) for phone in phones)
    assert any(phone.startswith("+33 ") for phone in phones)
    assert any(row[7] and row[7].isupper() for row in rows)  # emails in capitals now and then

    loaded = load(evaluation, tmp_path)

    assert loaded.import_report.created == 200 and not loaded.import_report.warnings
    assert Child.objects.filter(status=ChildStatus.MIGRATED).count() == 200
    persons = {person.email: person for person in evaluation.persons.values() if person.email}
    for contact in LegacyContact.objects.exclude(email=""):
        assert contact.email in persons  # lower-cased by the importer
        assert contact.phone == "" or contact.phone.startswith("+33")
    assert ParentAccount.objects.count() == 60
    account = loaded.accounts[evaluation.signups[0].key]
    assert account.phone.startswith("+33") and len(account.phone) == 12  # E.164, as the sign-up form stores it
    assert AttachmentRequest.objects.count() == sum(len(signup.attachments) for signup in evaluation.signups)
