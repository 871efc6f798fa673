"""URL map: one include per area of the business."""

from django.contrib import admin
from django.urls import include, path

from openrcm.api import api
from openrcm.core.views import dashboard

urlpatterns = [
    path("", dashboard, name="home"),  # LOGIN_REDIRECT_URL; the same page as core:dashboard
    path("", include("openrcm.core.urls")),
    path("accounts/", include("openrcm.accounts.urls")),
    path("clients/", include("openrcm.clients.urls")),
    path("patients/", include("openrcm.patients.urls")),
    path("claims/", include("openrcm.claims.urls")),
    path("eligibility/", include("openrcm.eligibility.urls")),
    path("workqueue/", include("openrcm.workqueue.urls")),
    path("remittance/", include("openrcm.remittance.urls")),
    path("denials/", include("openrcm.denials.urls")),
    path("payers/", include("openrcm.payers.urls")),
    path("messaging/", include("openrcm.messaging.urls")),
    path("billing/", include("openrcm.patient_billing.urls")),
    path("privacy/", include("openrcm.privacy.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
