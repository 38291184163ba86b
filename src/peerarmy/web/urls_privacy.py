"""The web pages of privacy: the person's own data in the peer's app (`me/data/`), the same
behind a link e-mailed to a customer without an account (`your-data/`), and the console's
erasure requests and audit trail (`manage/privacy/`)."""

from django.urls import path

from .views import privacy

B = "<slug:business_slug>/"
M = B + "manage/"
L = B + "your-data/<str:token>/"

urlpatterns = [
    # the person signed in (a peer, or a customer with an account)
    path(B + "me/data/", privacy.my_data, name="me_privacy"),
    path(B + "me/data/download/", privacy.my_data_download, name="me_privacy_download"),
    path(B + "me/data/erase/", privacy.my_data_erase, name="me_privacy_erase"),
    path(B + "me/data/withdraw/", privacy.my_data_withdraw, name="me_privacy_withdraw"),
    # a customer without an account: an e-mailed link (its signed token is the key)
    path(B + "your-data/", privacy.link_request, name="privacy_request"),
    path(B + "your-data/sent/", privacy.link_sent, name="privacy_request_sent"),
    path(L, privacy.link_page, name="privacy_link"),
    path(L + "download/", privacy.link_download, name="privacy_link_download"),
    path(L + "erase/", privacy.link_erase, name="privacy_link_erase"),
    path(L + "withdraw/", privacy.link_withdraw, name="privacy_link_withdraw"),
    # the console: erasure requests (owner and staff), the audit trail (the owner)
    path(M + "privacy/", privacy.requests, name="manage_privacy_requests"),
    path(M + "privacy/export/", privacy.subject_export, name="manage_privacy_export"),
    path(M + "privacy/audit/", privacy.audit, name="manage_privacy_audit"),
    path(M + "privacy/audit.csv", privacy.audit_csv, name="manage_privacy_audit_csv"),
    path(
        M + "privacy/<int:erasure_id>/",
        privacy.request_detail,
        name="manage_privacy_request",
    ),
    path(
        M + "privacy/<int:erasure_id>/complete/",
        privacy.request_complete,
        name="manage_privacy_complete",
    ),
    path(
        M + "privacy/<int:erasure_id>/refuse/",
        privacy.request_refuse,
        name="manage_privacy_refuse",
    ),
]
