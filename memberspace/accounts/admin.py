"""Comptes parents: the secretariat validates, refuses, suspends and reinstates parents' accounts.

One account at a time from its row or its page, or a selection at once through
Wagtail's bulk actions (registered in wagtail_hooks.py). Every action calls the
transition of memberspace.accounts.services.
"""

from allauth.account.models import EmailAddress
from django import forms
from django.contrib.admin import SimpleListFilter
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Value, When
from django.urls import re_path
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.helpers.search import DjangoORMSearchHandler
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import InspectView

from memberspace.accounts import services as accounts
from memberspace.accounts.models import AccountStatus, ParentAccount
from memberspace.notifications import phones
from memberspace.secretariat.admin import (
    ActionView,
    ReadOnlyPermissionHelper,
    SecretariatOnlyMixin,
    TransitionBulkAction,
)

VALIDATE_PERMISSION = "accounts.validate_parentaccount"
STATUS_ORDER = Case(
    When(account_status=AccountStatus.PENDING, then=Value(0)),
    When(account_status=AccountStatus.VALIDATED, then=Value(1)),
    When(account_status=AccountStatus.SUSPENDED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def with_listing_annotations(queryset):
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return queryset.annotate(email_verified=Exists(verified), status_rank=STATUS_ORDER)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif (envoyé au parent et affiché dans son espace)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"required": gettext_lazy("Indiquez le motif : il sera communiqué au parent.")},
    )


# One account


class AccountActionView(ActionView):
    permission = VALIDATE_PERMISSION
    template_name = "accounts/admin/account_action.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(checks=accounts.history_checks(self.instance), **kwargs)


class ValidateAccountView(AccountActionView):
    title = gettext_lazy("Valider le compte")
    confirm_label = gettext_lazy("Valider le compte")

    @property
    def question(self):
        return _("Valider le compte de %(name)s (%(email)s) ? Le parent en sera prévenu et pourra continuer.") % {
            "name": self.instance.get_full_name(),
            "email": self.instance.email,
        }

    def act(self, request):
        accounts.validate(self.instance, by=request.user)
        return _("Le compte de %(name)s est validé ; le parent est prévenu.") % {"name": self.instance.get_full_name()}


class RejectAccountView(AccountActionView):
    title = gettext_lazy("Refuser le compte")
    confirm_label = gettext_lazy("Refuser le compte")
    form_class = ReasonForm

    @property
    def question(self):
        return _("Refuser le compte de %(name)s (%(email)s) ?") % {
            "name": self.instance.get_full_name(),
            "email": self.instance.email,
        }

    def act(self, request):
        accounts.reject(self.instance, by=request.user, reason=self.form.cleaned_data["reason"])
        return _("Le compte de %(name)s est refusé ; le parent est prévenu.") % {"name": self.instance.get_full_name()}


class SuspendAccountView(AccountActionView):
    title = gettext_lazy("Suspendre le compte")
    confirm_label = gettext_lazy("Suspendre le compte")
    form_class = ReasonForm

    @property
    def question(self):
        return _("Suspendre le compte de %(name)s ? Ses sessions ouvertes prennent fin.") % {
            "name": self.instance.get_full_name()
        }

    def act(self, request):
        accounts.suspend(self.instance, by=request.user, reason=self.form.cleaned_data["reason"])
        return _("Le compte de %(name)s est suspendu.") % {"name": self.instance.get_full_name()}


class ReinstateAccountView(AccountActionView):
    title = gettext_lazy("Rétablir le compte")
    confirm_label = gettext_lazy("Rétablir le compte")

    @property
    def question(self):
        return _("Rétablir le compte de %(name)s ?") % {"name": self.instance.get_full_name()}

    def act(self, request):
        accounts.reinstate(self.instance, by=request.user)
        return _("Le compte de %(name)s est rétabli.") % {"name": self.instance.get_full_name()}


ACCOUNT_ACTIONS = {
    # action: (view, label, guard)
    "validate": (ValidateAccountView, gettext_lazy("Valider"), "can_be_validated"),
    "reject": (RejectAccountView, gettext_lazy("Refuser"), "can_be_rejected"),
    "suspend": (SuspendAccountView, gettext_lazy("Suspendre"), "can_be_suspended"),
    "reinstate": (ReinstateAccountView, gettext_lazy("Rétablir"), "can_be_reinstated"),
}


def account_actions():
    """The actions of an account's screen: its own transitions, then those the apps above it add.

    An app adds some with the ``register_parent_account_actions`` hook, a function
    returning ``{action: (view, label, guard)}``; an action without a label gets no
    button (a form elsewhere on the page posts to it).
    """
    actions = dict(ACCOUNT_ACTIONS)
    for register in hooks.get_hooks("register_parent_account_actions"):
        actions.update(register())
    return actions


class AccountButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if not self.request.user.has_perm(VALIDATE_PERMISSION):
            return buttons
        for action, (_view, label, guard) in account_actions().items():
            if label is None:
                continue
            allowed = getattr(obj, "email_verified", True) if action == "validate" else True
            if allowed and self._guard(obj, guard):
                buttons.append(
                    {
                        "url": self.url_helper.get_action_url(action, obj.pk),
                        "label": label,
                        "classname": "button button-small" + ("" if action == "validate" else " button-secondary"),
                        "title": f"{label} — {obj.get_full_name()}",
                    }
                )
        return buttons

    @staticmethod
    def _guard(obj, guard):
        if guard == "can_be_validated":  # the listing annotated email_verified: no query per row
            return obj.account_status == AccountStatus.PENDING
        return getattr(obj, guard)()


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
        panels = []
        for construct in hooks.get_hooks("construct_parent_account_panels"):
            construct(self.request, self.instance, panels)
        return super().get_context_data(
            checks=accounts.history_checks(self.instance),
            panels=sorted(panels, key=lambda panel: panel.order),
            **kwargs,
        )


class ParentAccountAdmin(SecretariatOnlyMixin, ModelAdmin):
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
    button_helper_class = AccountButtonHelper

    def get_queryset(self, request):
        # Annotated before the listing orders by its annotation (pending accounts first, oldest first).
        return with_listing_annotations(ParentAccount.objects.all())

    def get_ordering(self, request):
        return ["status_rank", F("pending_since").asc(nulls_last=True), "-date_joined"]

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
        return format_html("{}<br><small>{}</small>", obj.email, phones.display(obj.phone) or "—")

    contact.short_description = gettext_lazy("E-mail, téléphone")

    def status_badge(self, obj):
        label = obj.get_account_status_display()
        if obj.account_status == AccountStatus.PENDING and not getattr(obj, "email_verified", True):
            label = _("E-mail non vérifié")
        badge = format_html('<span class="w-status w-status--{}">{}</span>', obj.account_status, label)
        if obj.account_status != AccountStatus.PENDING or not obj.pending_since:
            return badge
        waiting = _("attend depuis %(delay)s") % {"delay": timesince(obj.pending_since, depth=1)}
        return format_html("{}<br><small>{}</small>", badge, waiting)

    status_badge.short_description = gettext_lazy("État")

    def message_excerpt(self, obj):
        message = obj.club_message
        return (message[:60] + "…") if len(message) > 60 else (message or "—")

    message_excerpt.short_description = gettext_lazy("Message au club")

    def get_admin_urls_for_registration(self):
        urls = super().get_admin_urls_for_registration()
        views = {action: view_class for action, (view_class, _label, _guard) in account_actions().items()}
        for action, view_class in views.items():
            urls += (
                re_path(
                    self.url_helper.get_action_url_pattern(action),
                    self._action_view(view_class),
                    name=self.url_helper.get_action_url_name(action),
                ),
            )
        return urls

    def _action_view(self, view_class):
        def view(request, instance_pk):
            return view_class.as_view(model_admin=self, instance_pk=instance_pk)(request)

        return view


# A selection: Wagtail's bulk actions


class AccountBulkAction(TransitionBulkAction):
    models = [ParentAccount]
    template_name = "accounts/admin/bulk_account_action.html"
    permission = VALIDATE_PERMISSION

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(with_listing_annotations(ParentAccount.objects.filter(pk__in=object_ids)))


class ValidateAccountsBulkAction(AccountBulkAction):
    display_name = gettext_lazy("Valider")
    action_type = "validate"
    aria_label = gettext_lazy("Valider les comptes sélectionnés")
    guard = "can_be_validated"
    success_message = gettext_lazy("%(count)s compte(s) validé(s) ; les parents sont prévenus.")
    action_priority = 10

    @classmethod
    def run(cls, account, user, reason):
        accounts.validate(account, by=user)


class RejectAccountsBulkAction(AccountBulkAction):
    display_name = gettext_lazy("Refuser")
    action_type = "reject"
    aria_label = gettext_lazy("Refuser les comptes sélectionnés")
    guard = "can_be_rejected"
    form_class = ReasonForm
    success_message = gettext_lazy("%(count)s compte(s) refusé(s) ; les parents sont prévenus.")
    action_priority = 20

    @classmethod
    def run(cls, account, user, reason):
        accounts.reject(account, by=user, reason=reason)


class SuspendAccountsBulkAction(AccountBulkAction):
    display_name = gettext_lazy("Suspendre")
    action_type = "suspend"
    aria_label = gettext_lazy("Suspendre les comptes sélectionnés")
    guard = "can_be_suspended"
    form_class = ReasonForm
    success_message = gettext_lazy("%(count)s compte(s) suspendu(s).")
    action_priority = 30

    @classmethod
    def run(cls, account, user, reason):
        accounts.suspend(account, by=user, reason=reason)


BULK_ACTIONS = [ValidateAccountsBulkAction, RejectAccountsBulkAction, SuspendAccountsBulkAction]
