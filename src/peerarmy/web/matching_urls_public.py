"""Public and peer pages of matching: the consumer asks for a local and follows the request
from the link in their e-mail (no account: the token is the key); the peer offers their time
and answers proposals in their app."""

from django.urls import path

from .views import matching_peer, matching_public

B = "<slug:business_slug>/"
R = B + "requests/<str:token>/"

urlpatterns = [
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
]
