"""The dashboard: where every signed-in user lands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openrcm.accounts.permissions import has_permission
from openrcm.core.selectors import dashboard_counts


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    shows_counts = any(has_permission(user, a) for a in ("report.view", "claim.view"))
    return render(
        request,
        "core/dashboard.html",
        {
            "title": "Dashboard",
            "breadcrumbs": [("Dashboard", None)],
            "counts": dashboard_counts(user=user) if shows_counts else None,
        },
    )
