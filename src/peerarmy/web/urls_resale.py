"""Every resale page: the public search, an item's page and its reservation from the e-mailed
link; the seller's own listings, sales and trade-ins under `me/resale/`; and the console under
`manage/resale/`. `web/urls.py` adds these to its own."""

from django.urls import path

from .views import resale_console as console
from .views import resale_public as public
from .views import resale_seller as seller

B = "<slug:business_slug>/"
P = B + "resale/"
E = B + "me/resale/"
S = B + "manage/resale/"

# public: no account needed; a reservation's e-mailed link (the token) is its key
urlpatterns = [
    path(P, public.programs, name="resale_programs"),
    path(P + "r/<str:token>/", public.reservation, name="resale_reservation"),
    path(
        P + "r/<str:token>/confirm/", public.reservation_confirm, name="resale_reservation_confirm"
    ),
    path(P + "r/<str:token>/cancel/", public.reservation_cancel, name="resale_reservation_cancel"),
    path(P + "r/<str:token>/qr.svg", public.reservation_qr, name="resale_reservation_qr"),
    path(P + "<slug:program_slug>/", public.program, name="resale_program"),
    path(P + "<slug:program_slug>/<str:code>/", public.listing, name="resale_listing"),
    path(P + "<slug:program_slug>/<str:code>/reserve/", public.reserve, name="resale_reserve"),
    path(P + "<slug:program_slug>/<str:code>/reserved/", public.reserved, name="resale_reserved"),
]

# the seller (signed in)
urlpatterns += [
    path(E, seller.mine, name="me_resale"),
    path(E + "new/", seller.new, name="me_resale_new"),
    path(E + "<int:listing_id>/", seller.listing, name="me_resale_listing"),
    path(E + "<int:listing_id>/photos/", seller.photos, name="me_resale_listing_photos"),
    path(
        E + "<int:listing_id>/photos/<int:photo_id>/delete/",
        seller.photo_delete,
        name="me_resale_photo_delete",
    ),
    path(E + "<int:listing_id>/submit/", seller.submit, name="me_resale_submit"),
    path(E + "<int:listing_id>/withdraw/", seller.withdraw, name="me_resale_withdraw"),
    path(E + "trade-in/", seller.trade_in_new, name="me_resale_trade_in_new"),
    path(E + "trade-in/<int:trade_in_id>/", seller.trade_in_decide, name="me_resale_trade_in"),
]

# the console
urlpatterns += [
    path(S, console.home, name="manage_resale"),
    path(S + "listings/<int:listing_id>/", console.listing, name="manage_resale_listing"),
    path(
        S + "listings/<int:listing_id>/photos/",
        console.listing_photos,
        name="manage_resale_listing_photos",
    ),
    path(
        S + "reservations/<int:reservation_id>/",
        console.reservation,
        name="manage_resale_reservation",
    ),
    path(
        S + "reservations/<int:reservation_id>/sold/",
        console.reservation_sold,
        name="manage_resale_sold",
    ),
    path(
        S + "reservations/<int:reservation_id>/cancel/",
        console.reservation_cancel,
        name="manage_resale_cancel",
    ),
    path(
        S + "reservations/<int:reservation_id>/return/",
        console.reservation_return,
        name="manage_resale_return",
    ),
    path(S + "trade-in/", console.trade_in_new, name="manage_resale_trade_in_new"),
    path(S + "trade-in/<int:trade_in_id>/", console.trade_in, name="manage_resale_trade_in"),
    path(S + "categories/", console.categories, name="manage_resale_categories"),
    path(S + "categories/new/", console.category_form, name="manage_resale_category_new"),
    path(
        S + "categories/<int:category_id>/",
        console.category_form,
        name="manage_resale_category",
    ),
    path(S + "settings/", console.settings, name="manage_resale_settings"),
]
