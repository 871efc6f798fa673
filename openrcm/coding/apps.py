from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "openrcm.coding"
    label = "coding"
    verbose_name = "Code sets"
    default_auto_field = "django.db.models.BigAutoField"
