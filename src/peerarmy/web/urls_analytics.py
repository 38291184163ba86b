"""The web pages of analytics."""

from django.urls import path

from .views import dashboard, impact

M = "<slug:business_slug>/manage/"

# --- the owner's dashboard (the console's home is web:manage_dashboard in web/urls.py) -------
urlpatterns = [
    path(M + "dashboard/<slug:section>.csv", dashboard.section_csv, name="dashboard_csv"),
    path(M + "report.<str:file_format>", dashboard.report_file, name="dashboard_report"),
]

# --- the peer's impact page and what their public page shows of it (helper "impact") --------
# (the public page itself, /<business>/peers/<id>/, is `web:showcase` in web/urls.py)
urlpatterns += [
    path("<slug:business_slug>/me/impact/", impact.impact, name="me_impact"),
    path(
        "<slug:business_slug>/me/impact/showcase/",
        impact.showcase_choice,
        name="me_impact_showcase",
    ),
]
