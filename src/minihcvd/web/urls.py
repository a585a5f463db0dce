"""The application's URLs: pages, the Django admin (admins only) and the JSON API at /api/v1."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from minihcvd.web.api import api
from minihcvd.web.patients.views import home

admin.site.site_header = "minihcvd — trial administration"
admin.site.site_title = "minihcvd admin"

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("minihcvd.web.accounts.urls")),
    path("patients/", include("minihcvd.web.patients.urls")),
    path("dashboard/", include("minihcvd.web.oversight.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
