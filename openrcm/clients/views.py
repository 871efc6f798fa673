"""The client list and the client page (practice, contracts, providers, payers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from openrcm.accounts.permissions import permission_required
from openrcm.clients.models import Client
from openrcm.clients.selectors import client_list, client_record


@permission_required("client.view")
def client_list_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "is_client_user", False) and user.client_id:  # type: ignore[union-attr]
        # A practice's own staff have one practice: its page is their client list.
        return HttpResponseRedirect(reverse("clients:detail", args=[user.client_id]))  # type: ignore[union-attr]
    return render(
        request,
        "clients/list.html",
        {
            "title": "Clients",
            "breadcrumbs": [("Dashboard", reverse("home")), ("Clients", None)],
            "clients": client_list(user=user),
        },
    )


@permission_required("client.view")
def client_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_user(request.user), pk=pk)
    return render(
        request,
        "clients/detail.html",
        {
            "title": client.legal_name,
            "breadcrumbs": [
                ("Dashboard", reverse("home")),
                ("Clients", reverse("clients:list")),
                (client.short_name, None),
            ],
            "record": client_record(client=client),
        },
    )
