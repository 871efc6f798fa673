from django.urls import path

from openrcm.denials import views

app_name = "denials"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("appeals/<int:appeal_id>/letter.pdf", views.appeal_letter_view, name="appeal_letter"),
    path("underpayments/", views.underpayment_list_view, name="underpayments"),
    path("analytics/", views.analytics_view, name="analytics"),
]
