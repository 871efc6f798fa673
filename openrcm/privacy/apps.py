from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "openrcm.privacy"
    label = "privacy"
