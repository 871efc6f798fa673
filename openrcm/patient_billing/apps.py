from django.apps import AppConfig


class PatientBillingConfig(AppConfig):
    name = "openrcm.patient_billing"
    label = "patient_billing"
    verbose_name = "Patient billing and collections"
