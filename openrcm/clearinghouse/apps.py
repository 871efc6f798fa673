from django.apps import AppConfig


class ClearinghouseConfig(AppConfig):
    name = "openrcm.clearinghouse"
    label = "clearinghouse"
    verbose_name = "Clearinghouse adapters"
