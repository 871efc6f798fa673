from django.urls import path

from openrcm.payers import views

app_name = "payers"
urlpatterns = [
    path("", views.payer_list_view, name="list"),
    path("<int:payer_id>/rules/", views.payer_rules_page, name="rules"),
]
