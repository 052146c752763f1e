from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def clear_site_cache_on_page_save(sender, instance, **kwargs):
    from wagtail.models import Page

    from .site_cache import clear_site_cache

    if isinstance(instance, Page):
        clear_site_cache()


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = _("Pages du site")

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_save
        from wagtail.images import get_image_model
        from wagtail.models import Page, PageViewRestriction, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from . import page_cache
        from .image_metadata import strip_on_save
        from .models import ClubSettings
        from .privacy import clear_view_restriction_flag
        from .site_cache import clear_site_cache

        page_published.connect(clear_site_cache, dispatch_uid="po-menu-published")
        page_unpublished.connect(clear_site_cache, dispatch_uid="po-menu-unpublished")
        post_page_move.connect(clear_site_cache, dispatch_uid="po-menu-moved")
        post_delete.connect(clear_site_cache, sender=Page, dispatch_uid="po-menu-deleted")
        # Any page saved (a child added under a cached page changes its numchild).
        post_save.connect(clear_site_cache_on_page_save, dispatch_uid="po-menu-page-saved")
        post_save.connect(clear_site_cache, sender=Site, dispatch_uid="po-menu-site")
        post_delete.connect(clear_site_cache, sender=Site, dispatch_uid="po-menu-site-deleted")
        post_save.connect(clear_site_cache, sender=ClubSettings, dispatch_uid="po-menu-settings")
        post_save.connect(clear_view_restriction_flag, sender=PageViewRestriction, dispatch_uid="po-privacy-saved")
        post_save.connect(page_cache.invalidate, sender=PageViewRestriction, dispatch_uid="po-page-cache-privacy")
        post_delete.connect(page_cache.invalidate, sender=PageViewRestriction, dispatch_uid="po-page-cache-privacy-del")
        post_delete.connect(clear_view_restriction_flag, sender=PageViewRestriction, dispatch_uid="po-privacy-deleted")
        pre_save.connect(strip_on_save, sender=get_image_model(), dispatch_uid="po-image-metadata")
