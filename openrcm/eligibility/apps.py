from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "openrcm.eligibility"
    label = "eligibility"
