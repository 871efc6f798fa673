from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "openrcm.clients"
    label = "clients"
