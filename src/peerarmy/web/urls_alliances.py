"""The web pages of alliances: the alliance's public page, the peer's side in their app, and
the console's page with its forms (each names what it changes in its body, not its address)."""

from django.urls import path

from .views import alliances

B = "<slug:business_slug>/"
M = B + "manage/"

urlpatterns = [
    # before the business's own pages: /a/<alliance>/ is not a business called "a"
    path("a/<slug:alliance_slug>/", alliances.alliance_public, name="alliance_public"),
    path(B + "me/alliance/", alliances.me_alliance, name="me_alliance"),
    path(B + "me/alliance/consent/", alliances.me_alliance_consent, name="me_alliance_consent"),
    path(B + "me/alliance/apply/", alliances.me_alliance_apply, name="me_alliance_apply"),
    path(M + "alliance/", alliances.manage_alliance, name="manage_alliance"),
    path(M + "alliance/found/", alliances.manage_alliance_create, name="manage_alliance_create"),
    path(M + "alliance/edit/", alliances.manage_alliance_edit, name="manage_alliance_edit"),
    path(M + "alliance/invite/", alliances.manage_alliance_invite, name="manage_alliance_invite"),
    path(
        M + "alliance/withdraw/",
        alliances.manage_alliance_withdraw,
        name="manage_alliance_withdraw",
    ),
    path(M + "alliance/accept/", alliances.manage_alliance_accept, name="manage_alliance_accept"),
    path(
        M + "alliance/decline/", alliances.manage_alliance_decline, name="manage_alliance_decline"
    ),
    path(M + "alliance/leave/", alliances.manage_alliance_leave, name="manage_alliance_leave"),
]
