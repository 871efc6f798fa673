from django.urls import path

from openrcm.patient_billing import views

app_name = "patient_billing"
urlpatterns = [
    path("", views.worklist, name="list"),
    path("patients/<int:patient_id>/", views.account, name="account"),
    path("clients/<int:client_id>/instructions/", views.instructions, name="instructions"),
]
