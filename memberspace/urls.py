from django.urls import path

from .views import accounts, children, enrollments, invitations, personal_data

app_name = "memberspace"

urlpatterns = [
    path("", accounts.dashboard, name="dashboard"),
    path("profil/", accounts.profile, name="profile"),
    path("profil/telephone/", accounts.change_phone, name="change_phone"),
    path("enfants/ajouter/", children.child_add, name="child_add"),
    path("enfants/<int:pk>/", children.child_detail, name="child_detail"),
    path("enfants/<int:pk>/modifier/", children.child_edit, name="child_edit"),
    path("inscriptions/demande/", enrollments.request_enrollment, name="enrollment_request"),
    path("inscriptions/<int:pk>/", enrollments.enrollment_detail, name="enrollment_detail"),
    path("inscriptions/<int:pk>/annuler/", enrollments.enrollment_cancel, name="enrollment_cancel"),
    path("mes-donnees/", personal_data.my_data, name="my_data"),
    path("mes-donnees/export.json", personal_data.my_data_json, name="my_data_json"),
    path("effacement/", personal_data.erasure, name="erasure"),
    path("invitations/nouvelle/", invitations.invite, name="invite"),
    path("invitations/<int:pk>/retirer/", invitations.withdraw, name="invitation_withdraw"),
    path("invitations/<int:pk>/accepter/", invitations.accept, name="invitation_accept_pending"),
    path("invitations/lien/<str:token>/", invitations.accept_link, name="invitation_accept"),
]
