from django.apps import AppConfig


class RemittanceConfig(AppConfig):
    name = "openrcm.remittance"
    label = "remittance"
    verbose_name = "Remittance: ERAs, posting and the ledger"
