from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activités annuelles")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from pages.site_cache import clear_site_cache

        from .models import ActivityCategory

        # The catalogue's filter shows the categories, kept with the site's other cached parts.
        post_save.connect(clear_site_cache, sender=ActivityCategory, dispatch_uid="po-activity-category-saved")
        post_delete.connect(clear_site_cache, sender=ActivityCategory, dispatch_uid="po-activity-category-deleted")
