from django.urls import path

from openrcm.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
]
