from __future__ import annotations

from django.urls import path

from minihcvd.web.patients import views
from minihcvd.web.treatment.views import calendar_download

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("register/", views.register, name="register"),
    path("register/eligibility/", views.eligibility_panel, name="eligibility"),
    path("screening/", views.screening_log, name="screening"),
    path("<str:study_id>/", views.patient_detail, name="detail"),
    path("<str:study_id>/history/", views.patient_history, name="history"),
    path(
        "<str:study_id>/calendar.<str:output_format>",
        calendar_download,
        name="calendar",
    ),
]
