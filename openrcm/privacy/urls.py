from django.urls import path

from openrcm.privacy import views

app_name = "privacy"
urlpatterns = [
    path("audit/", views.audit_trail, name="audit_trail"),
    path("audit/export.csv", views.audit_trail_export, name="audit_trail_export"),
]
