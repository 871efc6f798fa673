"""The REST API (django-ninja): one router per area, OpenAPI docs at /api/docs.

Session authentication with CSRF on unsafe methods (the same sign-in as the web UI,
second factor included: ``MFARequiredMiddleware`` answers 401 until it is passed). Every
handler checks the role's permission and reads through ``for_user``; a row of another
practice is a 404, like a row that does not exist.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import SessionAuth

from openrcm.claims.api import router as claims_router
from openrcm.clients.api import router as clients_router
from openrcm.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from openrcm.patients.api import router as patients_router
from openrcm.payers.api import router as payers_router

api = NinjaAPI(
    title="openrcm API",
    version="1",
    description=(
        "Revenue-cycle management for medical billing companies. Sign in through the web UI "
        "(password and second factor); the session cookie authenticates API calls, and "
        "unsafe methods need the CSRF token (X-CSRFToken header)."
    ),
    auth=SessionAuth(csrf=True),
    urls_namespace="api",
)
api.add_router("/patients/", patients_router)
api.add_router("/claims/", claims_router)
api.add_router("/clients/", clients_router)
api.add_router("/eligibility/", "openrcm.eligibility.api.router")
api.add_router("/workqueue/", "openrcm.workqueue.api.router")
api.add_router("/messaging/", "openrcm.messaging.api.router")
api.add_router("/remittance/", "openrcm.remittance.api.router")
api.add_router("/denials/", "openrcm.denials.api.router")
api.add_router("/payers/", payers_router)


@api.exception_handler(ValidationFailed)
def validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    return api.create_response(
        request,
        {
            "code": exc.code,
            "message": exc.message,
            "problems": [{"field": f, "message": m} for f, m in exc.problems],
        },
        status=422,
    )


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, PermissionDenied) else 400
    return api.create_response(
        request, {"code": exc.code, "message": exc.message, "field": exc.field}, status=status
    )
