from django.urls import include, path

from .views import blocks, calendar, console, home, imports, peer, public, superfans

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
    path(
        B + "programs/<slug:program_slug>/blocks.ics",
        calendar.program_calendar,
        name="program_calendar",
    ),
    path(B + "calendar/<str:token>.ics", calendar.peer_calendar, name="peer_calendar"),
    # the peer's app
    path(B + "me/", peer.me, name="me"),
    path(B + "me/apply/", peer.apply, name="apply"),
    path(B + "me/profile/", peer.profile, name="profile"),
    path(B + "me/tokens/", peer.tokens, name="my_tokens"),
    path(B + "me/tokens/<int:token_id>/revoke/", peer.token_revoke, name="my_token_revoke"),
    path(B + "me/blocks/", blocks.my_blocks, name="my_blocks"),
    path(B + "me/blocks/<int:block_id>/claim/", blocks.claim, name="block_claim"),
    path(B + "me/blocks/<int:block_id>/waitlist/", blocks.join_waitlist, name="block_waitlist"),
    path(
        B + "me/blocks/<int:block_id>/waitlist/leave/",
        blocks.leave_waitlist,
        name="block_waitlist_leave",
    ),
    path(B + "me/claims/<int:claim_id>/release/", blocks.release, name="claim_release"),
    path(B + "me/claims/<int:claim_id>/check-in/", blocks.check_in, name="claim_check_in"),
    path(B + "me/claims/<int:claim_id>/check-out/", blocks.check_out, name="claim_check_out"),
    path(B + "me/claims/<int:claim_id>/offer/", blocks.swap_offer, name="claim_swap_offer"),
    path(B + "me/swaps/<int:offer_id>/accept/", blocks.swap_accept, name="swap_accept"),
    path(B + "me/swaps/<int:offer_id>/decline/", blocks.swap_decline, name="swap_decline"),
    path(B + "me/swaps/<int:offer_id>/withdraw/", blocks.swap_withdraw, name="swap_withdraw"),
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
    path(M + "blocks/", blocks.schedule, name="manage_blocks"),
    path(M + "blocks/new/", blocks.block_create, name="manage_block_create"),
    path(M + "blocks/recurring/", blocks.block_template, name="manage_block_template"),
    path(M + "blocks/export.csv", blocks.export_csv, name="manage_blocks_export"),
    path(
        M + "blocks/limits/<int:program_id>/",
        blocks.fairness_limits,
        name="manage_fairness_limits",
    ),
    path(M + "blocks/<int:block_id>/", blocks.block_detail, name="manage_block"),
    path(M + "blocks/<int:block_id>/edit/", blocks.block_edit, name="manage_block_edit"),
    path(M + "blocks/<int:block_id>/cancel/", blocks.block_cancel, name="manage_block_cancel"),
    path(
        M + "blocks/claims/<int:claim_id>/no-show/",
        blocks.claim_no_show,
        name="manage_claim_no_show",
    ),
    path(
        M + "blocks/claims/<int:claim_id>/complete/",
        blocks.claim_complete,
        name="manage_claim_complete",
    ),
    path(
        M + "blocks/claims/<int:claim_id>/release/",
        blocks.claim_release,
        name="manage_claim_release",
    ),
    path(M + "tokens/", console.tokens, name="manage_tokens"),
    path(M + "tokens/new/", console.token_create, name="manage_token_create"),
    path(M + "tokens/<int:token_id>/revoke/", console.token_revoke, name="manage_token_revoke"),
]
