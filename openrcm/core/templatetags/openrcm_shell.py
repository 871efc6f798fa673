"""The web shell: the navigation of the business's areas, shown by role.

An area appears when its pages exist (its URL name resolves) and the user's role has the
action it needs (``openrcm.accounts.permissions``). Areas still being built are listed
here already, so they show up by themselves when their URLs land.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from openrcm.accounts.permissions import has_permission

register = template.Library()


@dataclass(frozen=True)
class Area:
    label: str
    url_name: str
    action: str | None  # the permission the area needs; None: every signed-in user
    client_label: str = ""  # what a client practice's user sees instead of ``label``


AREAS = (
    Area("Dashboard", "core:dashboard", None),
    Area("Patients", "patients:search", "patient.view"),
    Area("Work list", "workqueue:list", "workitem.work"),
    Area("Claims", "claims:list", "claim.view"),
    Area("Payers", "payers:list", "payer.view"),
    Area("Clients", "clients:list", "client.view", client_label="Practice"),
    Area("Remittance", "remittance:list", "remittance.view"),
    Area("Denials", "denials:queue", "denial.work"),
    Area("Patient billing", "patient_billing:list", "collection.work"),
    Area("Messages", "messaging:list", "message.view"),
    Area("Leads", "messaging:leads", "lead.view"),
    Area("Privacy / Audit", "privacy:audit", "audit.view"),
    Area("Portal", "portal:home", "report.view"),
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def _url_of(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation_for(user: Any, path: str) -> list[NavItem]:
    """The areas ``user`` may open, the one holding ``path`` marked current."""
    items: list[NavItem] = []
    for area in AREAS:
        if area.action is not None and not has_permission(user, area.action):
            continue
        url = _url_of(area.url_name)
        if url is None:
            continue
        label = area.client_label if area.client_label and user.is_client_user else area.label
        current = path == url if url == "/" else path.startswith(url)
        items.append(NavItem(label=label, url=url, current=current))
    return items


@register.simple_tag(takes_context=True)
def navigation(context: template.Context) -> list[NavItem]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return navigation_for(request.user, request.path)


@register.simple_tag
def company_name() -> str:
    return str(getattr(settings, "OPENRCM_COMPANY_NAME", ""))


@register.filter
def money(value: Any) -> str:
    """$1,234.50 for a Decimal; an em dash for None."""
    if value is None or value == "":
        return "—"
    amount = f"{value:,.2f}"
    return f"-${amount[1:]}" if amount.startswith("-") else f"${amount}"


@register.filter
def phone(value: Any) -> str:
    """+13035550152 → (303) 555-0152; anything that does not parse is shown as it is."""
    if not value:
        return "—"
    import phonenumbers

    try:
        number = phonenumbers.parse(str(value), "US")
    except phonenumbers.NumberParseException:
        return str(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
