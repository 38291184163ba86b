from django.contrib import admin
from django.urls import include, path

from peerarmy.api.api import api
from peerarmy.web.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("", include("peerarmy.web.urls")),
]

handler404 = "peerarmy.web.views.errors.not_found"
handler403 = "peerarmy.web.views.errors.forbidden"
