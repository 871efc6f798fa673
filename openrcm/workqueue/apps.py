from django.apps import AppConfig


class WorkqueueConfig(AppConfig):
    name = "openrcm.workqueue"
    label = "workqueue"
