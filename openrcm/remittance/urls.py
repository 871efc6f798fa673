from django.urls import path

from openrcm.remittance import views

app_name = "remittance"
urlpatterns = [
    path("", views.era_list_view, name="list"),
    path("eras/<int:payment_id>/", views.era_detail_view, name="era_detail"),
    path("exceptions/", views.exception_list_view, name="exceptions"),
    path("claims/<int:claim_id>/ledger/", views.claim_ledger_view, name="claim_ledger"),
    path("patients/<int:patient_id>/ledger/", views.patient_ledger_view, name="patient_ledger"),
]
