"""/espace-adherent/: the dashboard, and each concept app's pages, in one "memberspace" namespace."""

from django.urls import include, path

from . import views

app_name = "memberspace"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("", include("memberspace.accounts.urls")),
    path("", include("memberspace.families.urls")),
    path("", include("memberspace.enrollments.urls")),
    path("", include("memberspace.payments.urls")),
    path("", include("memberspace.privacy.urls")),
]
