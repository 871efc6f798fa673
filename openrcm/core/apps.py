from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openrcm.core"
    label = "core"
    verbose_name = "openrcm core"
