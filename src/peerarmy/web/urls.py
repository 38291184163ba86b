"""Every page of the web interface: the public pages of a business, the peer's app under
`me/`, and the business console under `manage/`."""

from django.urls import include, path

from .views import (
    app,
    blocks,
    calendar,
    chipin_public,
    console,
    home,
    imports,
    matching_console,
    matching_peer,
    matching_public,
    notifications,
    peer,
    public,
    reviews,
    rewards,
    superfans,
    support,
    team,
    trust,
)

app_name = "web"

B = "<slug:business_slug>/"
M = B + "manage/"
R = B + "requests/<str:token>/"

urlpatterns = [
    path("", home.index, name="index"),
    path("home/", home.home, name="home"),
    path("privacy/", home.privacy, name="privacy"),
    path("i18n/", include("django.conf.urls.i18n")),
    # public pages of a business
    path(B, public.landing, name="landing"),
    path(B + "programs/<slug:program_slug>/", public.program_detail, name="program_detail"),
    path(B + "join/", public.join, name="join"),
    path(B + "invite/<str:token>/", superfans.invitation, name="invitation"),
    path(B + "team/join/<str:token>/", team.team_join, name="team_join"),
    # the peer's app on a phone: installable, and readable offline
    path(B + "manifest.webmanifest", app.manifest, name="app_manifest"),
    path(B + "app/icon-<int:size>.png", app.icon, name="app_icon"),
    path(B + "sw.js", app.service_worker, name="app_service_worker"),
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
    path(R + "rate/", trust.consumer_rate, name="match_request_rate"),
    # the peer's app
    path(B + "me/", peer.me, name="me"),
    path(B + "me/apply/", peer.apply, name="apply"),
    path(B + "me/profile/", peer.profile, name="profile"),
    path(B + "me/standing/", reviews.standing, name="me_standing"),
    path(B + "me/verification/", reviews.verification, name="me_verification"),
    path(B + "me/tokens/", peer.tokens, name="my_tokens"),
    path(B + "me/notifications/", notifications.notifications, name="me_notifications"),
    path(B + "me/notifications/push/", notifications.push_subscribe, name="me_push_subscribe"),
    path(
        B + "me/notifications/push/off/",
        notifications.push_unsubscribe,
        name="me_push_unsubscribe",
    ),
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
    path(B + "me/matches/<int:match_id>/rate/", trust.peer_rate, name="me_match_rate"),
    path(B + "me/reliability/", trust.peer_reliability, name="me_reliability"),
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
    path(M + "search/", console.search, name="manage_search"),
    path(M + "peers/", console.peers, name="manage_peers"),
    path(M + "peers/export.csv", console.peers_export, name="manage_peers_export"),
    path(M + "peers/<int:peer_id>/", console.peer_detail, name="manage_peer"),
    path(M + "ratings/<int:rating_id>/hide/", trust.rating_hide, name="manage_rating_hide"),
    path(M + "peers/<int:peer_id>/approve/", console.peer_approve, name="manage_peer_approve"),
    path(M + "peers/<int:peer_id>/reject/", console.peer_reject, name="manage_peer_reject"),
    # reviews, suspensions and appeals (issue 16)
    path(M + "reviews/", reviews.queue, name="manage_reviews"),
    path(M + "peers/<int:peer_id>/suspend/", reviews.suspend, name="manage_peer_suspend"),
    path(M + "peers/<int:peer_id>/clear-review/", reviews.clear, name="manage_peer_clear"),
    path(M + "peers/<int:peer_id>/lift/", reviews.lift, name="manage_peer_lift"),
    path(M + "peers/<int:peer_id>/appeal/", reviews.decide, name="manage_peer_appeal"),
    path(M + "peers/<int:peer_id>/identity/", reviews.identity, name="manage_peer_identity"),
    path(M + "superfans/", superfans.superfans, name="manage_superfans"),
    path(M + "superfans/export.csv", superfans.superfans_export, name="manage_superfans_export"),
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
        M + "blocks/claims/<int:claim_id>/rate/",
        trust.staff_rate_claim,
        name="manage_claim_rate",
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
    path(M + "team/", team.team_page, name="manage_team"),
    path(M + "shop/", team.shop_settings, name="manage_shop"),
    path(M + "shop/photos/", team.shop_photos, name="manage_shop_photos"),
    path(M + "shop/closures/", team.shop_closure_add, name="manage_shop_closure_add"),
    path(
        M + "shop/closures/<int:closure_id>/remove/",
        team.shop_closure_remove,
        name="manage_shop_closure_remove",
    ),
    path(M + "team/invite/", team.team_invite, name="manage_team_invite"),
    path(
        M + "team/invitations/<int:staff_invitation_id>/withdraw/",
        team.team_invitation_withdraw,
        name="manage_team_invitation_withdraw",
    ),
    path(M + "team/<int:member_id>/role/", team.team_member_role, name="manage_team_role"),
    path(M + "team/<int:member_id>/remove/", team.team_member_remove, name="manage_team_remove"),
    path(M + "team/<int:member_id>/transfer/", team.team_transfer, name="manage_team_transfer"),
    path(M + "tokens/", console.tokens, name="manage_tokens"),
    path(M + "tokens/new/", console.token_create, name="manage_token_create"),
    path(M + "tokens/<int:token_id>/revoke/", console.token_revoke, name="manage_token_revoke"),
]

# chip in: the campaign's public page (no account needed; `?da=` names who shared it), the
# friend's pledge and its e-mailed link (the token is the key), the beneficiary's side
C = B + "chip-in/"
urlpatterns += [
    path(C, chipin_public.campaigns_public, name="chipin_campaigns"),
    path(C + "start/", chipin_public.campaign_start, name="chipin_start"),
    path(C + "mine/", chipin_public.mine, name="chipin_mine"),
    path(C + "p/<str:token>/", chipin_public.pledge_page, name="chipin_pledge"),
    path(C + "p/<str:token>/confirm/", chipin_public.pledge_confirm, name="chipin_pledge_confirm"),
    path(C + "<str:code>/", chipin_public.campaign_page, name="chipin_campaign"),
    path(C + "<str:code>/qr.svg", chipin_public.campaign_qr, name="chipin_campaign_qr"),
    path(C + "<str:code>/close/", chipin_public.campaign_close, name="chipin_campaign_close"),
    path(C + "<str:code>/give/", chipin_public.pledge_new, name="chipin_pledge_new"),
    path(C + "<str:code>/given/", chipin_public.pledge_sent, name="chipin_pledge_sent"),
]

# support: the visitor's form and the ticket's link (no account: the token is the key), the
# peer's tickets in their app, and the console's queue, tickets, canned replies, SLA and FAQ
S = B + "support/t/<str:token>/"
urlpatterns += [
    path(B + "support/", support.consumer_new, name="support_new"),
    path(B + "support/sent/", support.consumer_sent, name="support_sent"),
    path(B + "support/faq/", support.faq_search, name="support_faq_search"),
    path(B + "support/faq/<int:faq_id>/helped/", support.faq_helped, name="support_faq_helped"),
    path(S, support.consumer_ticket, name="support_ticket"),
    path(S + "files/<int:attachment_id>/", support.consumer_file, name="support_ticket_file"),
    path(B + "me/support/", support.peer_tickets, name="me_support"),
    path(B + "me/support/<int:ticket_id>/", support.peer_ticket, name="me_support_ticket"),
    path(
        B + "me/support/<int:ticket_id>/files/<int:attachment_id>/",
        support.peer_file,
        name="me_support_file",
    ),
    path(M + "support/", support.queue, name="manage_support"),
    path(M + "support/new/", support.staff_new, name="manage_support_new"),
    path(M + "support/canned/", support.canned, name="manage_support_canned"),
    path(
        M + "support/canned/<int:canned_id>/delete/",
        support.canned_delete,
        name="manage_support_canned_delete",
    ),
    path(M + "support/sla/", support.sla_targets, name="manage_support_sla"),
    path(M + "support/faq/", support.faq, name="manage_support_faq"),
    path(
        M + "support/faq/<int:faq_id>/delete/",
        support.faq_delete,
        name="manage_support_faq_delete",
    ),
    path(M + "support/<int:ticket_id>/", support.ticket_detail, name="manage_support_ticket"),
    path(
        M + "support/<int:ticket_id>/assign/",
        support.ticket_assign,
        name="manage_support_assign",
    ),
    path(
        M + "support/<int:ticket_id>/status/",
        support.ticket_status,
        name="manage_support_status",
    ),
    path(
        M + "support/<int:ticket_id>/settle/",
        support.ticket_settle,
        name="manage_support_settle",
    ),
    path(
        M + "support/<int:ticket_id>/files/<int:attachment_id>/",
        support.ticket_file,
        name="manage_support_file",
    ),
]

from . import urls_chipin  # noqa: E402

urlpatterns += urls_chipin.urlpatterns

from . import urls_sharing  # noqa: E402

urlpatterns += urls_sharing.urlpatterns

from . import urls_resale  # noqa: E402

urlpatterns += urls_resale.urlpatterns

from . import urls_analytics  # noqa: E402

urlpatterns += urls_analytics.urlpatterns

from . import urls_spread  # noqa: E402

urlpatterns += urls_spread.urlpatterns

from . import urls_alliances  # noqa: E402

# before the business's own pages: /a/<alliance>/ is not a business called "a"
urlpatterns = urls_alliances.urlpatterns + urlpatterns

from . import urls_privacy  # noqa: E402

urlpatterns += urls_privacy.urlpatterns
