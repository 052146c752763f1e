from django.urls import path

from .views import children, invitations

# Included by the shell (memberspace/urls.py), in its "memberspace" namespace.
urlpatterns = [
    path("enfants/ajouter/", children.child_add, name="child_add"),
    path("enfants/<int:pk>/", children.child_detail, name="child_detail"),
    path("enfants/<int:pk>/modifier/", children.child_edit, name="child_edit"),
    path("invitations/nouvelle/", invitations.invite, name="invite"),
    path("invitations/<int:pk>/retirer/", invitations.withdraw, name="invitation_withdraw"),
    path("invitations/<int:pk>/accepter/", invitations.accept, name="invitation_accept_pending"),
    path("invitations/lien/<str:token>/", invitations.accept_link, name="invitation_accept"),
]
