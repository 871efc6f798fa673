from django.urls import path

from openrcm.workqueue import views

app_name = "workqueue"
urlpatterns = [
    path("", views.work_list_view, name="list"),
    path("close/", views.work_item_close_view, name="close"),
]
