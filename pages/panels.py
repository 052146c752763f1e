"""Editor panels for fields only some staff may change (Wagtail's per-field permissions).

``FieldPanel(name, permission=...)`` is Wagtail's own mechanism: the edit form
built for a user without the permission has no such field (django-permissionedforms
removes it when the form is created ``for_user``), so a forged POST cannot set it,
and the panel is hidden. ``restricted_field_panels`` pairs it with a read-only
copy of the field shown to everyone else, so that they still see its value.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.rich_text import RichText
from wagtail.utils.text import text_from_html


class ReadOnlyUnlessPermittedPanel(FieldPanel):
    """A field's value, read-only, for the users who lack ``editable_with`` (others edit it)."""

    def __init__(self, field_name, editable_with=None, **kwargs):
        kwargs["read_only"] = True
        super().__init__(field_name, **kwargs)
        self.editable_with = editable_with

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["editable_with"] = self.editable_with
        return kwargs

    def format_value_for_display(self, value):
        if value is None or value == "":
            return _("Non renseigné")
        if isinstance(self.db_field, RichTextField) and not isinstance(value, RichText):
            return text_from_html(value) or _("Non renseigné")
        return super().format_value_for_display(value)

    class BoundPanel(FieldPanel.BoundPanel):
        def is_shown(self):
            # Those who may edit the field get the editable panel instead (and the
            # field is in their form: shown here, it would render a second input).
            if self.request is None or self.request.user.has_perm(self.panel.editable_with):
                return False
            return super().is_shown()


def restricted_field_panels(field_name, permission, *, help_text=None):
    """The editable panel for holders of ``permission``, the read-only one for everyone else."""
    return [
        FieldPanel(field_name, permission=permission),
        ReadOnlyUnlessPermittedPanel(
            field_name, editable_with=permission, help_text=help_text or _("Réservé au secrétariat.")
        ),
    ]
