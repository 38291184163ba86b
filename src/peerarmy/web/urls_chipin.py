"""The console's chip-in pages, under `<business>/manage/chip-in/`: campaigns and their
actions, pledges, bank statements and their credits, products, money owed back and the
programs' terms. `web/urls.py` adds these to its own."""

from django.urls import path

from .views import chipin_console as chipin

B = "<slug:business_slug>/"
M = B + "manage/"
C = M + "chip-in/"

urlpatterns = [
    path(C, chipin.campaigns, name="manage_chipin"),
    path(C + "new/", chipin.campaign_new, name="manage_chipin_new"),
    path(C + "<int:campaign_id>/", chipin.campaign_detail, name="manage_chipin_campaign"),
    path(C + "<int:campaign_id>/close/", chipin.campaign_close, name="manage_chipin_close"),
    path(C + "<int:campaign_id>/cancel/", chipin.campaign_cancel, name="manage_chipin_cancel"),
    path(
        C + "<int:campaign_id>/match/approve/",
        chipin.match_approve,
        name="manage_chipin_match_approve",
    ),
    path(
        C + "<int:campaign_id>/match/decline/",
        chipin.match_decline,
        name="manage_chipin_match_decline",
    ),
    path(C + "pledges/", chipin.pledges, name="manage_chipin_pledges"),
    path(C + "pledges/<int:pledge_id>/till/", chipin.pledge_till, name="manage_chipin_till"),
    path(C + "statements/", chipin.statements, name="manage_chipin_statements"),
    path(
        C + "statements/<int:statement_id>/",
        chipin.statement_detail,
        name="manage_chipin_statement",
    ),
    path(
        C + "credits/<int:credit_id>/decide/",
        chipin.credit_decide,
        name="manage_chipin_credit_decide",
    ),
    path(C + "products/", chipin.products, name="manage_chipin_products"),
    path(C + "products/new/", chipin.product_new, name="manage_chipin_product_new"),
    path(C + "products/import/", chipin.products_import, name="manage_chipin_shopify"),
    path(C + "products/<int:product_id>/", chipin.product_edit, name="manage_chipin_product"),
    path(C + "refunds/", chipin.refunds, name="manage_chipin_refunds"),
    path(
        C + "refunds/<int:refund_id>/till/",
        chipin.refund_till,
        name="manage_chipin_refund_till",
    ),
    path(C + "settings/", chipin.chipin_settings, name="manage_chipin_settings"),
]
