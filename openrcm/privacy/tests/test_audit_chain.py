"""The audit trail's hash chain: intact, edited, deleted; the audit command; append-only."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from openrcm.core.actor import Actor
from openrcm.privacy.models import AuditAction, AuditEvent
from openrcm.privacy.services import audit_chain_verify, audit_record

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="alice", ip="2001:DB8::0001", user_agent="pytest", request_id="req-1")


def _trail(n: int = 5) -> list[AuditEvent]:
    return [
        audit_record(
            actor=ACTOR, action=AuditAction.READ, detail=f"row {i}", changes={"n": [i, i + 1]}
        )
        for i in range(n)
    ]


def _sql(statement: str, params: list[Any]) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("TABLE", table), params)


def _verify_command() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_intact_chain_verifies_even_with_an_ipv6_address():
    rows = _trail()
    assert rows[0].ip == "2001:db8::1"  # stored as the database keeps it, so the hash holds
    assert audit_chain_verify() is None
    code, out, _ = _verify_command()
    assert code == 0
    assert "5 rows verified" in out


def test_an_edited_row_is_named():
    rows = _trail()
    _sql("UPDATE TABLE SET detail = %s WHERE sequence = %s", ["nothing to see", rows[2].sequence])
    broken = audit_chain_verify()
    assert broken is not None
    assert broken.sequence == rows[2].sequence
    assert "changed" in broken.reason
    code, _, err = _verify_command()
    assert code == 1
    assert f"row {rows[2].sequence}" in err


def test_a_rehashed_row_still_breaks_the_link_to_the_next():
    rows = _trail()
    from openrcm.privacy.services import audit_row_hash

    forged: dict[str, Any] = dict(AuditEvent.objects.filter(pk=rows[1].pk).values().get())
    forged["detail"] = "forged"
    new_hash = audit_row_hash(forged["prev_hash"], forged)
    _sql(
        "UPDATE TABLE SET detail = %s, row_hash = %s WHERE id = %s",
        ["forged", new_hash, rows[1].pk],
    )
    broken = audit_chain_verify()
    assert broken is not None
    assert broken.sequence == rows[2].sequence
    assert "link" in broken.reason


def test_a_deleted_row_is_named():
    rows = _trail()
    _sql("DELETE FROM TABLE WHERE sequence = %s", [rows[3].sequence])
    broken = audit_chain_verify()
    assert broken is not None
    assert broken.sequence == rows[3].sequence
    assert "missing" in broken.reason


def test_deleting_the_newest_rows_is_detected():
    rows = _trail()
    _sql("DELETE FROM TABLE WHERE sequence >= %s", [rows[3].sequence])
    broken = audit_chain_verify()
    assert broken is not None
    assert broken.sequence == rows[3].sequence


def test_the_model_and_its_querysets_refuse_changes():
    row = _trail(1)[0]
    row.detail = "x"
    with pytest.raises(RuntimeError, match="append-only"):
        row.save()
    with pytest.raises(RuntimeError, match="append-only"):
        row.delete()
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.filter(pk=row.pk).update(detail="x")
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.all().delete()


def test_export_writes_csv_and_is_itself_audited(tmp_path):
    _trail(3)
    target = tmp_path / "trail.csv"
    call_command(
        "audit", "export", "--format", "csv", "--output", str(target), stderr=io.StringIO()
    )
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 3
    assert rows[0]["actor"] == "alice"
    assert rows[0]["ip"] == "2001:db8::1"
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert "3 rows" in export.detail
    assert export.actor.startswith("cli:audit-export")
    assert audit_chain_verify() is None


def test_export_filters_by_dates_and_refuses_bad_ones():
    from django.core.management.base import CommandError

    _trail(2)
    out = io.StringIO()
    call_command("audit", "export", "--since", "2000-01-01", "--until", "2000-12-31", stdout=out)
    assert list(csv.reader(io.StringIO(out.getvalue())))[1:] == []
    with pytest.raises(CommandError, match="not a date"):
        call_command("audit", "export", "--since", "yesterday", stdout=io.StringIO())


def test_export_cells_cannot_run_as_spreadsheet_formulas():
    audit_record(actor=Actor(label="=HYPERLINK(1)"), action=AuditAction.READ)
    out = io.StringIO()
    call_command("audit", "export", stdout=out)
    assert "'=HYPERLINK(1)" in out.getvalue()
