from django.apps import AppConfig


class DenialsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "openrcm.denials"
    verbose_name = "Denials, appeals and underpayments"
