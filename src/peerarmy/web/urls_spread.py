"""The web pages of spread: the short address of a share link (anyone), the peer's share page
and poster under `me/share/`, and the console's referrers and counter poster under
`manage/share/`. `web/urls.py` adds these to its own."""

from django.urls import path

from .views import spread

B = "<slug:business_slug>/"

urlpatterns = [
    path(B + "s/<str:code>/", spread.go, name="spread_go"),
    path(B + "me/share/", spread.share, name="me_share"),
    path(B + "me/share/poster.pdf", spread.share_poster, name="me_share_poster"),
    path(B + "manage/share/", spread.console, name="manage_spread"),
    path(B + "manage/share/poster.pdf", spread.console_poster, name="manage_spread_poster"),
]
