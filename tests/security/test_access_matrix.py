"""The access matrix (issue 7, item 2): every member-area and secretariat URL, tried as every role.

The URLs come from Django's resolver (every pattern under /espace-adherent/ and
the concept apps' admin URLs) and from Wagtail's bulk-action registry (the secretariat's
bulk actions), not from a list kept by hand: a URL added there and unknown to
``SPECS`` below fails ``test_the_matrix_knows_every_url``, so the matrix stays
complete.

Each URL is filled with an object of the right family (a child, an enrollment,
an invitation...) of one family whose records carry markers (see conftest.py),
then asked by seven roles: the owner (guardian who made the records), the
co-parent (the child's other guardian), another family's parent, a parent still
pending (already attached to the child by the secretariat), a communication
editor (Wagtail staff without the secretariat's permissions), an anonymous
visitor, and the secretariat. Every request runs in a savepoint rolled back
afterwards, so each role meets the same world.

For each (URL, method, role): the outcome is the one expected (``ok`` = 200;
``done`` = redirected *and* the records changed; anything else means the
records did not change); for the outsiders (other, pending, editor,
anonymous) neither the response nor the page it redirects to contains any
marker; and an outsider gets the same answer for an id that exists and one
that does not (ids cannot be enumerated).
"""

import io
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from wagtail.admin.views.bulk_action.registry import bulk_action_registry

from memberspace.families.models import Child
from memberspace.notifications.models import Notification
from tests.security.conftest import (
    CHILD_FIRST,
    CHILD_LAST,
    HEALTH,
    MEMBER_APPS,
    MISSING_ID,
    MODEL_APPS,
    OUTSIDERS,
    OWNER_EMAIL,
    OWNER_LAST,
    ROLES,
    body_of,
    leaked_markers,
    rolled_back,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world):
    """One world for the whole module: each test runs in a savepoint rolled back after it."""
    return shared_world


MEMBER_PREFIX = "espace-adherent/"
ADMIN_PREFIXES = tuple(f"admin/^{app}/" for app in MEMBER_APPS)
ID_KEYS = {"pk", "instance_pk", "offer_pk", "enfant", "id"}


# The URLs, from the resolver and the bulk-action registry


def walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            for sub_route, name, params in walk(pattern, route):
                yield sub_route, (namespace + name if name else name), params
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name, sorted(pattern.pattern.regex.groupindex)


def protected_urls():
    """``{name: parameters}`` of every member-area and secretariat URL, and ``bulk:`` names of bulk actions."""
    urls = {}
    for route, name, params in walk(get_resolver()):
        if route.startswith((MEMBER_PREFIX, *ADMIN_PREFIXES)):
            assert name, f"{route} has no name: the matrix cannot reverse it"
            urls[name] = params
    bulk_action_registry._scan_for_bulk_actions()  # what Wagtail does on its first bulk-action request
    for model_name, app in MODEL_APPS.items():
        for action in bulk_action_registry.actions.get(app, {}).get(model_name, {}):
            if True:
                urls[f"bulk:{model_name}:{action}"] = ["id"]
    return urls


# What each role should get

R = ROLES
OK, DONE, DASHBOARD, LOGIN, ADMIN_HOME = "ok", "done", "dashboard", "login", "admin-home"


def expect(default, **by_role):
    unknown = set(by_role) - set(R)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in R}


# A validated parent's feature (validated_parent_required): staff and pending accounts go to the dashboard.
MEMBER_OWN = expect(DASHBOARD, owner=OK, coparent=OK, other="404", anonymous=LOGIN)
MEMBER_OWN_POST = expect(DASHBOARD, owner=DONE, coparent=DONE, other="404", anonymous=LOGIN)
MEMBER_PAGE = expect(DASHBOARD, owner=OK, coparent=OK, other=OK, anonymous=LOGIN)
# The secretariat's screens: 403 to staff without the permission, the login to everyone else.
ADMIN_VIEW = expect(LOGIN, editor="403", secretary=OK)
ADMIN_ACT = expect(LOGIN, editor="403", secretary=DONE)
# Create, edit and delete are off for everyone (read-only records): Wagtail's refusal, the admin's home.
ADMIN_READ_ONLY = expect(LOGIN, editor="403", secretary=ADMIN_HOME)
# Wagtail's screens for managing users: neither the editor nor the secretariat manages users.
ADMIN_DENIED = expect(LOGIN, editor=ADMIN_HOME, secretary=ADMIN_HOME)


@dataclass
class Target:
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    method: str = "GET"
    data: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)
    shows: str = ""  # a marker the family's own page must show (so that the leak checks are not vacuous)
    shows_for: tuple = ()  # who sees it: by default the guardians in the member area, the secretariat in the admin

    def showing_roles(self, name):
        if self.shows_for:
            return self.shows_for
        return ("owner", "coparent") if name.startswith("memberspace:") else ("secretary",)

    def url(self, name, kwargs=None, query=None):
        kwargs = self.kwargs if kwargs is None else kwargs
        query = self.query if query is None else query
        if name.startswith("bulk:"):
            _bulk, model_name, action = name.split(":")
            path = reverse("wagtail_bulk_action", args=[MODEL_APPS[model_name], model_name, action])
        else:
            path = reverse(name, kwargs=kwargs)
        return f"{path}?{urlencode(query, doseq=True)}" if query else path

    def missing(self, name):
        """This URL with every id replaced by one that does not exist; None if it has no id."""
        kwargs = {key: MISSING_ID if key in ID_KEYS else value for key, value in self.kwargs.items()}
        query = {key: MISSING_ID if key in ID_KEYS else value for key, value in self.query.items()}
        if kwargs == self.kwargs and query == self.query:
            return None
        return self.url(name, kwargs, query)


def child_form(world, **changes):
    child = world.child
    return {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "birth_date": child.birth_date.isoformat(),
        "sex": child.sex,
        "school_level": child.school_level,
        "health_notes": child.health_notes,
        "emergency_contact_name": child.emergency_contact_name,
        "emergency_contact_phone": "01 42 68 53 00",
        "may_leave_alone": "False",
        **changes,
    }


def member(name, targets):
    return (f"memberspace:{name}", targets)


def get_and_post(kwargs, get, post, data, query=None, shows="", shows_for=()):
    return [
        Target(kwargs=kwargs, query=query or {}, expected=get, shows=shows, shows_for=shows_for),
        Target(kwargs=kwargs, query=query or {}, method="POST", data=data, expected=post),
    ]


def admin_model(model, instance, actions, read_shows):
    """The URLs of one secretariat ModelAdmin: index, inspect, history, read-only views, actions."""
    specs = {
        f"{MODEL_APPS[model]}_{model}_modeladmin_index": lambda w: [Target(expected=ADMIN_VIEW, shows=read_shows)],
        f"{MODEL_APPS[model]}_{model}_modeladmin_create": lambda w: [Target(expected=ADMIN_READ_ONLY)],
        f"{MODEL_APPS[model]}_{model}_modeladmin_inspect": lambda w: [
            Target(kwargs={"instance_pk": instance(w)}, expected=ADMIN_VIEW, shows=read_shows)
        ],
        f"{MODEL_APPS[model]}_{model}_modeladmin_history": lambda w: [
            Target(kwargs={"instance_pk": instance(w)}, expected=ADMIN_VIEW)
        ],
    }
    for view in ("edit", "delete"):
        specs[f"{MODEL_APPS[model]}_{model}_modeladmin_{view}"] = lambda w: [
            Target(kwargs={"instance_pk": instance(w)}, expected=ADMIN_READ_ONLY),
            Target(kwargs={"instance_pk": instance(w)}, method="POST", expected=ADMIN_READ_ONLY),
        ]
    for action, (target_of, data) in actions.items():
        specs[f"{MODEL_APPS[model]}_{model}_modeladmin_{action}"] = lambda w, target_of=target_of, data=data: (
            get_and_post({"instance_pk": target_of(w)}, ADMIN_VIEW, ADMIN_ACT, data(w))
        )
    return specs


def bulk(model, action, target_of, data=None, expected=None):
    def targets(w):
        query = {"id": target_of(w), "next": f"/admin/{MODEL_APPS[model]}/{model}/"}
        return [
            Target(query=query, expected=expected or ADMIN_VIEW, shows=CHILD_LAST if model == "enrollment" else ""),
            Target(query=query, method="POST", data=data or {}, expected=expected or ADMIN_ACT),
        ]

    return {f"bulk:{model}:{action}": targets}


def no_data(_world):
    return {}


REASON = {"reason": "Motif du test de sécurité"}


def payment_form(**fields):
    return {"payer": "family", "received_on": timezone.localdate().isoformat(), **fields}


class StatementFile(io.BytesIO):
    """A statement to upload, read whole at each request (every role posts the same file)."""

    name = "releve.csv"

    def read(self, *args):
        self.seek(0)
        return super().read(*args)


def statement_form():
    return {
        "file": StatementFile(b"Date;Montant;Libelle\n01/01/2026;12,00;Test\n"),
        "file_format": "csv",
        "date": "1",
        "amount": "2",
    }


def refund_form():
    return {"amount": "5", "method": "transfer", "refunded_on": timezone.localdate().isoformat(), **REASON}


SPECS = dict(
    [
        member("dashboard", lambda w: [Target(expected=expect(OK, anonymous=LOGIN), shows=CHILD_FIRST)]),
        member("profile", lambda w: [Target(expected=MEMBER_PAGE)]),
        member("change_phone", lambda w: [Target(expected=MEMBER_PAGE)]),
        # One's own data (login only): never another account's, nor children the club has not given access to.
        member("my_data", lambda w: [Target(expected=expect(OK, anonymous=LOGIN), shows=HEALTH)]),
        member("my_data_json", lambda w: [Target(expected=expect(OK, anonymous=LOGIN), shows=HEALTH)]),
        member("erasure", lambda w: [Target(expected=expect(OK, anonymous=LOGIN))]),
        member("child_add", lambda w: [Target(expected=MEMBER_PAGE)]),
        member("child_detail", lambda w: [Target(kwargs={"pk": w.child.pk}, expected=MEMBER_OWN, shows=HEALTH)]),
        member(
            "child_edit",
            lambda w: get_and_post(
                {"pk": w.child.pk},
                MEMBER_OWN,
                MEMBER_OWN_POST,
                child_form(w, health_notes="Plus d'allergie"),
                shows=HEALTH,
            ),
        ),
        member(
            "enrollment_request",
            lambda w: [
                # The child chosen in the address: another family's child is a 404 (and no child for pending/staff).
                Target(
                    query={"enfant": w.child.pk},
                    expected=expect("404", owner=OK, coparent=OK, anonymous=LOGIN),
                    shows=CHILD_FIRST,
                ),
                Target(
                    query={"enfant": w.child.pk, "offre": w.free_stay.pk},
                    expected=expect("404", owner=OK, coparent=OK, anonymous=LOGIN),
                    shows=CHILD_FIRST,
                ),
                # The child posted: not among another family's choices; pending and staff have none.
                Target(
                    method="POST",
                    data={"offre": w.free_stay.pk, "children": [w.child.pk], "comment": "x"},
                    expected=expect(OK, owner=DONE, coparent=DONE, anonymous=LOGIN),
                ),
            ],
        ),
        member(
            "enrollment_detail",
            lambda w: [Target(kwargs={"pk": w.requested.pk}, expected=MEMBER_OWN, shows=CHILD_FIRST)],
        ),
        member(
            "enrollment_cancel",
            # Asked to confirm (GET), then done (POST).
            lambda w: get_and_post({"pk": w.requested.pk}, MEMBER_OWN, MEMBER_OWN_POST, {}, shows=CHILD_FIRST),
        ),
        member(
            "pay_online",
            # Only a guardian opens a checkout, for what the ledger says is due (the browser says which part).
            lambda w: get_and_post(
                {"pk": w.validated.pk},
                expect(DASHBOARD, owner="405", coparent="405", other="405", anonymous=LOGIN),
                MEMBER_OWN_POST,
                {"montant": "deposit"},
            ),
        ),
        member(
            "payment_return",
            # Back from the provider: the checkout is read back, and the guardian sent to the enrollment.
            lambda w: [
                Target(
                    kwargs={"pk": w.online_payment.pk, "outcome": "retour"},
                    expected=expect(
                        DASHBOARD,
                        owner=f"redirect:/espace-adherent/inscriptions/{w.validated.pk}/",
                        coparent=f"redirect:/espace-adherent/inscriptions/{w.validated.pk}/",
                        other="404",
                        anonymous=LOGIN,
                    ),
                )
            ],
        ),
        # The receipts, as PDF: a guardian's own, 404 for another family's enrollment or a year without payments.
        member("enrollment_receipt", lambda w: [Target(kwargs={"pk": w.validated.pk}, expected=MEMBER_OWN)]),
        member("enrollment_confirmation", lambda w: [Target(kwargs={"pk": w.validated.pk}, expected=MEMBER_OWN)]),
        member(
            "family_receipt",
            lambda w: [
                Target(kwargs={"year": timezone.localdate().year}, expected=MEMBER_OWN),
                Target(
                    kwargs={"year": timezone.localdate().year - 5},
                    expected=expect(DASHBOARD, owner="404", coparent="404", other="404", anonymous=LOGIN),
                ),
            ],
        ),
        member(
            "payment_notification",
            # The provider's notification: open to all, trusted for nothing (the checkout is read back).
            lambda w: get_and_post({}, expect("405"), expect(OK), {"eventType": "Order"}),
        ),
        member(
            "place_offer_answer",
            lambda w: get_and_post(
                {"token": w.place_offer_token},
                # The link is the guardian's own: signed out, it answers and names no child (a link
                # forwarded tells nothing of them); signed in, it answers for a guardian of the child only.
                expect("403", owner=OK, coparent=OK, anonymous=OK),
                expect("403", owner=DONE, coparent=DONE, anonymous=DONE),
                {"reponse": "accepter"},
                shows=CHILD_FIRST,
            ),
        ),
        member(
            "invite",
            lambda w: get_and_post(
                {},
                MEMBER_PAGE,
                expect(DASHBOARD, owner=DONE, coparent=DONE, other=OK, anonymous=LOGIN),
                {"email": "tata@exemple.fr", "children": [w.child.pk], "relationship": "autre"},
                query={"enfant": w.child.pk},
                shows=CHILD_FIRST,
            ),
        ),
        member(
            "invitation_withdraw",
            lambda w: get_and_post(
                {"pk": w.invitation_sent.pk},
                expect(DASHBOARD, owner="405", coparent="405", other="405", anonymous=LOGIN),
                # Only the inviter withdraws: the co-parent too gets a 404.
                expect(DASHBOARD, owner=DONE, coparent="404", other="404", anonymous=LOGIN),
                {},
            ),
        ),
        member(
            "invitation_accept_pending",
            lambda w: get_and_post(
                {"pk": w.invitation_received.pk},
                expect("405", anonymous=LOGIN),
                # Only the account the invitation was sent to finds it.
                expect("404", owner=DONE, anonymous=LOGIN),
                {},
            ),
        ),
        member(
            "invitation_accept",
            lambda w: get_and_post(
                {"token": w.invitation_received_token},
                # The token is the secret; whoever else opens the link is told it is not for them, without names.
                expect(OK, anonymous=LOGIN),
                expect(DASHBOARD, owner=DONE, anonymous=LOGIN),
                {},
                shows=CHILD_FIRST,
                shows_for=("owner",),
            ),
        ),
    ]
)
SPECS.update(
    {
        **admin_model(
            "enrollment",
            lambda w: w.requested.pk,
            {
                "validate": (lambda w: w.requested.pk, no_data),
                "waitlist": (lambda w: w.requested.pk, no_data),
                "refuse": (lambda w: w.requested.pk, lambda w: REASON),
                "cancel": (lambda w: w.requested.pk, no_data),
                # The payments app's forms (memberspace.payments.admin), on the enrollment's screens.
                "payment": (lambda w: w.validated.pk, lambda w: payment_form(amount="20", method="cheque")),
                "refund": (lambda w: w.validated.pk, lambda w: refund_form()),
            },
            read_shows=CHILD_LAST,
        ),
        "payments_totals": lambda w: [Target(expected=ADMIN_VIEW, shows="Judo du mercredi")],
        "payments_balances": lambda w: [
            Target(kwargs={"offer_pk": w.activity.pk, "file_format": "csv"}, expected=ADMIN_VIEW, shows=CHILD_LAST),
            Target(kwargs={"offer_pk": w.activity.pk, "file_format": "xlsx"}, expected=ADMIN_VIEW),
        ],
        **admin_model(
            "payment",
            lambda w: w.to_review.pk,
            {
                "cash": (lambda w: w.held_cheque.pk, no_data),
                "review": (lambda w: w.to_review.pk, no_data),
            },
            read_shows=CHILD_LAST,
        ),
        # The bank statements' lines (memberspace.payments.statements_admin): attached or set aside by the secretariat.
        **admin_model(
            "statementline",
            lambda w: w.statement_line.pk,
            {
                "attach": (lambda w: w.statement_line.pk, lambda w: {"enrollment": w.validated.pk}),
                "dismiss": (lambda w: w.statement_line.pk, no_data),
            },
            read_shows=OWNER_LAST,
        ),
        "payments_statementline_modeladmin_import": lambda w: [
            Target(expected=ADMIN_VIEW),
            Target(method="POST", data=statement_form(), expected=ADMIN_ACT),
        ],
        **{
            "enrollments_enrollment_modeladmin_automatic_offers": lambda w: (
                [
                    Target(
                        kwargs={"offer_pk": w.stay.pk, "action": action},
                        expected=expect(LOGIN, editor="405", secretary="405"),
                    )
                    for action in ("pause", "resume")
                ]
                + [
                    Target(kwargs={"offer_pk": w.stay.pk, "action": "pause"}, method="POST", expected=ADMIN_ACT),
                    # Resuming what is not paused changes nothing, for the secretariat too.
                    Target(
                        kwargs={"offer_pk": w.stay.pk, "action": "resume"},
                        method="POST",
                        expected=expect(LOGIN, editor="403", secretary="redirect:/admin/enrollments/enrollment/"),
                    ),
                ]
            ),
            # The attestation de paiement of an enrollment (a PDF: nothing to confirm, nothing posted).
            "enrollments_enrollment_modeladmin_receipt": lambda w: [
                Target(kwargs={"instance_pk": w.validated.pk}, expected=ADMIN_VIEW),
                Target(
                    kwargs={"instance_pk": w.validated.pk},
                    method="POST",
                    expected=expect(LOGIN, editor="403", secretary="405"),
                ),
            ],
            "enrollments_enrollment_modeladmin_roster": lambda w: [
                Target(kwargs={"offer_pk": w.activity.pk, "file_format": "csv"}, expected=ADMIN_VIEW, shows=CHILD_LAST),
                Target(kwargs={"offer_pk": w.activity.pk, "file_format": "xlsx"}, expected=ADMIN_VIEW),
            ],
        },
        **admin_model(
            "parentaccount",
            lambda w: w.owner.pk,
            {
                "validate": (lambda w: w.pending.pk, no_data),
                "reject": (lambda w: w.pending.pk, lambda w: REASON),
                "suspend": (lambda w: w.owner.pk, lambda w: REASON),
                "reinstate": (lambda w: w.suspended.pk, no_data),
                "attach_child": (
                    lambda w: w.other.pk,
                    lambda w: {"child": w.migrated_child.pk, "relationship": "autre"},
                ),
                "erase": (lambda w: w.leaving.pk, no_data),
            },
            read_shows=OWNER_LAST,
        ),
        **admin_model(
            "child",
            lambda w: w.child.pk,
            {
                "attach": (lambda w: w.child.pk, lambda w: {"email": w.other.email, "relationship": "autre"}),
                "detach": (lambda w: w.child.pk, lambda w: {"parent": w.coparent.pk}),
                "merge": (lambda w: w.other_child.pk, lambda w: {"into": w.child.pk, "compared": w.child.pk}),
            },
            read_shows=CHILD_LAST,
        ),
        **admin_model(
            "notification",
            lambda w: w.failed_notification.pk,
            {"resend": (lambda w: w.failed_notification.pk, no_data)},
            read_shows=OWNER_EMAIL,
        ),
        **bulk("enrollment", "validate", lambda w: w.requested.pk),
        **bulk("enrollment", "waitlist", lambda w: w.requested.pk),
        **bulk("enrollment", "refuse", lambda w: w.requested.pk, REASON),
        **bulk("enrollment", "cancel", lambda w: w.requested.pk),
        **bulk("parentaccount", "validate", lambda w: w.pending.pk),
        **bulk("parentaccount", "reject", lambda w: w.pending.pk, REASON),
        **bulk("parentaccount", "suspend", lambda w: w.owner.pk, REASON),
        # Wagtail's own user bulk actions (the user model is memberspace's): for user managers only.
        **bulk("user", "delete", lambda w: w.owner.pk, expected=ADMIN_DENIED),
        **bulk("user", "assign_role", lambda w: w.owner.pk, expected=ADMIN_DENIED),
        **bulk("user", "set_active_state", lambda w: w.owner.pk, expected=ADMIN_DENIED),
    }
)


URLS = protected_urls()


def test_the_matrix_knows_every_url():
    """A member-area or secretariat URL the matrix cannot fill fails here: teach SPECS about it."""
    assert len(URLS) >= 40, sorted(URLS)  # the walk found the member area, the secretariat and the bulk actions
    assert any(name.startswith("memberspace:") for name in URLS)
    assert any(name.startswith("enrollments_enrollment_modeladmin_") for name in URLS)
    assert any(name.startswith("bulk:") for name in URLS)
    unknown = sorted(set(URLS) - set(SPECS))
    assert not unknown, f"URLs the access matrix does not know how to fill: {unknown}"
    stale = sorted(set(SPECS) - set(URLS))
    assert not stale, f"URLs in the access matrix that no longer exist: {stale}"


def classify(response, changed):
    """``ok``, ``done`` (redirected and something changed), ``404``..., or where a redirect leads."""
    if response.status_code in (301, 302, 303):
        path = urlsplit(response["Location"]).path
        if changed:
            return DONE
        if path.startswith("/compte/login/"):
            return LOGIN
        return {"/espace-adherent/": DASHBOARD, "/admin/": ADMIN_HOME}.get(path, f"redirect:{path}")
    if changed:
        return f"changed-{response.status_code}"
    return OK if response.status_code == 200 else str(response.status_code)


def ask(client, method, url, data):
    return client.post(url, data) if method == "POST" else client.get(url)


def try_as(world, role, target, url):
    """One request in a rolled-back savepoint: its outcome, and what an outsider could read of the family."""
    client = world.clients[role]
    with rolled_back():
        before = snapshot()
        response = ask(client, target.method, url, target.data)
        outcome = classify(response, changed=snapshot() != before)
        body = body_of(response)
        leaks = []
        if role in OUTSIDERS:
            leaks = leaked_markers(body)
            searchable = response.get("Content-Type", "").startswith(("text/", "application/json"))
            if response.has_header("Content-Disposition") and not searchable:
                leaks.append(f"a file that cannot be searched ({response['Content-Disposition']})")
            if response.status_code in (301, 302, 303):
                followed = client.get(response["Location"])
                leaks += [f"{marker} (after the redirect)" for marker in leaked_markers(body_of(followed))]
    return outcome, leaks, body


@pytest.mark.parametrize("name", sorted(URLS))
def test_access_matrix(world, name):
    if name not in SPECS:
        pytest.fail(f"{name} is not in the access matrix: add how to fill {URLS[name]}")
    targets = SPECS[name](world)
    assert targets
    problems = []
    tried = set()
    for target in targets:
        if target.kwargs or not URLS[name] or name.startswith("bulk:"):
            assert set(target.kwargs) == set(URLS[name]) - ({"id"} if name.startswith("bulk:") else set()), (
                f"{name} takes {URLS[name]}, the matrix fills {sorted(target.kwargs)}"
            )
        assert set(target.expected) == set(ROLES)
        url = target.url(name)
        missing_url = target.missing(name)
        for role in ROLES:
            outcome, leaks, body = try_as(world, role, target, url)
            tried.add(role)
            expected = target.expected[role]
            where = f"{target.method} {url} as {role}"
            if outcome != expected:
                problems.append(f"{where}: got {outcome}, expected {expected}")
            if leaks:
                problems.append(f"{where}: the family's data leaks: {leaks}")
            shown = role in target.showing_roles(name) and expected == outcome == OK
            if target.shows and shown and target.shows not in body.decode(errors="replace"):
                problems.append(f"{where}: the page does not show {target.shows!r} (is the fixture right?)")
            if missing_url and role in OUTSIDERS:
                missing_outcome, missing_leaks, _body = try_as(world, role, target, missing_url)
                if missing_outcome != outcome:
                    problems.append(
                        f"{target.method} {missing_url} as {role}: a missing id gets {missing_outcome} "
                        f"but an existing one {outcome}: ids can be enumerated"
                    )
    assert tried == set(ROLES)
    assert not problems, "\n".join(problems)


def test_the_markers_are_the_familys_only(world):
    """The leak checks look for words that only the family's records hold."""
    assert Child.objects.filter(first_name=CHILD_FIRST).count() == 1
    response = world.clients["owner"].get(reverse("memberspace:child_detail", args=[world.child.pk]))
    assert set(leaked_markers(response.content)) >= {CHILD_FIRST, CHILD_LAST, HEALTH}
    assert leaked_markers(world.clients["other"].get(reverse("memberspace:dashboard")).content) == []


def test_a_guardian_the_club_has_not_validated_is_told_nothing_of_the_child(world):
    """The pending guardian (attached by the secretariat before validation) gets no email about the child.

    The member area shows such an account no child; the emails must not tell it, either, what the
    child is enrolled in, when, or the deposit's bank details (nor, later, to an account the club refused).
    """
    from memberspace.enrollments import services as enrollments
    from memberspace.families.services import children as children_service

    child = Child.objects.get(pk=world.child.pk)  # the module's world is shared: fresh rows, not its objects
    (requested,) = enrollments.request_enrollments(world.owner, offer=world.free_stay, children=[child])
    enrollments.validate(requested, by=world.secretary)
    children_service.update_child(child, by=world.coparent, data={"health_notes": "Asthme"})
    told = set(Notification.objects.filter(user=world.owner).values_list("kind", flat=True))
    assert {"enrollment_validated", "child_updated"} <= told  # the validated guardians are told
    about_the_child = Notification.objects.filter(user=world.pending)
    assert list(about_the_child.values_list("kind", "subject")) == []
