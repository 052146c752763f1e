"""Relevés bancaires: the treasurer's import screen and the queue « Lignes à rapprocher ».

- « Importer un relevé »: a CAMT.053, OFX or CSV file (with, for a CSV, which column holds
  what); the credits matched are recorded at once, and the summary says what became of the
  lines;
- the lines, those « à rapprocher » first, each with a button per enrollment it could be
  for (« Rattacher »), a form to attach it to any enrollment by its reference, and
  « Ignorer ».

Listing needs ``payments.view_payment``; importing, attaching and ignoring need
``payments.record_payment``; anyone else gets a 403. Every change calls
memberspace.payments.reconciliation.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin import SimpleListFilter
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import re_path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin

from memberspace import MemberspaceError
from memberspace.secretariat.admin import ActionView, ActionViewsMixin, SecretariatOnlyMixin, forbidden
from pages import formatting

from . import reconciliation, statements
from .admin import RECORD_PERMISSION, VIEW_PERMISSION, admin_next_url
from .models import LineState, StatementFormat, StatementImport, StatementLine

ACTION_FORM_ID = "statement-line-action"  # the one form of the listing's buttons (their ``form`` attribute)


class LinePermissionHelper(PermissionHelper):
    """The payments' permissions: listed with ``view_payment``, never created, edited or deleted by hand."""

    def user_has_any_permissions(self, user):
        return user.has_perm(VIEW_PERMISSION) or user.has_perm(RECORD_PERMISSION)

    def user_can_list(self, user):
        return user.has_perm(VIEW_PERMISSION)

    def user_can_inspect_obj(self, user, obj):
        return self.inspect_view_enabled and user.has_perm(VIEW_PERMISSION)

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


# The import


class StatementImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Relevé"),
        help_text=gettext_lazy("Le fichier exporté depuis l'espace bancaire du club (2 Mo au plus)."),
    )
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=StatementFormat.choices,
        initial=StatementFormat.CAMT053,
        widget=forms.RadioSelect,
    )
    date = forms.CharField(
        label=gettext_lazy("Colonne de la date"),
        required=False,
        max_length=60,
        help_text=gettext_lazy(
            "Pour un CSV : le titre de la colonne tel qu'écrit dans le fichier, ou son numéro (1 pour la première)."
        ),
    )
    amount = forms.CharField(
        label=gettext_lazy("Colonne du montant"),
        required=False,
        max_length=60,
        help_text=gettext_lazy(
            "Une seule colonne, négative pour un débit ; sinon, indiquez les colonnes crédit et débit."
        ),
    )
    credit = forms.CharField(label=gettext_lazy("Colonne du crédit"), required=False, max_length=60)
    debit = forms.CharField(label=gettext_lazy("Colonne du débit"), required=False, max_length=60)
    payer = forms.CharField(label=gettext_lazy("Colonne de l'émetteur (payeur)"), required=False, max_length=60)
    reference = forms.CharField(
        label=gettext_lazy("Colonne du libellé"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("Là où la banque écrit le motif du virement (la référence PO-…)."),
    )

    MAPPING_FIELDS = ("date", "amount", "credit", "debit", "payer", "reference")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > statements.MAX_STATEMENT_BYTES:
            raise forms.ValidationError(
                _("Fichier trop volumineux : %(size)s Mo au plus.")
                % {"size": statements.MAX_STATEMENT_BYTES // (1024 * 1024)}
            )
        return file

    def clean(self):
        data = super().clean()
        if data.get("file_format") == StatementFormat.CSV and not (
            data.get("date") and (data.get("amount") or data.get("credit"))
        ):
            raise forms.ValidationError(
                _("Pour un CSV, indiquez au moins les colonnes de la date et du montant (ou du crédit).")
            )
        return data

    def mapping(self):
        if self.cleaned_data["file_format"] != StatementFormat.CSV:
            return None
        return statements.CsvMapping(**{name: self.cleaned_data.get(name) or "" for name in self.MAPPING_FIELDS})


def import_view(request, model_admin):
    """The upload form; once imported, back to the import's lines with its summary."""
    if not request.user.has_perm(RECORD_PERMISSION):
        return forbidden(request)
    form = StatementImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            statement = reconciliation.import_statement(
                form.cleaned_data["file"],
                file_format=form.cleaned_data["file_format"],
                mapping=form.mapping(),
                by=request.user,
            )
        except MemberspaceError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                _("Relevé « %(file)s » importé : %(summary)s.")
                % {"file": statement.file_name, "summary": reconciliation.summary(statement)},
            )
            return redirect(f"{model_admin.url_helper.index_url}?{ImportFilter.parameter_name}={statement.pk}")
    return TemplateResponse(
        request,
        "payments/admin/statement_import.html",
        {
            "form": form,
            "index_url": model_admin.url_helper.index_url,
            "imports": StatementImport.objects.select_related("imported_by")[:10],
            "max_size": statements.MAX_STATEMENT_BYTES // (1024 * 1024),
        },
    )


# The queue


class AttachForm(forms.Form):
    """Which enrollment: one of the suggestions (its id, from a button), or any by its reference."""

    enrollment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reference = forms.CharField(
        label=gettext_lazy("Référence de l'inscription"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("Par exemple PO-2027-00042 (les espaces et les zéros en tête peuvent manquer)."),
    )

    def clean(self):
        data = super().clean()
        if data.get("enrollment") is None and not (data.get("reference") or "").strip():
            raise forms.ValidationError(_("Indiquez la référence de l'inscription."))
        return data

    def chosen(self, line):
        """The enrollment chosen: a suggestion of ``line`` only when given by id (ids cannot be tried)."""
        enrollment_id = self.cleaned_data.get("enrollment")
        if enrollment_id is not None:
            enrollment = line.candidates.filter(pk=enrollment_id).select_related("child", "offer").first()
            if enrollment is None:
                raise reconciliation.PaymentRefused(_("Cette inscription n'est pas suggérée pour cette ligne."))
            return enrollment
        return reconciliation.enrollment_by_reference(self.cleaned_data["reference"])


class LineActionView(ActionView):
    permission = RECORD_PERMISSION

    def describe(self):
        line = self.instance
        return {
            "amount": formatting.euros(line.amount),
            "date": line.booked_on.strftime("%d/%m/%Y"),
            "payer": line.payer_name or "—",
        }

    @property
    def question(self):
        return self.question_text % self.describe()

    def get_success_url(self):
        return admin_next_url(self.request, self.index_url)


class AttachView(LineActionView):
    title = gettext_lazy("Rattacher une ligne du relevé")
    question_text = gettext_lazy("À quelle inscription rattacher le virement de %(amount)s du %(date)s (%(payer)s) ?")
    confirm_label = gettext_lazy("Rattacher")
    form_class = AttachForm
    template_name = "payments/admin/statement_attach.html"
    form_on_this_page = False  # the listing's « Rattacher à … » buttons post here too: a refusal goes back there

    def get_context_data(self, **kwargs):
        return super().get_context_data(line=self.instance, candidates=_candidates(self.instance), **kwargs)

    def act(self, request):
        enrollment = self.form.chosen(self.instance)
        line = reconciliation.attach_line(self.instance, enrollment, by=request.user)
        return _("Virement de %(amount)s rattaché à %(child)s (%(ref)s) et enregistré.") % {
            "amount": formatting.euros(line.amount),
            "child": enrollment.child,
            "ref": enrollment.reference,
        }


class DismissView(LineActionView):
    title = gettext_lazy("Ignorer une ligne du relevé")
    question_text = gettext_lazy(
        "Le virement de %(amount)s du %(date)s (%(payer)s) n'est-il le paiement d'aucune inscription "
        "(subvention, don, autre) ?"
    )
    confirm_label = gettext_lazy("Oui, l'ignorer")

    def act(self, request):
        reconciliation.dismiss_line(self.instance, by=request.user)
        return _("Ligne de %(amount)s du %(date)s ignorée.") % self.describe()


def _candidates(line):
    return list(line.candidates.select_related("child", "offer").order_by("pk"))


class StateFilter(SimpleListFilter):
    """The lines « à rapprocher » unless another state is chosen."""

    title = gettext_lazy("état")
    parameter_name = "etat"
    ALL = "toutes"

    def lookups(self, request, model_admin):
        return [*LineState.choices, (self.ALL, _("Toutes"))]

    def choices(self, changelist):
        current = self.value() or LineState.TO_RECONCILE
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or LineState.TO_RECONCILE
        if value == self.ALL:
            return queryset
        if value in LineState.values:
            return queryset.filter(state=value)
        return queryset.none()


class ImportFilter(SimpleListFilter):
    title = gettext_lazy("relevé")
    parameter_name = "releve"

    def lookups(self, request, model_admin):
        return [
            (statement.pk, f"{statement.file_name} ({statement.imported_at:%d/%m/%Y})")
            for statement in StatementImport.objects.all()[:20]
        ]

    def queryset(self, request, queryset):
        if self.value() and str(self.value()).isdigit():
            return queryset.filter(statement_id=self.value())
        return queryset


class StatementLineAdmin(SecretariatOnlyMixin, ActionViewsMixin, ModelAdmin):
    model = StatementLine
    menu_label = gettext_lazy("Lignes à rapprocher")
    menu_icon = "list-ul"
    list_display = ("booked_on", "amount_display", "payer_name", "text", "state_note", "actions")
    list_filter = (StateFilter, ImportFilter)
    search_fields = ("payer_name", "reference", "bank_id")
    list_per_page = 50
    index_template_name = "payments/admin/statementline_index.html"
    inspect_view_enabled = True
    inspect_view_fields = [
        "statement",
        "booked_on",
        "amount",
        "payer_name",
        "reference",
        "bank_id",
        "account",
        "state",
        "note",
        "payment",
        "handled_at",
        "handled_by",
    ]
    permission_helper_class = LinePermissionHelper
    action_views = {"attach": AttachView, "dismiss": DismissView}

    def get_queryset(self, request):
        return StatementLine.objects.select_related("statement", "payment__enrollment__child").prefetch_related(
            "candidates__child"
        )

    def get_ordering(self, request):
        return ["-booked_on", "-pk"]

    def amount_display(self, obj):
        return formatting.euros(obj.amount)

    amount_display.short_description = gettext_lazy("Montant")

    def text(self, obj):
        return Truncator(obj.reference).chars(90)

    text.short_description = gettext_lazy("Libellé")

    def state_note(self, obj):
        return format_html("{}<br><small>{}</small>", obj.get_state_display(), obj.note)

    state_note.short_description = gettext_lazy("État")

    def actions(self, obj):
        """A line's buttons, all in the listing's one form: one click each (the view says if done already)."""
        if obj.state == LineState.MATCHED and obj.payment is not None:
            enrollment = obj.payment.enrollment
            return format_html(
                '<a href="{}">{} ({})</a>',
                reverse("enrollments_enrollment_modeladmin_inspect", args=[enrollment.pk]),
                enrollment.child,
                enrollment.reference,
            )
        if obj.state != LineState.TO_RECONCILE:
            return ""
        attach_url = self.url_helper.get_action_url("attach", obj.pk)
        buttons = format_html_join(
            "",
            '<button type="submit" form="{}" formaction="{}" name="enrollment" value="{}"'
            ' class="button button-small">{}</button> ',
            (
                (
                    ACTION_FORM_ID,
                    attach_url,
                    enrollment.pk,
                    _("Rattacher à %(child)s (%(ref)s)") % {"child": enrollment.child, "ref": enrollment.reference},
                )
                for enrollment in obj.candidates.all()
                if obj.amount > 0
            ),
        )
        return format_html(
            '{}<a class="button button-small button-secondary" href="{}">{}</a> '
            '<button type="submit" form="{}" formaction="{}" class="button button-small button-secondary">{}</button>',
            buttons,
            attach_url,
            _("Autre inscription…"),
            ACTION_FORM_ID,
            self.url_helper.get_action_url("dismiss", obj.pk),
            _("Ignorer"),
        )

    actions.short_description = gettext_lazy("Rapprocher")

    def get_admin_urls_for_registration(self):
        urls = super().get_admin_urls_for_registration()
        return (
            *urls,
            re_path(
                r"^payments/statementline/import/$",
                lambda request: import_view(request, self),
                name=self.url_helper.get_action_url_name("import"),
            ),
        )
