from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "openrcm.messaging"
    label = "messaging"
    verbose_name = "Communications"
