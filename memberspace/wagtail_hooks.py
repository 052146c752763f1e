"""The one « Secrétariat » admin menu, composed of the concept apps' screens.

Each app registers the rest of its admin itself (its own wagtail_hooks.py):
bulk actions, log actions, dashboard panels.
"""

from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdminGroup, modeladmin_register

from memberspace.accounts.admin import ParentAccountAdmin
from memberspace.enrollments.admin import EnrollmentAdmin
from memberspace.families.admin import ChildAdmin
from memberspace.notifications.admin import NotificationAdmin
from memberspace.payments.admin import PaymentAdmin
from memberspace.payments.statements_admin import StatementLineAdmin


@modeladmin_register
class SecretariatGroup(ModelAdminGroup):
    menu_label = _("Secrétariat")
    menu_icon = "group"
    menu_order = 150
    items = (EnrollmentAdmin, PaymentAdmin, StatementLineAdmin, ParentAccountAdmin, ChildAdmin, NotificationAdmin)
