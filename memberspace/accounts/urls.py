from django.urls import path

from . import views

# Included by the shell (memberspace/urls.py), in its "memberspace" namespace.
urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("profil/telephone/", views.change_phone, name="change_phone"),
]
