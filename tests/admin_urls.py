"""The secretariat's admin URLs, reversed from their names rather than written out.

``admin_url("accounts.parentaccount", "validate", account.pk)`` is
``reverse("accounts_parentaccount_modeladmin_validate", args=[account.pk])``: the
names are wagtail-modeladmin's, ``<app>_<model>_modeladmin_<view>``.
"""

from django.urls import reverse


def admin_url(model, view="index", *args):
    app_label, model_name = model.split(".")
    return reverse(f"{app_label}_{model_name}_modeladmin_{view}", args=args)
