"""Inscriptions: the secretariat decides on the requests, offer by offer, in order of arrival.

Per offer: its figures (capacity, validated, offered, requested, waiting list),
the places offered and until when, what holds a free place back (an older request
to decide, or the automatic offers paused), and the roster as CSV or XLSX.
Every action, on one request or on a selection, calls the transition of
memberspace.enrollments.services.
"""

from django.contrib import messages
from django.contrib.admin import SimpleListFilter
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import IndexView, InspectView

from memberspace.accounts.access import id_from
from memberspace.enrollments import exports
from memberspace.enrollments.models import ENROLLMENT_TRANSITIONS, Enrollment, EnrollmentStatus, set_positions
from memberspace.secretariat import spreadsheets
from memberspace.secretariat.admin import (
    ReadOnlyPermissionHelper,
    SecretariatOnlyMixin,
    TransitionActionView,
    TransitionAdminMixin,
    TransitionBulkAction,
    forbidden,
    panels_for,
    reason_form,
    registered_action_views,
)
from pages import formatting
from pages.models import OfferPage, age_on

from . import services

DECIDE_PERMISSION = ENROLLMENT_TRANSITIONS.permission
EXPORT_PERMISSION = "enrollments.export_roster"
OFFER_PARAMETER = "offre"


class OfferFilter(SimpleListFilter):
    """The offers not ended yet that have requests (and the one chosen, whatever its dates)."""

    title = gettext_lazy("offre")
    parameter_name = OFFER_PARAMETER

    def lookups(self, request, model_admin):
        requested = Enrollment.objects.filter(offer=OuterRef("pk"))
        offers = OfferPage.objects.filter(Exists(requested)).upcoming()
        if self.chosen_id():
            offers = offers | OfferPage.objects.filter(pk=self.chosen_id())
        return [(str(pk), title) for pk, title in offers.order_by("start_date", "title").values_list("pk", "title")]

    def chosen_id(self):
        return id_from(self.value())

    def queryset(self, request, queryset):
        chosen = self.chosen_id()
        return queryset.filter(offer_id=chosen) if chosen else queryset


class DepositFilter(SimpleListFilter):
    """The deposits late today (``services.overdue_deposits``): the daily list names each one only once."""

    title = gettext_lazy("acompte")
    parameter_name = "acompte"

    def lookups(self, request, model_admin):
        return [("en-retard", _("À relancer (en retard)"))]

    def queryset(self, request, queryset):
        if self.value() == "en-retard":
            return queryset.filter(pk__in=services.overdue_deposits().values("pk"))
        return queryset


ReasonForm = reason_form(
    gettext_lazy("Motif du refus (envoyé aux parents)"),
    gettext_lazy("Indiquez le motif du refus : il sera communiqué aux parents."),
)


# One request: its row's buttons and its action views, from ENROLLMENT_TRANSITIONS


class EnrollmentActionView(TransitionActionView):
    permission = DECIDE_PERMISSION
    reason_form_class = ReasonForm
    template_name = "enrollments/admin/enrollment_action.html"

    @property
    def question(self):
        return _("%(action)s : %(child)s pour « %(offer)s » (%(ref)s) ?") % {"action": self.title, **self.describe()}

    def describe(self):
        enrollment = self.instance
        return {"child": enrollment.child, "offer": enrollment.offer.title, "ref": enrollment.reference}

    def get_context_data(self, **kwargs):
        offer = services.with_figures(OfferPage.objects.filter(pk=self.instance.offer_id)).get()
        return super().get_context_data(offer_figures=offer, **kwargs)

    def get_success_url(self):
        return f"{self.index_url}?{OFFER_PARAMETER}={self.instance.offer_id}"  # back to the offer's requests


# The listing, the request's page, the roster


class EnrollmentIndexView(IndexView):
    """The listing, in order of arrival; with an offer chosen, its figures, its offered places,
    what holds a free place back, the pause of its automatic offers, and the roster above."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        set_positions(list(context["object_list"]))  # the page's rows, read once (one query more)
        chosen = id_from(self.params.get(OFFER_PARAMETER))
        if chosen is not None:
            offer = services.with_figures(OfferPage.objects.filter(pk=chosen)).first()
            if offer is not None:
                context["offer"] = offer
                context["place_offers"] = services.open_place_offers(offer)
                context["paused"] = services.automatic_offers_paused(offer)
                if offer.places_left > 0 and offer.waitlisted_count:
                    context["held_back_by"] = services.first_undecided(offer)
                if self.request.user.has_perm(EXPORT_PERMISSION):
                    context["roster_formats"] = [
                        (file_format.upper(), self.url_helper.get_action_url("roster", offer.pk, file_format))
                        for file_format in spreadsheets.FORMATS
                    ]
        context["can_decide"] = self.request.user.has_perm(DECIDE_PERMISSION)
        return context


# What a parent wrote and why the club refused: the secretariat's, not for staff who only see
# enrollments to find whose money it is (the treasury): a parent's message may speak of health.
DECIDERS_ONLY_FIELDS = {"parent_comment", "refusal_reason"}


class EnrollmentInspectView(InspectView):
    """The enrollment, the child's guardians, then the panels the apps above add (its payments).

    An app adds a panel with the ``construct_enrollment_panels`` hook:
    ``fn(request, enrollment, panels)`` appends Wagtail components, shown in their ``order``.
    """

    def get_fields_dict(self):
        names = self.model_admin.get_inspect_view_fields()
        if not self.request.user.has_perm(DECIDE_PERMISSION):
            names = [name for name in names if name not in DECIDERS_ONLY_FIELDS]
        return [self.get_dict_for_field(name) for name in names]

    def get_context_data(self, **kwargs):
        enrollment = self.instance
        return super().get_context_data(
            guardianships=enrollment.child.guardianships.select_related("parent").order_by("created_at"),
            rank=enrollment.waiting_rank(),
            panels=panels_for("construct_enrollment_panels", self.request, enrollment),
            **kwargs,
        )


def roster_view(request, offer_pk, file_format):
    if not request.user.has_perm(EXPORT_PERMISSION):
        return forbidden(request)
    if file_format not in spreadsheets.FORMATS:
        raise Http404
    offer = get_object_or_404(OfferPage, pk=offer_pk)
    return spreadsheets.response(exports.roster(offer), file_format, exports.filename(offer))


@require_POST
def automatic_offers_view(request, offer_pk, action):
    """Pause an offer's automatic offers of freed places, or let them go on (offering the free ones at once)."""
    if not request.user.has_perm(DECIDE_PERMISSION):
        return forbidden(request)
    offer = get_object_or_404(OfferPage, pk=offer_pk)
    if action == "pause":
        services.pause_automatic_offers(offer, by=request.user)
        messages.success(
            request,
            _("Les places libérées de « %(offer)s » ne sont plus proposées automatiquement.") % {"offer": offer.title},
        )
    else:
        made = services.resume_automatic_offers(offer, by=request.user)
        messages.success(
            request,
            ngettext(
                "Les places libérées de « %(offer)s » sont de nouveau proposées automatiquement : "
                "%(count)s proposition envoyée.",
                "Les places libérées de « %(offer)s » sont de nouveau proposées automatiquement : "
                "%(count)s propositions envoyées.",
                len(made),
            )
            % {"offer": offer.title, "count": len(made)},
        )
    return redirect(f"{reverse('enrollments_enrollment_modeladmin_index')}?{OFFER_PARAMETER}={offer.pk}")


class EnrollmentAdmin(SecretariatOnlyMixin, TransitionAdminMixin, ModelAdmin):
    model = Enrollment
    menu_label = gettext_lazy("Inscriptions")
    menu_icon = "list-ul"
    list_display = ("select", "child_name", "offer_title", "status_badge", "line", "requested")
    list_display_add_buttons = "child_name"
    list_filter = (OfferFilter, "status", DepositFilter)
    search_fields = ("reference", "child__first_name", "child__last_name", "offer__title", "requested_by__email")
    list_per_page = 50
    index_view_class = EnrollmentIndexView
    index_template_name = "enrollments/admin/enrollment_index.html"
    inspect_view_enabled = True
    history_view_enabled = True
    inspect_view_class = EnrollmentInspectView
    inspect_template_name = "enrollments/admin/enrollment_inspect.html"
    inspect_view_fields = [
        "reference",
        "child",
        "offer",
        "status",
        "requested_at",
        "requested_by",
        "parent_comment",
        "price",
        "deposit_amount",
        "deposit_due_date",
        "balance_due_date",
        "validated_at",
        "deposit_received_at",
        "paid_at",
        "refusal_reason",
        "cancelled_at",
    ]
    permission_helper_class = ReadOnlyPermissionHelper
    transitions = ENROLLMENT_TRANSITIONS
    action_view_class = EnrollmentActionView

    def button_subject(self, obj):
        return obj.child

    def extra_action_views(self):
        # The payments app records the money (the table's "payment" transition).
        return registered_action_views("register_enrollment_actions")

    def get_queryset(self, request):
        return Enrollment.objects.select_related("child", "offer", "requested_by")

    def get_ordering(self, request):
        if id_from(request.GET.get(OFFER_PARAMETER)) is not None:
            return ["arrival", "pk"]  # an offer's line: the order its places are given in
        return ["requested_at", "pk"]

    def select(self, obj):
        return format_html(
            '<input type="checkbox" data-object-id="{}" data-bulk-action-checkbox class="bulk-action-checkbox"'
            ' aria-label="{}">',
            obj.pk,
            _("Sélectionner la demande de %(child)s") % {"child": obj.child},
        )

    select.short_description = format_html(
        '<input data-bulk-action-select-all-checkbox type="checkbox" aria-label="{}">',
        gettext_lazy("Tout sélectionner"),
    )

    def child_name(self, obj):
        age = age_on(obj.child.birth_date, obj.offer.start_date)
        return _("%(child)s (%(age)s ans au début)") % {"child": obj.child, "age": age}

    child_name.short_description = gettext_lazy("Enfant")

    def offer_title(self, obj):
        return format_html(
            '<a href="?{}={}">{}</a><br><small>{}</small>',
            OFFER_PARAMETER,
            obj.offer_id,
            obj.offer.title,
            formatting.date_range(obj.offer.start_date, obj.offer.end_date),
        )

    offer_title.short_description = gettext_lazy("Offre")

    def status_badge(self, obj):
        return format_html('<span class="w-status w-status--{}">{}</span>', obj.status, obj.get_status_display())

    status_badge.short_description = gettext_lazy("État")

    def line(self, obj):
        """Its position among the offer's open requests (siblings sent together share it), and its waiting rank."""
        position = getattr(obj, "position", None)
        if position is None or obj.status not in (EnrollmentStatus.REQUESTED, EnrollmentStatus.WAITLISTED):
            return "—"
        if obj.status == EnrollmentStatus.WAITLISTED:
            return _("%(position)s · attente : %(rank)s") % {
                "position": formatting.ordinal(position, feminine=True),
                "rank": formatting.ordinal(obj.waiting_before + 1, feminine=True),
            }
        return formatting.ordinal(position, feminine=True)

    line.short_description = gettext_lazy("Position")

    def get_list_display(self, request):
        if request.user.has_perm(DECIDE_PERMISSION):
            return self.list_display
        return tuple("requested_plain" if name == "requested" else name for name in self.list_display)

    def requested_plain(self, obj):
        """When and by whom, without the parent's message (``DECIDERS_ONLY_FIELDS``)."""
        by = obj.requested_by.get_full_name() if obj.requested_by else "—"
        return format_html(
            "{}<br><small>{}</small>", timezone.localtime(obj.requested_at).strftime("%d/%m/%Y %H:%M:%S"), by
        )

    requested_plain.short_description = gettext_lazy("Demandée le, par")

    def requested(self, obj):
        by = obj.requested_by.get_full_name() if obj.requested_by else "—"
        when = timezone.localtime(obj.requested_at).strftime("%d/%m/%Y %H:%M:%S")
        if not obj.parent_comment:
            return format_html("{}<br><small>{}</small>", when, by)
        comment = Truncator(obj.parent_comment).chars(80)
        return format_html("{}<br><small>{}</small><br><small><q>{}</q></small>", when, by, comment)

    requested.short_description = gettext_lazy("Demandée le, par")

    def get_admin_urls_for_registration(self):
        urls = super().get_admin_urls_for_registration()
        urls += (
            re_path(
                r"^enrollments/enrollment/roster/(?P<offer_pk>\d+)/(?P<file_format>\w+)/$",
                roster_view,
                name=self.url_helper.get_action_url_name("roster"),
            ),
            re_path(
                r"^enrollments/enrollment/waiting-list/(?P<offer_pk>\d+)/(?P<action>pause|resume)/$",
                automatic_offers_view,
                name=self.url_helper.get_action_url_name("automatic_offers"),
            ),
        )
        return urls


# A selection: Wagtail's bulk actions


class EnrollmentBulkAction(TransitionBulkAction):
    models = [Enrollment]
    transitions = ENROLLMENT_TRANSITIONS
    reason_form_class = ReasonForm
    header_icon = "list-ul"
    ordered = True
    excluded_intro = gettext_lazy(
        "Ces demandes ne sont pas concernées (leur état ne le permet pas) et resteront inchangées :"
    )

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(Enrollment.objects.filter(pk__in=object_ids).select_related("child", "offer").in_arrival_order())

    @classmethod
    def in_order(cls, objects):
        return sorted(objects, key=lambda enrollment: (enrollment.requested_at, enrollment.pk))

    def items_intro(self, count):
        return ngettext(
            "Cette demande est concernée (dans l'ordre d'arrivée) :",
            "Ces %(count)s demandes sont concernées (dans l'ordre d'arrivée) :",
            count,
        ) % {"count": count}

    def item_line(self, enrollment):
        return format_html(
            "<strong>{}</strong> — {} ({}, {})",
            enrollment.child,
            enrollment.offer.title,
            enrollment.reference,
            enrollment.get_status_display().lower(),
        )

    def excluded_line(self, enrollment):
        status = enrollment.get_status_display().lower()
        return format_html("{} — {} : {}", enrollment.child, enrollment.offer.title, status)


BULK_ACTIONS = EnrollmentBulkAction.for_table()
