from django.urls import path

from openrcm.claims import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list_view, name="list"),
    path("<int:pk>/", views.claim_detail_view, name="detail"),
]
