from django.contrib import admin
from django.urls import include, path

from peerarmy.api.api import api, openapi_document
from peerarmy.web.views import health, media

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # before ninja's own view of the same address: the document built once, not per request
    path("api/v1/openapi.json", openapi_document, name="openapi"),
    path("api/v1/", api.urls),
    path("media/<path:path>", media.media, name="media"),
    path("", include("peerarmy.web.urls")),
]

handler404 = "peerarmy.web.views.errors.not_found"
handler403 = "peerarmy.web.views.errors.forbidden"
