"""Every page of the web interface: the public pages of a business, the peer's app under
`me/`, and the business console under `manage/`."""

from django.urls import include, path

from .views import (
    blocks,
    calendar,
    console,
    home,
    imports,
    matching_console,
    matching_peer,
    matching_public,
    peer,
    public,
    rewards,
    superfans,
)

app_name = "web"

B = "<slug:business_slug>/"
M = B + "manage/"
R = B + "requests/<str:token>/"

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
    path(B + "peers/<int:peer_id>/", rewards.showcase, name="showcase"),
    # the consumer asks for a local and follows the request from the e-mailed link (no account:
    # the token is the key)
    path(B + "ask/<slug:program_slug>/", matching_public.request_new, name="match_request_new"),
    path(
        B + "ask/<slug:program_slug>/sent/",
        matching_public.request_sent,
        name="match_request_sent",
    ),
    path(R, matching_public.request_detail, name="match_request"),
    path(R + "confirm/", matching_public.request_confirm, name="match_request_confirm"),
    path(R + "edit/", matching_public.request_edit, name="match_request_edit"),
    path(R + "cancel/", matching_public.request_cancel, name="match_request_cancel"),
    # the peer's app
    path(B + "me/", peer.me, name="me"),
    path(B + "me/apply/", peer.apply, name="apply"),
    path(B + "me/profile/", peer.profile, name="profile"),
    path(B + "me/tokens/", peer.tokens, name="my_tokens"),
    path(B + "me/tokens/<int:token_id>/revoke/", peer.token_revoke, name="my_token_revoke"),
    path(B + "me/blocks/", blocks.my_blocks, name="my_blocks"),
    path(B + "me/blocks/calendar/", blocks.calendar_feed, name="my_calendar_feed"),
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
    path(B + "me/wallet/", rewards.wallet, name="me_wallet"),
    path(B + "me/wallet/points/", rewards.wallet_points, name="me_wallet_points"),
    path(B + "me/wallet/choice/", rewards.wallet_choice, name="me_wallet_choice"),
    path(B + "me/wallet/bank/", rewards.wallet_bank, name="me_wallet_bank"),
    path(B + "me/wallet/showcase/", rewards.wallet_showcase, name="me_wallet_showcase"),
    path(
        B + "me/wallet/statement/",
        rewards.wallet_statement_pick,
        name="me_wallet_statement_pick",
    ),
    path(
        B + "me/wallet/statement/<int:year>/<int:month>/",
        rewards.wallet_statement,
        name="me_wallet_statement",
    ),
    path(B + "me/matching/", matching_peer.availability, name="me_matching"),
    path(B + "me/matching/days-off/", matching_peer.day_off_add, name="me_day_off_add"),
    path(
        B + "me/matching/days-off/<int:day_off_id>/delete/",
        matching_peer.day_off_delete,
        name="me_day_off_delete",
    ),
    path(B + "me/matches/", matching_peer.matches, name="me_matches"),
    path(B + "me/matches/<int:match_id>/accept/", matching_peer.accept, name="me_match_accept"),
    path(B + "me/matches/<int:match_id>/decline/", matching_peer.decline, name="me_match_decline"),
    path(B + "me/matches/<int:match_id>/cancel/", matching_peer.cancel, name="me_match_cancel"),
    path(
        B + "me/matches/<int:match_id>/complete/",
        matching_peer.complete,
        name="me_match_complete",
    ),
    path(B + "me/matches/<int:match_id>/block/", matching_peer.block, name="me_match_block"),
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
    path(M + "rewards/", rewards.overview, name="rewards"),
    path(M + "rewards/prepare/", rewards.batch_prepare, name="rewards_batch_prepare"),
    path(
        M + "rewards/held/<int:reward_id>/approve/",
        rewards.held_approve,
        name="rewards_held_approve",
    ),
    path(
        M + "rewards/held/<int:reward_id>/decline/",
        rewards.held_decline,
        name="rewards_held_decline",
    ),
    path(M + "rewards/batches/<int:batch_id>/", rewards.batch_detail, name="rewards_batch"),
    path(
        M + "rewards/batches/<int:batch_id>/approve/",
        rewards.batch_approve,
        name="rewards_batch_approve",
    ),
    path(
        M + "rewards/batches/<int:batch_id>/cancel/",
        rewards.batch_cancel,
        name="rewards_batch_cancel",
    ),
    path(M + "rewards/batches/<int:batch_id>/sent/", rewards.batch_sent, name="rewards_batch_sent"),
    path(M + "rewards/batches/<int:batch_id>/paid/", rewards.batch_paid, name="rewards_batch_paid"),
    path(
        M + "rewards/batches/<int:batch_id>/sepa.xml",
        rewards.batch_sepa,
        name="rewards_batch_sepa",
    ),
    path(
        M + "rewards/payouts/<int:payout_id>/return/",
        rewards.payout_return,
        name="rewards_payout_return",
    ),
    path(M + "rewards/rules/", rewards.rules, name="rewards_rules"),
    path(
        M + "rewards/rules/<int:rule_id>/toggle/",
        rewards.rule_toggle,
        name="rewards_rule_toggle",
    ),
    path(
        M + "rewards/programs/<int:program_id>/",
        rewards.program_rewards,
        name="rewards_program",
    ),
    path(M + "rewards/causes/", rewards.causes, name="rewards_causes"),
    path(M + "rewards/badges/", rewards.badges, name="rewards_badges"),
    path(M + "rewards/settings/", rewards.settings_view, name="rewards_settings"),
    path(M + "rewards/vouchers/", rewards.vouchers, name="rewards_vouchers"),
    path(M + "rewards/journal/", rewards.ledger, name="rewards_ledger"),
    path(M + "rewards/journal/export/", rewards.ledger_export, name="rewards_ledger_export"),
    path(
        M + "rewards/journal/<int:transaction_id>/correct/",
        rewards.transaction_correct,
        name="rewards_transaction_correct",
    ),
    path(M + "matching/", matching_console.requests, name="manage_matching"),
    path(
        M + "matching/requests/<int:request_id>/",
        matching_console.request_detail,
        name="manage_match_request",
    ),
    path(
        M + "matching/requests/<int:request_id>/cancel/",
        matching_console.request_cancel,
        name="manage_match_request_cancel",
    ),
    path(
        M + "matching/matches/<int:match_id>/complete/",
        matching_console.match_complete,
        name="manage_match_complete",
    ),
    path(
        M + "matching/matches/<int:match_id>/cancel/",
        matching_console.match_cancel,
        name="manage_match_cancel",
    ),
    path(M + "matching/runs/", matching_console.runs, name="manage_match_runs"),
    path(M + "matching/runs/<int:run_id>/", matching_console.run_detail, name="manage_match_run"),
    path(
        M + "matching/programs/<int:program_id>/run/",
        matching_console.run_now,
        name="manage_match_run_now",
    ),
    path(
        M + "matching/programs/<int:program_id>/settings/",
        matching_console.settings,
        name="manage_matching_settings",
    ),
    path(M + "tokens/", console.tokens, name="manage_tokens"),
    path(M + "tokens/new/", console.token_create, name="manage_token_create"),
    path(M + "tokens/<int:token_id>/revoke/", console.token_revoke, name="manage_token_revoke"),
]
