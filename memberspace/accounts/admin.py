"""Comptes parents: the secretariat validates, refuses, suspends and reinstates parents' accounts.

One account at a time from its row or its page, or a selection at once through
Wagtail's bulk actions (registered in wagtail_hooks.py). Every action calls the
transition of memberspace.accounts.services.
"""

from allauth.account.models import EmailAddress
from django.contrib.admin import SimpleListFilter
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Value, When
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail_modeladmin.helpers.search import DjangoORMSearchHandler
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import InspectView

from memberspace.accounts.models import ACCOUNT_TRANSITIONS, AccountStatus, ParentAccount
from memberspace.notifications import phones
from memberspace.secretariat import working_time
from memberspace.secretariat.admin import (
    ReadOnlyPermissionHelper,
    SecretariatOnlyMixin,
    TransitionActionView,
    TransitionAdminMixin,
    TransitionBulkAction,
    panels_for,
    reason_form,
    registered_action_views,
)
from pages.formatting import email_address

from . import services

VALIDATE_PERMISSION = ACCOUNT_TRANSITIONS.permission
STATUS_ORDER = Case(
    When(account_status=AccountStatus.PENDING, then=Value(0)),
    When(account_status=AccountStatus.VALIDATED, then=Value(1)),
    When(account_status=AccountStatus.SUSPENDED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def with_listing_annotations(queryset):
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True)
    return queryset.annotate(email_verified=Exists(verified), status_rank=STATUS_ORDER)


ReasonForm = reason_form(
    gettext_lazy("Motif (envoyé au parent et affiché dans son espace)"),
    gettext_lazy("Indiquez le motif : il sera communiqué au parent."),
)


# One account: its row's buttons and its action views, from ACCOUNT_TRANSITIONS


class AccountActionView(TransitionActionView):
    permission = VALIDATE_PERMISSION
    reason_form_class = ReasonForm
    template_name = "accounts/admin/account_action.html"

    def describe(self):
        return {"name": self.instance.get_full_name(), "email": self.instance.email}

    def get_context_data(self, **kwargs):
        return super().get_context_data(checks=services.history_checks(self.instance), **kwargs)


class ErasureRequestFilter(SimpleListFilter):
    title = gettext_lazy("effacement")
    parameter_name = "effacement"

    def lookups(self, request, model_admin):
        return [("demande", _("Effacement demandé"))]

    def queryset(self, request, queryset):
        if self.value() == "demande":
            return queryset.filter(erasure_requested_at__isnull=False).exclude(account_status=AccountStatus.ERASED)
        return queryset


class PhoneAwareSearchHandler(DjangoORMSearchHandler):
    """Search by name or email, and by phone typed any way ("06 12 34 56 78" finds "+33612345678")."""

    def search_queryset(self, queryset, search_term, **kwargs):
        number = phones.to_e164(search_term)
        if number:
            return queryset.filter(phone=number)
        return super().search_queryset(queryset, search_term, **kwargs)


class ParentAccountInspectView(InspectView):
    """The account, its history checks, then the panels the apps above add (their family, the old base's matches).

    An app adds a panel with the ``construct_parent_account_panels`` hook:
    ``fn(request, account, panels)`` appends Wagtail components, shown in their ``order``.
    """

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            checks=services.history_checks(self.instance),
            panels=panels_for("construct_parent_account_panels", self.request, self.instance),
            **kwargs,
        )

    def get_field_label(self, field_name, field=None):
        return capfirst(super().get_field_label(field_name, field))

    def get_field_display_value(self, field_name, field=None):
        if field_name == "phone":
            return phones.display(self.instance.phone) or self.model_admin.get_empty_value_display(field_name)
        return super().get_field_display_value(field_name, field)


class ParentAccountAdmin(SecretariatOnlyMixin, TransitionAdminMixin, ModelAdmin):
    model = ParentAccount
    menu_label = gettext_lazy("Comptes parents")
    menu_icon = "user"
    # Five columns: the listing stays readable beside the filters at 1280 px.
    list_display = ("select", "full_name", "contact", "status_badge", "message_excerpt")
    list_display_add_buttons = "full_name"
    list_filter = ("account_status", ErasureRequestFilter)
    search_fields = ("first_name", "last_name", "email")
    search_handler_class = PhoneAwareSearchHandler
    list_per_page = 50
    inspect_view_enabled = True
    history_view_enabled = True
    index_template_name = "accounts/admin/parentaccount_index.html"
    inspect_template_name = "accounts/admin/parentaccount_inspect.html"
    inspect_view_class = ParentAccountInspectView
    inspect_view_fields = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "street",
        "postal_code",
        "city",
        "notification_preference",
        "account_status",
        "status_reason",
        "date_joined",
        "pending_since",
        "status_changed_at",
        "last_login",
    ]
    permission_helper_class = ReadOnlyPermissionHelper
    transitions = ACCOUNT_TRANSITIONS
    action_view_class = AccountActionView

    def extra_action_views(self):
        return registered_action_views("register_parent_account_actions")

    def button_subject(self, obj):
        return obj.get_full_name()

    def get_queryset(self, request):
        # Annotated before the listing orders by its annotation (pending accounts first, oldest first).
        return with_listing_annotations(ParentAccount.objects.all())

    def get_ordering(self, request):
        return ["status_rank", F("pending_since").asc(nulls_last=True), "-date_joined"]

    def get_extra_attrs_for_row(self, obj, context):
        """A pending account past the promised 24 working hours is flagged (« jusqu'à 24 h hors week-end »)."""
        late = obj.account_status == AccountStatus.PENDING and obj.pending_since
        if late and working_time.past_promise(obj.pending_since):
            return {"class": "account-late"}
        return {}

    def select(self, obj):
        return format_html(
            '<input type="checkbox" data-object-id="{}" data-bulk-action-checkbox class="bulk-action-checkbox"'
            ' aria-label="{}">',
            obj.pk,
            _("Sélectionner le compte de %(name)s") % {"name": obj.get_full_name() or obj.email},
        )

    select.short_description = format_html(
        '<input data-bulk-action-select-all-checkbox type="checkbox" aria-label="{}">',
        gettext_lazy("Tout sélectionner"),
    )

    def full_name(self, obj):
        return obj.get_full_name() or "—"

    full_name.short_description = gettext_lazy("Parent")

    def contact(self, obj):
        return format_html("{}<br><small>{}</small>", email_address(obj.email), phones.display(obj.phone) or "—")

    contact.short_description = gettext_lazy("E-mail, téléphone")

    def status_badge(self, obj):
        label = obj.get_account_status_display()
        if obj.account_status == AccountStatus.PENDING and not getattr(obj, "email_verified", True):
            label = _("E-mail non vérifié")
        badge = format_html('<span class="w-status w-status--{}">{}</span>', obj.account_status, label)
        if obj.account_status != AccountStatus.PENDING or not obj.pending_since:
            return badge
        waited = working_time.waited(obj.pending_since)
        waiting = _("attend depuis %(delay)s") % {"delay": working_time.in_words(waited)}
        if waited <= working_time.PROMISE:
            return format_html("{}<br><small>{}</small>", badge, waiting)
        late = _("Délai de 24 h dépassé")
        return format_html(
            '{}<br><small>{}</small><br><strong class="account-late__flag">{}</strong>', badge, waiting, late
        )

    status_badge.short_description = gettext_lazy("État")

    def message_excerpt(self, obj):
        message = obj.club_message
        return (message[:60] + "…") if len(message) > 60 else (message or "—")

    message_excerpt.short_description = gettext_lazy("Message au club")


# A selection: Wagtail's bulk actions


class AccountBulkAction(TransitionBulkAction):
    models = [ParentAccount]
    transitions = ACCOUNT_TRANSITIONS
    reason_form_class = ReasonForm
    header_icon = "user"
    excluded_intro = gettext_lazy(
        "Ces comptes ne sont pas concernés par cette action (leur état ne le permet pas) et resteront inchangés :"
    )

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(with_listing_annotations(ParentAccount.objects.filter(pk__in=object_ids)))

    def items_intro(self, count):
        return ngettext("Ce compte est concerné :", "Ces %(count)s comptes sont concernés :", count) % {"count": count}

    def item_line(self, account):
        if not account.club_message:
            return format_html("<strong>{}</strong> &lt;{}&gt;", account.get_full_name(), account.email)
        return format_html(
            "<strong>{}</strong> &lt;{}&gt; — <em>{}</em>",
            account.get_full_name(),
            account.email,
            Truncator(account.club_message).chars(120),
        )

    def excluded_line(self, account):
        status = account.get_account_status_display()
        line = format_html("{} &lt;{}&gt; — {}", account.get_full_name(), account.email, status)
        if account.account_status == AccountStatus.PENDING and not account.email_verified:
            return format_html("{} ({})", line, _("e-mail non vérifié"))
        return line


BULK_ACTIONS = AccountBulkAction.for_table()
