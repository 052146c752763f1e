from django.urls import path

from . import views

# Included by the shell (memberspace/urls.py), in its "memberspace" namespace.
urlpatterns = [
    path("inscriptions/<int:pk>/payer/", views.pay_online, name="pay_online"),
    path("paiements/<int:pk>/<str:outcome>/", views.payment_return, name="payment_return"),
    # Receipts, as PDF (memberspace.payments.receipts).
    path("inscriptions/<int:pk>/attestation.pdf", views.enrollment_receipt, name="enrollment_receipt"),
    path("inscriptions/<int:pk>/confirmation.pdf", views.enrollment_confirmation, name="enrollment_confirmation"),
    path("attestations/<int:year>.pdf", views.family_receipt, name="family_receipt"),
    # The provider's notifications (HelloAsso: Mon compte > Intégrations et API > URL de notification).
    path("paiements/notification/", views.provider_notification, name="payment_notification"),
]
