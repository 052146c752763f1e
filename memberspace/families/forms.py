"""The families' forms: a child's membership, the children chosen in a form, a co-parent's invitation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from memberspace.accounts.access import id_from
from memberspace.accounts.validators import EmailAddressField, LongTextField, PersonTextField
from memberspace.families.models import Child, Relationship
from memberspace.families.services.children import ChildError, check_birth_date
from memberspace.notifications import phones


class AnyPhoneField(forms.CharField):
    """A phone number, mobile or not (an emergency contact's landline will do), cleaned to E.164."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        number = phones.to_e164(value)
        if number is None:
            raise forms.ValidationError(
                _("Ce numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78 ou 01 23 45 67 89.")
            )
        return number


YES_NO = [(True, _("Oui")), (False, _("Non"))]


def relationship_choices():
    """The relationships, after an empty first option: the choice is the parent's, never a silent « Mère »."""
    return [("", _("— choisir —")), *Relationship.choices]


class ChildForm(forms.ModelForm):
    """A child's membership, with the child's own details (announcement, step 5)."""

    birth_date = forms.DateField(
        label=_("Date de naissance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": _("Indiquez la date de naissance de l'enfant."),
            "invalid": _("Indiquez une date de naissance valide, par exemple 12/03/2016."),
        },
    )
    emergency_contact_phone = AnyPhoneField(label=_("Son téléphone"), required=False)
    may_leave_alone = forms.TypedChoiceField(
        label=_("L'enfant peut-il repartir seul après l'activité ?"),
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Répondez par oui ou par non.")},
    )

    class Meta:
        model = Child
        field_classes = {
            "first_name": PersonTextField,
            "last_name": PersonTextField,
            "emergency_contact_name": PersonTextField,
            "health_notes": LongTextField,
        }
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "sex",
            "school_level",
            "health_notes",
            "emergency_contact_name",
            "emergency_contact_phone",
            "image_rights_consent",
            "may_leave_alone",
        ]
        labels = {
            "first_name": _("Prénom de l'enfant"),
            "last_name": _("Nom de l'enfant"),
            "sex": _("Sexe"),
            "school_level": _("Classe (à la rentrée)"),
            "health_notes": _("Informations de santé"),
            "emergency_contact_name": _("Personne à prévenir en cas d'urgence"),
            "image_rights_consent": _("J'autorise le PO à photographier ou filmer l'enfant pour ses publications"),
        }
        widgets = {
            "sex": forms.RadioSelect,
            "health_notes": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "first_name": {"required": _("Indiquez le prénom de l'enfant.")},
            "last_name": {"required": _("Indiquez le nom de l'enfant.")},
            "sex": {"required": _("Indiquez le sexe de l'enfant.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sex"].required = True
        self.fields["sex"].choices = [choice for choice in self.fields["sex"].choices if choice[0]]
        # Optional: its empty choice says so, instead of Django's « --------- ».
        levels = [choice for choice in self.fields["school_level"].choices if choice[0]]
        self.fields["school_level"].choices = [("", _("Non renseignée")), *levels]
        self.fields["health_notes"].help_text = _(
            "Allergies, traitements, régime alimentaire… Seuls les responsables de l'enfant et le secrétariat "
            "du club les voient."
        )
        self.fields["emergency_contact_name"].help_text = _("Si vous ne pouvez pas être joint.")
        if self.instance.pk:
            self.initial.setdefault("may_leave_alone", self.instance.may_leave_alone)

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_birth_date(self):
        """The service's rule (``check_birth_date``), shown next to the field; an unchanged date is kept as is."""
        birth_date = self.cleaned_data["birth_date"]
        if birth_date != self.instance.birth_date:
            try:
                check_birth_date(birth_date)
            except ChildError as error:
                raise forms.ValidationError(str(error)) from error
        return birth_date


class NewChildForm(ChildForm):
    relationship = forms.ChoiceField(
        label=_("Votre lien avec l'enfant"),
        choices=relationship_choices,
        error_messages={"required": _("Indiquez votre lien avec l'enfant.")},
    )

    class Meta(ChildForm.Meta):
        fields = ["relationship", *ChildForm.Meta.fields]


class ChildrenField(forms.ModelMultipleChoiceField):
    """The children ticked in a form, among those of its queryset.

    A value that is no id (a word, a number longer than any id) is refused like any
    child not offered, before the database sees it: a 40-digit number would overflow
    its integer column. The message names no value: an id means nothing to a parent.
    """

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"invalid_choice": _("Choisissez parmi les enfants proposés.")}

    def clean(self, value):
        if isinstance(value, list | tuple):
            for pk in value:
                if id_from(pk) is None:
                    raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)


class InvitationForm(forms.Form):
    email = EmailAddressField(
        label=_("Adresse e-mail de l'autre parent"),
        error_messages={
            "required": _("Indiquez l'adresse e-mail de la personne à inviter."),
            "invalid": _("Cette adresse e-mail n'est pas valide."),
        },
        help_text=_("L'invitation ne pourra être acceptée que depuis un compte validé avec cette adresse."),
    )
    children = ChildrenField(
        label=_("Pour quels enfants ?"),
        queryset=Child.objects.none(),
        error_messages={"required": _("Choisissez au moins un enfant.")},
    )
    relationship = forms.ChoiceField(
        label=_("Son lien avec les enfants"),
        choices=relationship_choices,
        error_messages={"required": _("Indiquez son lien avec les enfants.")},
    )

    def __init__(self, *args, parent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = Child.objects.for_guardian(parent)
