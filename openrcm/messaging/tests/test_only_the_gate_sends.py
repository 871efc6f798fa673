"""No path to a channel but through the policy gate.

The channels package is imported by ``services.py`` alone; the providers' SDKs by the
channels alone; inside ``services.py`` a channel's ``send_text`` and ``place_call`` are
called only from ``_deliver`` and ``_place_call``, which only ``message_send`` (after the
gate), ``inbound_receive`` (keyword replies) and ``call_start`` (after the gate) call.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from openrcm.core.testing import TEST_ACTOR
from openrcm.messaging import services
from openrcm.messaging.channels.outbox import OutboxChannel

PACKAGE = Path(__file__).resolve().parents[2]  # openrcm/
CHANNELS = PACKAGE / "messaging" / "channels"
SERVICES = PACKAGE / "messaging" / "services.py"


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" in path.parts or path.is_relative_to(CHANNELS):
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def _imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_only_the_send_service_imports_the_channels():
    importers = [
        path.relative_to(PACKAGE).as_posix()
        for path, tree in _sources()
        if any(m.startswith("openrcm.messaging.channels") for m in _imported_modules(tree))
    ]
    assert importers == ["messaging/services.py"]


def test_only_the_channels_import_the_provider_sdks():
    offenders = [
        path.relative_to(PACKAGE).as_posix()
        for path, tree in _sources()
        if any(m.split(".")[0] in {"twilio", "ringcentral"} for m in _imported_modules(tree))
    ]
    assert offenders == []


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _calls(function: ast.AST) -> tuple[set[str], set[str]]:
    """(plain names called, attribute names called) inside ``function``."""
    names, attributes = set(), set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                attributes.add(node.func.attr)
    return names, attributes


def test_channel_sends_happen_only_behind_the_gate():
    tree = ast.parse(SERVICES.read_text())
    functions = _functions(tree)
    senders = {
        name for name, fn in functions.items() if _calls(fn)[1] & {"send_text", "place_call"}
    }
    assert senders == {"_deliver", "_place_call"}
    callers_of_deliver = {n for n, fn in functions.items() if "_deliver" in _calls(fn)[0]}
    assert callers_of_deliver == {"message_send", "inbound_receive"}
    callers_of_place = {n for n, fn in functions.items() if "_place_call" in _calls(fn)[0]}
    assert callers_of_place == {"call_start"}
    # message_send and call_start ask the gate before anything reaches a channel.
    for name in ("message_send", "call_start"):
        assert "may_send_message" in _calls(functions[name])[1], name
    # inbound_receive sends only the reply handle_inbound produced (keyword replies).
    assert "handle_inbound" in _calls(functions["_inbound_record"])[1]


@pytest.mark.django_db
def test_a_refused_send_never_touches_the_channel(world, monkeypatch):
    handed = []

    def send_text(self, **kw):
        handed.append(kw)
        pytest.fail("a refused message reached the channel")

    monkeypatch.setattr(OutboxChannel, "send_text", send_text)
    outcome = services.message_send(
        actor=TEST_ACTOR,
        party=world.contact_party,
        purpose="service",
        body="Acme Billing: hello. Reply STOP to opt out.",
        now=world.now,
    )
    assert outcome.refusal is not None
    assert handed == []
