from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from memberspace.accounts.views import ConfirmEmailView
from pages import views as pages_views

urlpatterns = [
    # The admin has no password-only login: staff sign in through allauth, with their second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", include(wagtailadmin_urls)),
    # allauth's confirmation page, telling a link opened again that its address is confirmed.
    re_path(r"^compte/confirm-email/(?P<key>[-:\w]+)/$", ConfirmEmailView.as_view(), name="account_confirm_email"),
    path("compte/", include("allauth.urls")),
    path("espace-adherent/", include("memberspace.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("recherche/", pages_views.search, name="search"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", pages_views.robots_txt, name="robots_txt"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Everything else is a page of the Wagtail tree.
    path("", include(wagtail_urls)),
]
