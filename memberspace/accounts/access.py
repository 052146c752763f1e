"""Who may see what in the member area."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def validated_parent_required(view):
    """A member-area feature: only for a parent whose account the club validated.

    Anyone else is sent to the dashboard, which says where the account stands
    and what happens next.
    """

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_validated_parent:
            messages.info(request, _("Cette page sera accessible quand le club aura validé votre compte."))
            return redirect("memberspace:dashboard")
        return view(request, *args, **kwargs)

    return wrapper


MAX_ID_DIGITS = 9  # below 2**31: the ids of every table, on SQLite and PostgreSQL


def id_from(value):
    """An id read from the address or a form, or None when it is not one.

    Plain ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails), and
    short enough for the database (a longer number overflows its integer column).
    """
    value = str(value or "")
    if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        return int(value)
    return None
