"""The member area: a package of Django apps, one per concept (``../shared/DESIGN.md`` §3).

Each app is a vertical slice: models, services (one function per transition),
parent-facing views and templates, secretariat screens (``wagtail_hooks.py``),
tasks, migrations, and a mirrored folder under ``tests/memberspace/``.

Dependencies point one way. From the bottom up; an app imports only from the
ones listed before it (``tests/test_layers.py`` reads every import and fails
on one that points up):

1. ``secretariat``   — the secretariat screens' frame: action views, bulk actions,
                       state machines' transition tables, safe spreadsheet exports;
2. ``notifications`` — the outbox, email and SMS backends, delivery tasks;
3. ``accounts``      — the custom ``User``, parent accounts and their validation,
                       allauth adapter and forms, staff two-factor;
4. ``families``      — children, guardianships, co-parent invitations;
5. ``legacy``        — the old base's import, matching, attaching suggestions;
6. ``enrollments``   — eligibility, requests, the waiting list, decisions, rosters;
7. ``payments``      — the payment backends (HelloAsso's checkout, a recording
                       one for development and tests);
8. ``privacy``       — export, erasure and retention purges across the others;
9. the shell, ``memberspace`` itself — the member area's URLs, the dashboard
   composed from what the apps give it, the base templates, the one
   « Secrétariat » admin menu, the demo seeding of families.

The public CMS (``home``, ``pages``, ``activities``, ``stays``) imports none of
them. This module holds only the one exception type every service raises.
"""


class MemberspaceError(Exception):
    """A business rule refused the operation; the message is translated and shown to the user."""
