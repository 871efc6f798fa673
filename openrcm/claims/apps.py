from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "openrcm.claims"
    label = "claims"
