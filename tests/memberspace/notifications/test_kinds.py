"""The kinds of message: one list, declared by the apps that send them, matching the templates."""

from pathlib import Path

import pytest
from django.template.loader import get_template

from memberspace.notifications import kinds
from memberspace.notifications.services import notify, notify_address
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]
LAYOUTS = {"base_email", "text_email"}  # what the messages extend, not messages


def test_every_declared_kind_has_its_email_templates():
    for kind in kinds.declared():
        for part in ("subject.txt", "txt", "html"):
            get_template(f"notifications/{kind}.{part}")  # raises if missing


def test_every_message_template_belongs_to_a_declared_kind():
    found = {
        path.name.split(".")[0]
        for path in ROOT.glob("memberspace/**/templates/notifications/*.*")
        if "site-packages" not in path.parts
    }
    assert found - LAYOUTS == set(kinds.declared())


def test_each_kind_is_declared_by_the_app_whose_templates_hold_it():
    for path in ROOT.glob("memberspace/*/templates/notifications/*.subject.txt"):
        app = path.relative_to(ROOT / "memberspace").parts[0]
        hooks_source = (ROOT / "memberspace" / app / "wagtail_hooks.py").read_text()
        assert f'"{path.name.split(".")[0]}"' in hooks_source, path


@pytest.mark.django_db
def test_an_undeclared_kind_is_refused_before_anything_is_queued():
    user = UserFactory()
    with pytest.raises(ValueError, match="enrolment_validated"):
        notify(user, "enrolment_validated", {})  # a typo of enrollment_validated
    with pytest.raises(ValueError, match="coparent_invite"):
        notify_address("someone@exemple.fr", "coparent_invite", {})
    assert not user.notifications.exists()


def test_the_outbox_filter_names_a_kind_in_french_and_leaves_allauths_codes():
    assert kinds.label("enrollment_validated") == "Inscription validée"
    assert kinds.label("compte/email_confirmation_signup") == "compte/email_confirmation_signup"
