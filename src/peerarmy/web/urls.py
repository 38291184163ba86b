from django.urls import include, path

from .views import console, home, imports, peer, public, superfans

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
    path(B + "invite/<str:token>/", superfans.invitation, name="invitation"),
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
    path(M + "superfans/", superfans.superfans, name="manage_superfans"),
    path(M + "superfans/score/", superfans.superfans_score, name="manage_superfans_score"),
    path(M + "superfans/invite/", superfans.superfans_invite, name="manage_superfans_invite"),
    path(
        M + "superfans/settings/",
        superfans.scoring_settings_view,
        name="manage_scoring_settings",
    ),
    path(M + "superfans/<int:customer_id>/", superfans.superfan_detail, name="manage_superfan"),
    path(M + "invitations/", superfans.invitation_list, name="manage_invitations"),
    path(
        M + "invitations/<int:invitation_id>/revoke/",
        superfans.invitation_revoke,
        name="manage_invitation_revoke",
    ),
    path(M + "imports/", imports.imports, name="manage_imports"),
    path(M + "imports/<int:job_id>/", imports.import_detail, name="manage_import"),
    path(
        M + "imports/<int:job_id>/progress/",
        imports.import_progress,
        name="manage_import_progress",
    ),
    path(
        M + "imports/<int:job_id>/errors.csv",
        imports.import_errors_csv,
        name="manage_import_errors",
    ),
    path(M + "tokens/", console.tokens, name="manage_tokens"),
    path(M + "tokens/new/", console.token_create, name="manage_token_create"),
    path(M + "tokens/<int:token_id>/revoke/", console.token_revoke, name="manage_token_revoke"),
]
