from django.urls import include, path

from .views import console, home, peer, public

app_name = "web"

B = "<slug:business_slug>/"
M = B + "manage/"

urlpatterns = [
    path("", home.index, name="index"),
    path("home/", home.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    # public pages of a business
    path(B, public.landing, name="landing"),
    path(B + "programs/<slug:program_slug>/", public.program_detail, name="program_detail"),
    path(B + "join/", public.join, name="join"),
    # the peer's app
    path(B + "me/", peer.me, name="me"),
    path(B + "me/apply/", peer.apply, name="apply"),
    path(B + "me/profile/", peer.profile, name="profile"),
    # the business console
    path(M, console.dashboard, name="manage"),
    path(M + "programs/", console.programs, name="manage_programs"),
    path(M + "programs/new/", console.program_create, name="manage_program_create"),
    path(M + "programs/<int:program_id>/", console.program_edit, name="manage_program"),
    path(
        M + "programs/<int:program_id>/publish/",
        console.program_publish,
        name="manage_program_publish",
    ),
    path(
        M + "programs/<int:program_id>/close/", console.program_close, name="manage_program_close"
    ),
    path(M + "peers/", console.peers, name="manage_peers"),
    path(M + "peers/<int:peer_id>/", console.peer_detail, name="manage_peer"),
    path(M + "peers/<int:peer_id>/approve/", console.peer_approve, name="manage_peer_approve"),
    path(M + "peers/<int:peer_id>/reject/", console.peer_reject, name="manage_peer_reject"),
    path(M + "tokens/", console.tokens, name="manage_tokens"),
    path(M + "tokens/new/", console.token_create, name="manage_token_create"),
    path(M + "tokens/<int:token_id>/revoke/", console.token_revoke, name="manage_token_revoke"),
]
