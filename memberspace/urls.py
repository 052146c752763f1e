from django.urls import path

from . import views

app_name = "memberspace"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profil/", views.profile, name="profile"),
    path("profil/telephone/", views.change_phone, name="change_phone"),
]
