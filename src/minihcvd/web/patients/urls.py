from __future__ import annotations

from django.urls import path

from minihcvd.web.casebook import views as casebook_views
from minihcvd.web.patients import views
from minihcvd.web.queries import views as query_views
from minihcvd.web.treatment import views as treatment_views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("register/", views.register, name="register"),
    path("register/eligibility/", views.eligibility_panel, name="eligibility"),
    path("screening/", views.screening_log, name="screening"),
    path("export.zip", casebook_views.export_package, name="export"),
    path("<str:study_id>/", views.patient_detail, name="detail"),
    path("<str:study_id>/history/", views.patient_history, name="history"),
    path("<str:study_id>/treatment/", treatment_views.treatment_page, name="treatment"),
    path(
        "<str:study_id>/treatment/<str:course>/verification/",
        treatment_views.verification_page,
        name="verification",
    ),
    path(
        "<str:study_id>/treatment/<str:course>/<str:step>/",
        treatment_views.treatment_step,
        name="treatment-step",
    ),
    path("<str:study_id>/queries/", query_views.patient_queries, name="queries"),
    path(
        "<str:study_id>/casebook/<str:step>/",
        casebook_views.sign_or_unlock,
        name="casebook-step",
    ),
    path(
        "<str:study_id>/casebook/<str:kind>/<str:record_id>/verify/",
        query_views.verify,
        name="verify",
    ),
    path("<str:study_id>/casebook/<str:kind>/new/", casebook_views.new_record, name="new-record"),
    path(
        "<str:study_id>/casebook/<str:kind>/<str:record_id>/edit/",
        casebook_views.edit_record,
        name="edit-record",
    ),
    path(
        "<str:study_id>/calendar.<str:output_format>",
        treatment_views.calendar_download,
        name="calendar",
    ),
]
