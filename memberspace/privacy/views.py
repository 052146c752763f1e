"""A parent's personal-data rights: see and download everything held about them, ask for erasure."""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import services


@login_required
@never_cache
def my_data(request):
    """The same data as the JSON file, to read or print."""
    return TemplateResponse(request, "privacy/my_data.html", {"data": services.export_for(request.user)})


@login_required
@never_cache
def my_data_json(request):
    data = services.export_for(request.user)
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    filename = f"le-po-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def erasure(request):
    """Ask the club to erase the account (the password is asked again), or withdraw the request."""
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "retirer":
            services.withdraw_erasure_request(user)
            messages.success(request, _("Votre demande d'effacement est retirée."))
        else:
            services.request_erasure(user)
            messages.success(
                request,
                _(
                    "Votre demande d'effacement est transmise au secrétariat, qui l'effectue dans le mois "
                    "et vous le confirme par e-mail."
                ),
            )
        return redirect("memberspace:erasure")
    user.refresh_from_db(fields=["erasure_requested_at"])
    return TemplateResponse(request, "privacy/erasure.html", {"requested_at": user.erasure_requested_at})
