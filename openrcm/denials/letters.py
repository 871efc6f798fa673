"""Appeal letters: an HTML template with the claim's facts, printed to PDF by WeasyPrint.

The same template renders in the browser (``appeal_letter_html``) and as the PDF kept on
the appeal. The denial codes are explained in openrcm's own words (``codesets.guidance``),
never in X12's licensed text.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from openrcm.codesets.guidance import CARC_GUIDANCE
from openrcm.denials.models import Appeal, DenialItem


class LetterPrinterMissing(RuntimeError):
    """WeasyPrint (or the system libraries it needs: Pango, HarfBuzz) is not installed."""


def letter_context(*, appeal: Appeal, items: Sequence[DenialItem]) -> dict[str, Any]:
    claim = appeal.claim
    encounter = claim.encounter
    lines = list(claim.lines.order_by("line_number"))
    denied_lines = {i.line_number for i in items}
    codes = []
    for item in items:
        for code in item.carcs or [f"{item.group_code}-{item.carc}"]:
            carc = code.split("-", 1)[-1]
            found = CARC_GUIDANCE.get(carc)
            codes.append(
                {
                    "code": code,
                    "line": item.line_number or "claim",
                    "amount": item.amount,
                    "explanation": found.for_billers if found else "see the payer's remittance",
                }
            )
    return {
        "appeal": appeal,
        "today": datetime.date.today(),  # noqa: DTZ011  # the letter's date, in local time
        "company": getattr(settings, "OPENRCM_COMPANY_NAME", ""),
        "practice": claim.client,
        "payer": appeal.payer,
        "patient": claim.patient,
        "member_id": claim.coverage.member_id,
        "claim": claim,
        "encounter": encounter,
        "provider": encounter.rendering_provider,
        "lines": [
            {"line": line, "denied": line.line_number in denied_lines or 0 in denied_lines}
            for line in lines
        ],
        "codes": codes,
        "era_date": min(i.era_date for i in items),
        "total_denied": sum(i.amount for i in items),
    }


def appeal_letter_html(*, appeal: Appeal, items: Sequence[DenialItem]) -> str:
    return render_to_string(
        "denials/appeal_letter.html", letter_context(appeal=appeal, items=items)
    )


def weasyprint_missing() -> str | None:
    """Why PDFs cannot be printed here, or None when WeasyPrint works."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"WeasyPrint cannot load: {exc}"
    return None


def appeal_letter_pdf(*, appeal: Appeal, items: Sequence[DenialItem]) -> bytes:
    problem = weasyprint_missing()
    if problem:
        raise LetterPrinterMissing(
            f"{problem}. Install weasyprint and its system libraries (Pango) to print letters."
        )
    import weasyprint

    html = appeal_letter_html(appeal=appeal, items=items)
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
