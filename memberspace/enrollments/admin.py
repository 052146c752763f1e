"""Inscriptions: the secretariat decides on the requests, offer by offer, in order of arrival.

Per offer: its figures (capacity, validated, requested, waiting list), who is
first on the waiting list when a place is free, and the roster as CSV or XLSX.
Every action, on one request or on a selection, calls the transition of
memberspace.enrollments.services.
"""

from django import forms
from django.contrib.admin import SimpleListFilter
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import re_path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import IndexView, InspectView

from memberspace.accounts.access import id_from
from memberspace.enrollments import exports
from memberspace.enrollments import services as service
from memberspace.enrollments.models import Enrollment
from memberspace.secretariat import spreadsheets
from memberspace.secretariat.admin import (
    ActionView,
    ReadOnlyPermissionHelper,
    SecretariatOnlyMixin,
    TransitionBulkAction,
    forbidden,
)
from pages import formatting
from pages.models import OfferPage, age_on

DECIDE_PERMISSION = "enrollments.decide_enrollment"
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


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus (envoyé aux parents)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"required": gettext_lazy("Indiquez le motif du refus : il sera communiqué aux parents.")},
    )


# One request


class EnrollmentActionView(ActionView):
    permission = DECIDE_PERMISSION
    template_name = "enrollments/admin/enrollment_action.html"
    done_message = ""

    @property
    def question(self):
        enrollment = self.instance
        return _("%(action)s : %(child)s pour « %(offer)s » (%(ref)s) ?") % {
            "action": self.title,
            "child": enrollment.child,
            "offer": enrollment.offer.title,
            "ref": enrollment.reference,
        }

    def get_context_data(self, **kwargs):
        offer = service.with_figures(OfferPage.objects.filter(pk=self.instance.offer_id)).get()
        return super().get_context_data(offer_figures=offer, **kwargs)

    def get_success_url(self):
        return f"{self.index_url}?{OFFER_PARAMETER}={self.instance.offer_id}"  # back to the offer's requests

    def act(self, request):
        self.transition(request)
        return self.done_message % {"child": self.instance.child, "offer": self.instance.offer.title}

    def transition(self, request):
        raise NotImplementedError


class ValidateEnrollmentView(EnrollmentActionView):
    title = gettext_lazy("Valider l'inscription")
    confirm_label = gettext_lazy("Valider et envoyer les modalités d'acompte")
    done_message = gettext_lazy("Inscription de %(child)s à « %(offer)s » validée ; les parents reçoivent l'acompte.")

    def transition(self, request):
        service.validate(self.instance, by=request.user)


class WaitlistEnrollmentView(EnrollmentActionView):
    title = gettext_lazy("Mettre en liste d'attente")
    confirm_label = gettext_lazy("Mettre en liste d'attente")
    done_message = gettext_lazy("%(child)s est sur la liste d'attente de « %(offer)s » ; les parents sont prévenus.")

    def transition(self, request):
        service.waitlist(self.instance, by=request.user)


class RefuseEnrollmentView(EnrollmentActionView):
    title = gettext_lazy("Refuser l'inscription")
    confirm_label = gettext_lazy("Refuser l'inscription")
    form_class = ReasonForm
    done_message = gettext_lazy("Inscription de %(child)s à « %(offer)s » refusée ; les parents sont prévenus.")

    def transition(self, request):
        service.refuse(self.instance, by=request.user, reason=self.form.cleaned_data["reason"])


class RecordDepositView(EnrollmentActionView):
    title = gettext_lazy("Enregistrer l'acompte reçu")
    confirm_label = gettext_lazy("Acompte reçu")
    done_message = gettext_lazy("Acompte de %(child)s pour « %(offer)s » enregistré.")

    def transition(self, request):
        service.record_deposit(self.instance, by=request.user)


class CancelEnrollmentView(EnrollmentActionView):
    title = gettext_lazy("Annuler l'inscription")
    confirm_label = gettext_lazy("Annuler l'inscription")
    done_message = gettext_lazy("Inscription de %(child)s à « %(offer)s » annulée ; les parents sont prévenus.")

    def transition(self, request):
        service.cancel_by_staff(self.instance, by=request.user)


ENROLLMENT_ACTIONS = {
    # action: (view, label, guard)
    "validate": (ValidateEnrollmentView, gettext_lazy("Valider"), "can_be_validated"),
    "waitlist": (WaitlistEnrollmentView, gettext_lazy("Liste d'attente"), "can_be_waitlisted"),
    "refuse": (RefuseEnrollmentView, gettext_lazy("Refuser"), "can_be_refused"),
    "deposit": (RecordDepositView, gettext_lazy("Acompte reçu"), "can_record_deposit"),
    "cancel": (CancelEnrollmentView, gettext_lazy("Annuler"), "can_be_cancelled_by_staff"),
}


class EnrollmentButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if not self.request.user.has_perm(DECIDE_PERMISSION):
            return buttons
        for action, (_view, label, guard) in ENROLLMENT_ACTIONS.items():
            if getattr(obj, guard)():
                primary = action in ("validate", "deposit")
                buttons.append(
                    {
                        "url": self.url_helper.get_action_url(action, obj.pk),
                        "label": label,
                        "classname": "button button-small" + ("" if primary else " button-secondary"),
                        "title": f"{label} — {obj.child}",
                    }
                )
        return buttons


# The listing, the request's page, the roster


class EnrollmentIndexView(IndexView):
    """The listing; with an offer chosen, its figures, the freed place and the roster above."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = id_from(self.params.get(OFFER_PARAMETER))
        if chosen is not None:
            offer = service.with_figures(OfferPage.objects.filter(pk=chosen)).first()
            if offer is not None:
                context["offer"] = offer
                if offer.places_left > 0 and offer.waitlisted_count:
                    context["first_waiting"] = service.first_waiting(offer)
                if self.request.user.has_perm(EXPORT_PERMISSION):
                    context["roster_formats"] = [
                        (file_format.upper(), self.url_helper.get_action_url("roster", offer.pk, file_format))
                        for file_format in spreadsheets.FORMATS
                    ]
        context["can_decide"] = self.request.user.has_perm(DECIDE_PERMISSION)
        return context


class EnrollmentInspectView(InspectView):
    def get_context_data(self, **kwargs):
        enrollment = self.instance
        return super().get_context_data(
            guardianships=enrollment.child.guardianships.select_related("parent").order_by("created_at"),
            rank=enrollment.waiting_rank(),
            **kwargs,
        )


def roster_view(request, offer_pk, file_format):
    if not request.user.has_perm(EXPORT_PERMISSION):
        return forbidden(request)
    if file_format not in spreadsheets.FORMATS:
        raise Http404
    offer = get_object_or_404(OfferPage, pk=offer_pk)
    return spreadsheets.response(exports.roster(offer), file_format, exports.filename(offer))


class EnrollmentAdmin(SecretariatOnlyMixin, ModelAdmin):
    model = Enrollment
    menu_label = gettext_lazy("Inscriptions")
    menu_icon = "list-ul"
    list_display = ("select", "child_name", "offer_title", "status_badge", "requested")
    list_display_add_buttons = "child_name"
    list_filter = (OfferFilter, "status")
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
        "deposit_amount",
        "deposit_due_date",
        "validated_at",
        "deposit_received_at",
        "refusal_reason",
        "cancelled_at",
    ]
    permission_helper_class = ReadOnlyPermissionHelper
    button_helper_class = EnrollmentButtonHelper

    def get_queryset(self, request):
        return Enrollment.objects.select_related("child", "offer", "requested_by")

    def get_ordering(self, request):
        return ["requested_at", "pk"]  # arrival order: the order places are given in

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
        for action, (view_class, _label, _guard) in ENROLLMENT_ACTIONS.items():
            urls += (
                re_path(
                    self.url_helper.get_action_url_pattern(action),
                    self._action_view(view_class),
                    name=self.url_helper.get_action_url_name(action),
                ),
            )
        urls += (
            re_path(
                r"^enrollments/enrollment/roster/(?P<offer_pk>\d+)/(?P<file_format>\w+)/$",
                roster_view,
                name=self.url_helper.get_action_url_name("roster"),
            ),
        )
        return urls

    def _action_view(self, view_class):
        def view(request, instance_pk):
            return view_class.as_view(model_admin=self, instance_pk=instance_pk)(request)

        return view


# A selection: Wagtail's bulk actions


class EnrollmentBulkAction(TransitionBulkAction):
    models = [Enrollment]
    template_name = "enrollments/admin/bulk_enrollment_action.html"
    permission = DECIDE_PERMISSION

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(Enrollment.objects.filter(pk__in=object_ids).select_related("child", "offer").in_arrival_order())

    @classmethod
    def in_order(cls, objects):
        return sorted(objects, key=lambda enrollment: (enrollment.requested_at, enrollment.pk))


class ValidateEnrollmentsBulkAction(EnrollmentBulkAction):
    display_name = gettext_lazy("Valider")
    action_type = "validate"
    aria_label = gettext_lazy("Valider les inscriptions sélectionnées")
    guard = "can_be_validated"
    success_message = gettext_lazy("%(count)s inscription(s) validée(s) ; les parents reçoivent l'acompte à régler.")
    action_priority = 10

    @classmethod
    def run(cls, enrollment, user, reason):
        service.validate(enrollment, by=user)


class WaitlistEnrollmentsBulkAction(EnrollmentBulkAction):
    display_name = gettext_lazy("Liste d'attente")
    action_type = "waitlist"
    aria_label = gettext_lazy("Mettre les demandes sélectionnées en liste d'attente")
    guard = "can_be_waitlisted"
    success_message = gettext_lazy("%(count)s demande(s) mise(s) en liste d'attente ; les parents sont prévenus.")
    action_priority = 20

    @classmethod
    def run(cls, enrollment, user, reason):
        service.waitlist(enrollment, by=user)


class RefuseEnrollmentsBulkAction(EnrollmentBulkAction):
    display_name = gettext_lazy("Refuser")
    action_type = "refuse"
    aria_label = gettext_lazy("Refuser les demandes sélectionnées")
    guard = "can_be_refused"
    form_class = ReasonForm
    success_message = gettext_lazy("%(count)s demande(s) refusée(s) ; les parents sont prévenus.")
    action_priority = 30

    @classmethod
    def run(cls, enrollment, user, reason):
        service.refuse(enrollment, by=user, reason=reason)


class RecordDepositsBulkAction(EnrollmentBulkAction):
    display_name = gettext_lazy("Acompte reçu")
    action_type = "deposit"
    aria_label = gettext_lazy("Enregistrer l'acompte des inscriptions sélectionnées")
    guard = "can_record_deposit"
    success_message = gettext_lazy("%(count)s acompte(s) enregistré(s).")
    action_priority = 40

    @classmethod
    def run(cls, enrollment, user, reason):
        service.record_deposit(enrollment, by=user)


class CancelEnrollmentsBulkAction(EnrollmentBulkAction):
    display_name = gettext_lazy("Annuler")
    action_type = "cancel"
    aria_label = gettext_lazy("Annuler les inscriptions sélectionnées")
    guard = "can_be_cancelled_by_staff"
    success_message = gettext_lazy("%(count)s inscription(s) annulée(s) ; les parents sont prévenus.")
    action_priority = 50

    @classmethod
    def run(cls, enrollment, user, reason):
        service.cancel_by_staff(enrollment, by=user)


BULK_ACTIONS = [
    ValidateEnrollmentsBulkAction,
    WaitlistEnrollmentsBulkAction,
    RefuseEnrollmentsBulkAction,
    RecordDepositsBulkAction,
    CancelEnrollmentsBulkAction,
]
