from django.urls import path

from openrcm.eligibility import views

app_name = "eligibility"
urlpatterns = [
    path("patients/<int:patient_id>/check/", views.patient_check_view, name="patient_check"),
    path("claim-status/", views.claim_status_list_view, name="claim_status"),
]
