"""Every sharing page: the public search, asset, station and booking pages, the open-data
feed (GBFS), the peer's own listings under `me/sharing/`, and the console under
`manage/sharing/`. `web/urls.py` adds these to its own."""

from django.urls import path

from .views import sharing_console as console
from .views import sharing_gbfs as gbfs
from .views import sharing_peer as peer
from .views import sharing_public as public

B = "<slug:business_slug>/"
P = B + "sharing/"
G = B + "gbfs/<slug:program_slug>/"
E = B + "me/sharing/"
S = B + "manage/sharing/"

# public: no account needed; a booking's e-mailed link (the token) is its key
urlpatterns = [
    path(P, public.programs, name="sharing_programs"),
    path(P + "b/<str:token>/", public.booking, name="sharing_booking"),
    path(P + "b/<str:token>/confirm/", public.booking_confirm, name="sharing_booking_confirm"),
    path(P + "b/<str:token>/cancel/", public.booking_cancel, name="sharing_booking_cancel"),
    path(P + "b/<str:token>/booking.ics", public.booking_ics, name="sharing_booking_ics"),
    path(P + "b/<str:token>/qr.svg", public.booking_qr, name="sharing_booking_qr"),
    path(P + "calendar/<str:token>.ics", public.calendar_feed, name="sharing_calendar"),
    path(P + "<slug:program_slug>/", public.program, name="sharing_program"),
    path(
        P + "<slug:program_slug>/stations/<str:code>/",
        public.station,
        name="sharing_station",
    ),
    path(P + "<slug:program_slug>/<str:code>/", public.asset, name="sharing_asset"),
    path(P + "<slug:program_slug>/<str:code>/quote/", public.asset_quote, name="sharing_quote"),
    path(P + "<slug:program_slug>/<str:code>/book/", public.asset_book, name="sharing_book"),
    path(
        P + "<slug:program_slug>/<str:code>/booked/",
        public.asset_booked,
        name="sharing_booked",
    ),
]

# open data: GBFS v3.0, one feed per sharing program
urlpatterns += [
    path(G + "gbfs.json", gbfs.discovery, name="sharing_gbfs"),
    path(G + "<str:feed>.json", gbfs.feed, name="sharing_gbfs_feed"),
]

# the peer's own things, listed through the shop, and their bookings
urlpatterns += [
    path(E, peer.mine, name="me_sharing"),
    path(E + "new/", peer.asset_new, name="me_sharing_asset_new"),
    path(E + "<int:asset_id>/", peer.asset_edit, name="me_sharing_asset"),
    path(E + "<int:asset_id>/photos/", peer.asset_photos, name="me_sharing_asset_photos"),
    path(
        E + "<int:asset_id>/photos/<int:photo_id>/delete/",
        peer.asset_photo_delete,
        name="me_sharing_asset_photo_delete",
    ),
    path(E + "<int:asset_id>/state/", peer.asset_state, name="me_sharing_asset_state"),
    path(E + "bookings/<int:booking_id>/", peer.booking, name="me_sharing_booking"),
    path(
        E + "bookings/<int:booking_id>/check-out/",
        peer.booking_check_out,
        name="me_sharing_check_out",
    ),
    path(
        E + "bookings/<int:booking_id>/check-in/",
        peer.booking_check_in,
        name="me_sharing_check_in",
    ),
]

# the console
urlpatterns += [
    path(S, console.today, name="manage_sharing"),
    path(S + "bookings/", console.bookings, name="manage_sharing_bookings"),
    path(S + "bookings/<int:booking_id>/", console.booking, name="manage_sharing_booking"),
    path(
        S + "bookings/<int:booking_id>/check-out/",
        console.booking_check_out,
        name="manage_sharing_check_out",
    ),
    path(
        S + "bookings/<int:booking_id>/check-in/",
        console.booking_check_in,
        name="manage_sharing_check_in",
    ),
    path(
        S + "bookings/<int:booking_id>/cancel/",
        console.booking_cancel,
        name="manage_sharing_cancel",
    ),
    path(S + "bookings/<int:booking_id>/paid/", console.booking_paid, name="manage_sharing_paid"),
    path(
        S + "bookings/<int:booking_id>/given-back/",
        console.booking_given_back,
        name="manage_sharing_given_back",
    ),
    path(S + "fleet/", console.fleet, name="manage_sharing_fleet"),
    path(S + "fleet/new/", console.asset_new, name="manage_sharing_asset_new"),
    path(S + "fleet/<int:asset_id>/", console.asset_edit, name="manage_sharing_asset"),
    path(
        S + "fleet/<int:asset_id>/photos/",
        console.asset_photos,
        name="manage_sharing_asset_photos",
    ),
    path(
        S + "fleet/<int:asset_id>/photos/<int:photo_id>/delete/",
        console.asset_photo_delete,
        name="manage_sharing_asset_photo_delete",
    ),
    path(
        S + "fleet/<int:asset_id>/state/",
        console.asset_state,
        name="manage_sharing_asset_state",
    ),
    path(S + "fleet/<int:asset_id>/listing/", console.asset_listing, name="manage_sharing_listing"),
    path(S + "stations/new/", console.station_new, name="manage_sharing_station_new"),
    path(S + "stations/<int:station_id>/", console.station_edit, name="manage_sharing_station"),
    path(S + "settings/", console.settings, name="manage_sharing_settings"),
    path(S + "sponsors/", console.sponsors, name="manage_sharing_sponsors"),
    path(S + "sponsors/new/", console.sponsor_new, name="manage_sharing_sponsor_new"),
    path(S + "sponsors/<int:sponsor_id>/", console.sponsor_edit, name="manage_sharing_sponsor"),
    path(
        S + "sponsors/<int:sponsor_id>/logo/",
        console.sponsor_logo,
        name="manage_sharing_sponsor_logo",
    ),
    path(
        S + "sponsors/<int:sponsor_id>/fee/",
        console.sponsor_fee,
        name="manage_sharing_sponsor_fee",
    ),
    path(
        S + "sponsors/<int:sponsor_id>/reports/send/",
        console.sponsor_report_send,
        name="manage_sharing_sponsor_report_send",
    ),
    path(
        S + "sponsors/<int:sponsor_id>/reports/<int:report_id>.pdf",
        console.sponsor_report_pdf,
        name="manage_sharing_sponsor_report_pdf",
    ),
    path(
        S + "sponsors/<int:sponsor_id>/reports/<int:report_id>.csv",
        console.sponsor_report_csv,
        name="manage_sharing_sponsor_report_csv",
    ),
]
