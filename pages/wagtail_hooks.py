from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks

from . import page_cache
from .models import OfferPage


@hooks.register("before_create_page")
def offers_are_created_by_the_secretariat(request, parent_page, page_class):
    """An offer's places, prices and payment terms are the secretariat's: so is creating one.

    The creation form of someone without the permission has none of these fields,
    which an offer cannot do without; the communication team copies an existing
    offer instead (the copy keeps its terms), or asks the secretariat.
    """
    if issubclass(page_class, OfferPage) and not OfferPage.may_change_terms(request.user):
        messages.error(
            request,
            _(
                "Seul le secrétariat peut créer une offre, car il en fixe les places, les prix et les "
                "modalités de paiement. Vous pouvez copier une offre existante ou demander au secrétariat "
                "de la créer."
            ),
        )
        return redirect("wagtailadmin_explore", parent_page.pk)
    return None


@hooks.register("before_serve_page")
def refuse_parameters_the_page_does_not_read(page, request, serve_args, serve_kwargs):
    """A parameter some other page type reads (``?age=8`` on the home page) leaves this page as it is:
    the page cache would keep one copy per value."""
    reads = getattr(type(page), "query_parameters", None)
    if set(request.GET) - set(reads() if reads else ()):
        page_cache.refuse(request)
