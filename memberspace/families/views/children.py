"""A parent's children: add, see, edit. A parent reaches only their own children (404 otherwise)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from memberspace import MemberspaceError
from memberspace.accounts.access import validated_parent_required
from memberspace.families.forms import ChildForm, NewChildForm
from memberspace.families.models import Child
from memberspace.families.services import children as children_service
from memberspace.families.services.children import DuplicateChildError
from memberspace.secretariat.admin import panels_for


def own_child(request, pk):
    """The child ``pk`` if the signed-in parent is one of its guardians, else 404 (never 403: ids stay secret)."""
    return get_object_or_404(Child.objects.for_guardian(request.user), pk=pk)


def save_child(form, save):
    """``(child, duplicate)``: ``save()``'s child, or its refusal put on the form (nothing typed is lost).

    A copy of one of the parent's children (``duplicate``) is also returned, for its "see" link.
    """
    try:
        return save(), None
    except DuplicateChildError as error:
        form.add_error(None, str(error))
        return None, error
    except MemberspaceError as error:
        form.add_error(None, str(error))
        return None, None


@validated_parent_required
@require_http_methods(["GET", "POST"])
def child_add(request):
    form = NewChildForm(request.POST or None)
    child = duplicate = None
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "relationship"}
        relationship = form.cleaned_data["relationship"]
        child, duplicate = save_child(
            form, lambda: children_service.create_child(request.user, data=data, relationship=relationship)
        )
    if child is not None:
        # The same words for every child: whether the club knows it already (a possible duplicate,
        # flagged to the secretariat) is not told here.
        messages.success(
            request,
            _(
                "L'adhésion de %(name)s est créée. "
                "Le club vérifie chaque nouvelle adhésion et vous contactera si besoin."
            )
            % {"name": child.first_name},
        )
        return redirect("memberspace:child_detail", pk=child.pk)
    return TemplateResponse(request, "families/child_form.html", {"form": form, "duplicate": duplicate})


@validated_parent_required
def child_detail(request, pk):
    child = own_child(request, pk)
    guardianships = child.guardianships.select_related("parent").order_by("created_at")
    # The sections the apps above add (their enrollments: the enrollments app), through a hook.
    panels = panels_for("construct_child_page_panels", request, child)
    return TemplateResponse(
        request, "families/child_detail.html", {"child": child, "guardianships": guardianships, "panels": panels}
    )


@validated_parent_required
@require_http_methods(["GET", "POST"])
def child_edit(request, pk):
    child = own_child(request, pk)
    form = ChildForm(request.POST or None, instance=Child.objects.get(pk=child.pk))
    saved = duplicate = None
    if request.method == "POST" and form.is_valid():
        saved, duplicate = save_child(
            form, lambda: children_service.update_child(child, by=request.user, data=form.cleaned_data)
        )
    if saved is not None:
        messages.success(request, _("La fiche de %(name)s est enregistrée.") % {"name": saved.first_name})
        return redirect("memberspace:child_detail", pk=child.pk)
    return TemplateResponse(request, "families/child_form.html", {"form": form, "child": child, "duplicate": duplicate})
