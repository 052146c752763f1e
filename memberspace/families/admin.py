"""Enfants: the secretariat searches children, attaches and detaches guardians."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.admin import SimpleListFilter
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail_modeladmin.helpers.search import DjangoORMSearchHandler
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import InspectView

from memberspace.accounts.access import id_from
from memberspace.accounts.models import ParentAccount
from memberspace.families.forms import relationship_choices
from memberspace.families.models import Child
from memberspace.families.services import children as children_service
from memberspace.secretariat.admin import (
    ActionView,
    ActionViewsMixin,
    ReadOnlyPermissionHelper,
    RecordPanel,
    SecretariatOnlyMixin,
    panels_for,
)

MANAGE_PERMISSION = children_service.MANAGE_PERMISSION
VIEW_PERMISSION = children_service.VIEW_PERMISSION


class GuardianFilter(SimpleListFilter):
    title = gettext_lazy("responsables")
    parameter_name = "responsables"

    def lookups(self, request, model_admin):
        return [("avec", _("Avec responsable")), ("sans", _("Sans responsable"))]

    def queryset(self, request, queryset):
        if self.value() == "avec":
            return queryset.filter(guardian_count__gt=0)
        if self.value() == "sans":
            return queryset.filter(guardian_count=0)
        return queryset


class DuplicateFilter(SimpleListFilter):
    """The children created with the names and birth date of another one (``Child.duplicate_of``)."""

    title = gettext_lazy("doublons possibles")
    parameter_name = "doublon"

    def lookups(self, request, model_admin):
        return [("oui", _("Doublon possible")), ("non", _("Sans doublon signalé"))]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(duplicate_of__isnull=False)
        if self.value() == "non":
            return queryset.filter(duplicate_of__isnull=True)
        return queryset


class AgeFilter(SimpleListFilter):
    title = gettext_lazy("âge")
    parameter_name = "age"
    BRACKETS = {"3-5": (3, 5), "6-8": (6, 8), "9-11": (9, 11), "12-14": (12, 14), "15-17": (15, 17), "18+": (18, 99)}

    def lookups(self, request, model_admin):
        return [(key, _("%(range)s ans") % {"range": key.replace("-", " à ")}) for key in self.BRACKETS]

    def queryset(self, request, queryset):
        if self.value() not in self.BRACKETS:
            return queryset
        youngest, oldest = self.BRACKETS[self.value()]
        today = timezone.localdate()
        born_after = today.replace(year=today.year - oldest - 1) + datetime.timedelta(days=1)
        born_before = today.replace(year=today.year - youngest)
        return queryset.filter(birth_date__gte=born_after, birth_date__lte=born_before)


class ChildSearchHandler(DjangoORMSearchHandler):
    """By name or legacy number, and by birth year ("2016")."""

    def search_queryset(self, queryset, search_term, **kwargs):
        term = (search_term or "").strip()
        if term.isdigit() and len(term) == 4:
            return queryset.filter(Q(birth_date__year=int(term)) | Q(legacy_id=term))
        return super().search_queryset(queryset, search_term, **kwargs)


class AttachForm(forms.Form):
    relationship = forms.ChoiceField(
        label=gettext_lazy("Lien avec l'enfant"),
        choices=relationship_choices,
        error_messages={"required": gettext_lazy("Indiquez le lien avec l'enfant.")},
    )


class AttachToAccountForm(AttachForm):
    email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail du compte parent"),
        error_messages={"required": gettext_lazy("Indiquez l'adresse e-mail du compte parent.")},
    )

    def clean_email(self):
        account = ParentAccount.objects.filter(email__iexact=self.cleaned_data["email"]).first()
        if account is None:
            raise forms.ValidationError(_("Aucun compte parent avec cette adresse."))
        return account


class AttachToAccountView(ActionView):
    """From a child's page: make a parent's account one of its guardians."""

    permission = MANAGE_PERMISSION
    title = gettext_lazy("Rattacher à un compte parent")
    confirm_label = gettext_lazy("Rattacher")
    form_class = AttachToAccountForm

    @property
    def question(self):
        return _("Rattacher %(child)s, né(e) le %(date)s, au compte d'un parent :") % {
            "child": self.instance,
            "date": self.instance.birth_date.strftime("%d/%m/%Y"),
        }

    def act(self, request):
        account = self.form.cleaned_data["email"]
        children_service.attach_child(
            self.instance, account, by=request.user, relationship=self.form.cleaned_data["relationship"]
        )
        return _("%(child)s est rattaché(e) au compte de %(parent)s.") % {
            "child": self.instance,
            "parent": account.get_full_name(),
        }


class DetachGuardianView(ActionView):
    permission = MANAGE_PERMISSION
    title = gettext_lazy("Détacher un responsable")
    confirm_label = gettext_lazy("Détacher")

    @property
    def parent(self):
        parent_id = self.request.POST.get("parent") or self.request.GET.get("parent")
        parent_id = id_from(parent_id)
        return self.instance.guardians.filter(pk=parent_id).first() if parent_id is not None else None

    @property
    def question(self):
        parent = self.parent
        if parent is None:
            return _("Ce responsable n'est plus rattaché à l'enfant.")
        return _("%(parent)s ne sera plus responsable de %(child)s. Un enfant sans responsable est archivé.") % {
            "parent": parent.get_full_name(),
            "child": self.instance,
        }

    def act(self, request):
        parent = self.parent
        if parent is None:
            return _("Rien à faire : ce responsable n'est plus rattaché.")
        children_service.detach_guardian(self.instance, parent, by=request.user)
        return _("%(parent)s n'est plus responsable de %(child)s.") % {
            "parent": parent.get_full_name(),
            "child": self.instance,
        }


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=gettext_lazy("N° de la fiche à garder"),
        min_value=1,
        help_text=gettext_lazy("Proposée : la fiche dont celle-ci est un doublon possible."),
        error_messages={
            "required": gettext_lazy("Indiquez le n° de la fiche à garder."),
            "invalid": gettext_lazy("Indiquez le n° de la fiche à garder, en chiffres."),
            "min_value": gettext_lazy("Indiquez le n° de la fiche à garder, en chiffres."),
        },
    )
    # The number whose comparison the secretary saw (MergeChildView): another one typed is shown first.
    compared = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_into(self):
        child = Child.objects.filter(pk=id_from(self.cleaned_data["into"])).first()
        if child is None:
            raise forms.ValidationError(_("Aucune fiche d'enfant ne porte ce n°."))
        return child


class MergeChildView(ActionView):
    """From a child's page: merge this record into another one of the same child (``merge_children``).

    The two records are compared side by side before anything is merged: the form carries
    the number whose comparison was shown (``compared``); a number typed instead is not
    merged at once but shown compared, to be confirmed.
    """

    permission = MANAGE_PERMISSION
    title = gettext_lazy("Fusionner deux fiches du même enfant")
    confirm_label = gettext_lazy("Fusionner")
    form_class = MergeForm
    template_name = "families/admin/merge_confirm.html"
    kept = None

    def get_form(self):
        proposed = self.instance.duplicate_of_id
        return MergeForm(self.request.POST or None, initial={"into": proposed, "compared": proposed})

    def post(self, request, *args, **kwargs):
        self.form = self.get_form()
        if self.form.is_valid():
            typed = self.form.cleaned_data["into"]
            if id_from(self.form.cleaned_data["compared"]) != typed.pk:  # not the record compared: compare it
                messages.warning(request, _("Vérifiez les deux fiches avant de confirmer la fusion."))
                data = request.POST.copy()
                data["compared"] = str(typed.pk)
                self.form = MergeForm(data)
                return TemplateResponse(request, self.template_name, self.get_context_data(form=self.form))
        return super().post(request, *args, **kwargs)

    @property
    def question(self):
        return _(
            "La fiche de %(child)s (n° %(number)s) sera fusionnée dans la fiche à garder, puis supprimée : "
            "ses responsables, ses inscriptions et son historique rejoignent la fiche gardée, et les parents "
            "en sont informés."
        ) % {"child": self.instance, "number": self.instance.pk}

    def proposed(self):
        """The record to keep as the form names it (typed, or the flagged duplicate), for the comparison."""
        value = self.form["into"].value() if self.form is not None else self.instance.duplicate_of_id
        number = id_from(value)
        return Child.objects.filter(pk=number).first() if number is not None else None

    def get_context_data(self, **kwargs):
        self.form = kwargs.get("form") or self.form
        records = [record for record in (self.instance, self.proposed()) if record is not None]
        for record in records:
            record.guardian_list = record.guardianships.select_related("parent").order_by("created_at")
        return super().get_context_data(records=records, **kwargs)

    def act(self, request):
        keep = self.form.cleaned_data["into"]
        absorbed = str(self.instance)
        self.kept = children_service.merge_children(keep, self.instance, by=request.user)
        return _("La fiche de %(absorbed)s est fusionnée dans celle de %(child)s ; les parents sont prévenus.") % {
            "absorbed": absorbed,
            "child": self.kept,
        }

    def get_success_url(self):
        return self.url_helper.get_action_url("inspect", self.kept.pk if self.kept else self.instance.pk)


class ChildInspectView(InspectView):
    """The child, its guardians, then the panels the apps above add (``construct_child_panels`` hook).

    ``fn(request, child, panels)`` appends Wagtail components, shown in their ``order``.
    """

    def get_context_data(self, **kwargs):
        child = self.instance
        return super().get_context_data(
            guardianships=child.guardianships.select_related("parent").order_by("created_at"),
            can_manage=self.request.user.has_perm(MANAGE_PERMISSION),
            panels=panels_for("construct_child_panels", self.request, child),
            **kwargs,
        )


class ChildAdmin(SecretariatOnlyMixin, ActionViewsMixin, ModelAdmin):
    model = Child
    menu_label = gettext_lazy("Enfants")
    menu_icon = "group"
    list_display = ("full_name", "birth_date", "age", "status", "guardian_names", "legacy_id", "duplicate")
    list_filter = ("status", DuplicateFilter, GuardianFilter, AgeFilter)
    search_fields = ("first_name", "last_name", "legacy_id")
    search_handler_class = ChildSearchHandler
    list_per_page = 50
    inspect_view_enabled = True
    history_view_enabled = True
    inspect_view_class = ChildInspectView
    inspect_template_name = "families/admin/child_inspect.html"
    inspect_view_fields = [
        "first_name",
        "last_name",
        "birth_date",
        "sex",
        "school_level",
        "status",
        "legacy_id",
        "legacy_activities",
        "created_at",
    ]
    permission_helper_class = ReadOnlyPermissionHelper
    action_views = {"attach": AttachToAccountView, "detach": DetachGuardianView, "merge": MergeChildView}

    def get_queryset(self, request):
        return (
            Child.objects.annotate(guardian_count=Count("guardianships"))
            .select_related("duplicate_of")
            .prefetch_related("guardianships__parent")
            .order_by("last_name", "first_name")
        )

    def full_name(self, obj):
        return str(obj)

    full_name.short_description = gettext_lazy("Enfant")

    def age(self, obj):
        return obj.age

    age.short_description = gettext_lazy("Âge")

    def guardian_names(self, obj):
        names = [guardianship.parent.get_full_name() for guardianship in obj.guardianships.all()]
        return ", ".join(names) or "—"

    guardian_names.short_description = gettext_lazy("Responsables")

    def duplicate(self, obj):
        """« doublon possible » with a link to the other record, for a flagged child."""
        if obj.duplicate_of is None:
            return ""
        return format_html(
            '{} <a href="{}">{} (n° {})</a>',
            _("Doublon possible de"),
            reverse("families_child_modeladmin_inspect", args=[obj.duplicate_of.pk]),
            obj.duplicate_of,
            obj.duplicate_of.pk,
        )

    duplicate.short_description = gettext_lazy("Doublon possible")


class FamilyPanel(RecordPanel):
    """On a parent's account screen: the children attached to the account."""

    order = 100
    template_name = "families/admin/family_panel.html"

    def context(self, request):
        return {"family_children": self.record.children.all()}
