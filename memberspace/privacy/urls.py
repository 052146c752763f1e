from django.urls import path

from . import views

# Included by the shell (memberspace/urls.py), in its "memberspace" namespace.
urlpatterns = [
    path("mes-donnees/", views.my_data, name="my_data"),
    path("mes-donnees/export.json", views.my_data_json, name="my_data_json"),
    path("effacement/", views.erasure, name="erasure"),
]
