"""The role × action matrix, written out as a table (not re-derived from the code's dict)."""

from __future__ import annotations

import pytest

from openrcm.accounts.models import Role
from openrcm.accounts.permissions import ACTIONS, ROLE_PERMISSIONS, has_permission

# Columns: adm bil cod col cre cmp sal phy mgr fd   (X = allowed, . = refused)
ROLES = [
    Role.ADMINISTRATOR,
    Role.BILLER,
    Role.CODER,
    Role.COLLECTOR,
    Role.CREDENTIALING,
    Role.COMPLIANCE,
    Role.SALES,
    Role.CLIENT_PHYSICIAN,
    Role.CLIENT_MANAGER,
    Role.CLIENT_FRONT_DESK,
]
MATRIX = """
patient.view          X X X X . X . X X X
patient.change        X X . X . . . . X X
patient.export        X . . . . X . . X .
eligibility.check     X X . . . . . . X X
workitem.work         X X . . . . . . X X
claim.view            X X X X . X . X X .
claim.change          X X X . . . . . . .
claim.submit          X X . . . . . . . .
remittance.view       X X . X . X . X X .
remittance.post       X X . . . . . . . .
denial.work           X X . . . . . . . .
denial.approve        X . . . . . . . . .
collection.work       X . . X . . . . . .
collection.instruct   X . . . . . . . . .
client.view           X X X X X X . X X X
client.change         X . . . X . . . . .
credentialing.manage  X . . . X . . . . .
payer.view            X X X X X X . . . .
payer.change          X . . . X . . . . .
payer.rules           X X . . . . . . . .
report.view           X X . . . X X X X .
lead.view             X . . . . . X . . .
lead.change           X . . . . . X . . .
message.view          X X . X X X . . . .
message.send          X X . X X . . . . .
message.templates     X . . . . . . . . .
audit.view            X . . . . X . . . .
audit.export          X . . . . X . . . .
disclosure.manage     X . . . . X . . . .
user.manage           X . . . . . . . . .
"""


def _expected() -> dict[tuple[str, str], bool]:
    table = {}
    for line in MATRIX.strip().splitlines():
        action, *marks = line.split()
        assert len(marks) == len(ROLES), line
        for role, mark in zip(ROLES, marks, strict=True):
            table[(role.value, action)] = mark == "X"
    return table


EXPECTED = _expected()


class _User:
    is_authenticated = True
    is_active = True

    def __init__(self, role: str):
        self.role = role


def test_the_table_covers_every_role_and_action():
    assert {a for _, a in EXPECTED} == set(ACTIONS)
    assert {r for r, _ in EXPECTED} == set(Role.values) == {str(r) for r in ROLE_PERMISSIONS}


@pytest.mark.parametrize(("role", "action"), sorted(EXPECTED))
def test_role_may_or_may_not(role, action):
    assert has_permission(_User(role), action) is EXPECTED[(role, action)]


def test_inactive_and_anonymous_users_may_do_nothing():
    inactive = _User(Role.ADMINISTRATOR)
    inactive.is_active = False
    assert not has_permission(inactive, "patient.view")
    assert not has_permission(None, "patient.view")


def test_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action"):
        has_permission(_User(Role.ADMINISTRATOR), "patient.veiw")
