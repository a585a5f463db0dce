from __future__ import annotations

from django.urls import path

from minihcvd.web.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("analysis/", views.run_full_analysis, name="analysis"),
    path("analysis/<str:stamp>/report.html", views.full_report, name="report"),
    path("decision/", views.decide, name="decide"),
]
