"""Console pages of matching: requests, runs, a program's settings and "Run now"."""

from django.urls import path

from .views import matching_console

B = "<slug:business_slug>/"
M = B + "manage/"

urlpatterns = [
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
]
