from django.urls import path

from . import views

# Included by the shell (memberspace/urls.py), in its "memberspace" namespace.
urlpatterns = [
    path("inscriptions/demande/", views.request_enrollment, name="enrollment_request"),
    path("inscriptions/<int:pk>/", views.enrollment_detail, name="enrollment_detail"),
    path("inscriptions/<int:pk>/annuler/", views.enrollment_cancel, name="enrollment_cancel"),
    path("place-proposee/<str:token>/", views.place_offer_answer, name="place_offer_answer"),
]
