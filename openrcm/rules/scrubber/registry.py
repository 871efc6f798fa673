"""The scrubber's rules as data: ID, severity, what each checks, and what to do about it.

``RULES`` is the registry, in the order findings are reported and the docs list them. A
rule ID is stable: payers turn rules off by ID (with a reason), tests and reports filter
by it. The checks themselves live in :mod:`openrcm.rules.scrubber.checks`, one per ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # holds the claim: it must be fixed before it is sent
    WARNING = "warning"  # shown to the biller; the claim may still be sent
    SKIPPED = "skipped"  # the rule is turned off for this payer; says why, never holds


@dataclass(frozen=True, slots=True)
class Rule:
    """One named check.

    ``title`` says what the rule checks (for the docs and the rule list); ``hint`` is the
    default fix hint given with each finding. ``payer_may_disable`` is False for the rules
    that keep the 837P itself well formed: no payer can waive X12 structure.
    """

    id: str
    severity: Severity
    title: str
    hint: str
    payer_may_disable: bool = True


_E = Severity.ERROR
_W = Severity.WARNING

RULES: tuple[Rule, ...] = (
    # --- who and what the claim is for (837P loops 2000A-2010BB, CLM) -------------------
    Rule(
        "REQ-PATIENT-CONTROL-NUMBER",
        _E,
        "CLM01 patient control number is 1-20 characters without X12 delimiters",
        "Give the claim a patient control number of at most 20 letters and digits.",
        payer_may_disable=False,
    ),
    Rule(
        "REQ-SUBSCRIBER-ID",
        _E,
        "the subscriber's member ID (NM109 of 2010BA) is present and at most 80 characters",
        "Copy the member ID from the insurance card or the eligibility response.",
    ),
    Rule(
        "REQ-PATIENT-DOB",
        _E,
        "the patient's date of birth is present and not after the date of service",
        "Correct the patient's date of birth in the demographics.",
    ),
    Rule(
        "REQ-SUBSCRIBER-DOB",
        _E,
        "the subscriber's date of birth is present and not after the date of service",
        "Correct the subscriber's date of birth on the coverage.",
    ),
    Rule(
        "REQ-PATIENT-SEX",
        _E,
        "the patient's sex is F, M or U (DMG03)",
        "Set the patient's sex (F, M, or U when unknown) in the demographics.",
    ),
    Rule(
        "REQ-RELATIONSHIP",
        _E,
        "the patient's relationship to the subscriber is an X12 individual relationship code",
        "Set the relationship on the coverage: 18 self, 01 spouse, 19 child, G8 other.",
    ),
    Rule(
        "REQ-SUBSCRIBER-ADDRESS",
        _E,
        "the subscriber's address has a street, a city, a US state and a 5- or 9-digit ZIP",
        "Complete the subscriber's address on the coverage.",
    ),
    Rule(
        "REQ-BILLING-ADDRESS",
        _E,
        "the billing provider's address has a street, a city and a US state",
        "Complete the billing provider's street address in the client's settings.",
    ),
    Rule(
        "BILLING-ZIP9",
        _E,
        "the billing provider's ZIP code has 9 digits (ZIP+4), as the 837P requires",
        "Add the 4-digit ZIP extension to the billing address (look it up at USPS).",
    ),
    Rule(
        "BILLING-PO-BOX",
        _E,
        "the billing provider's street address is not a PO box or lockbox",
        "Use the practice's physical street address; put a PO box in the pay-to address.",
    ),
    Rule(
        "REQ-BILLING-TIN",
        _E,
        "the billing provider's federal tax ID (EIN or SSN) is valid",
        "Correct the billing provider's tax ID in the client's settings.",
    ),
    Rule(
        "NPI-BILLING",
        _E,
        "the billing provider's NPI is 10 digits with a valid check digit",
        "Correct the billing NPI (check it in the NPPES registry).",
    ),
    Rule(
        "NPI-RENDERING",
        _E,
        "the rendering provider's NPI, when given, is 10 digits with a valid check digit",
        "Correct the rendering provider's NPI (check it in the NPPES registry).",
    ),
    Rule(
        "NPI-REFERRING",
        _E,
        "a referring provider, when given, has a valid NPI",
        "Correct the referring provider's NPI (check it in the NPPES registry).",
    ),
    Rule(
        "REQ-REFERRING",
        _E,
        "a referring provider (NPI and name) is present where the payer requires one",
        "Get the referring provider's name and NPI from the referral or the order.",
    ),
    Rule(
        "TAXONOMY-BILLING",
        _E,
        "the billing provider's taxonomy code is present and in the NUCC code set",
        "Set the billing provider's taxonomy to the one enrolled with the payer.",
    ),
    Rule(
        "TAXONOMY-RENDERING",
        _E,
        "a rendering provider has a taxonomy code in the NUCC code set",
        "Set the rendering provider's taxonomy to the one enrolled with the payer.",
    ),
    Rule(
        "REQ-PAYER-ID",
        _E,
        "the payer ID (NM109 of 2010BB) is present and at most 80 characters",
        "Set the payer's electronic payer ID (from the clearinghouse's payer list).",
    ),
    Rule(
        "REQ-FILING-INDICATOR",
        _E,
        "the claim filing indicator (SBR09) is an X12 code",
        "Set the payer's claim filing indicator (MB Medicare Part B, MC Medicaid, CI ...).",
    ),
    Rule(
        "FILING-INDICATOR-MISMATCH",
        _W,
        "the claim filing indicator fits the payer's type (Medicare MB, Medicaid MC ...)",
        "Check the payer's type and claim filing indicator in the payer settings.",
    ),
    Rule(
        "POS-INVALID",
        _E,
        "the place of service is a CMS place-of-service code in force on the date of service",
        "Choose the place-of-service code where the service was given (11 office ...).",
    ),
    Rule(
        "COVERAGE-INACTIVE",
        _E,
        "the coverage is in force on the date of service",
        "Check eligibility for the date of service; bill the coverage active that day.",
    ),
    Rule(
        "DOS-FUTURE",
        _E,
        "the date of service is not after today",
        "Correct the date of service, or hold the charge until the service is given.",
    ),
    Rule(
        "TIMELY-FILING",
        _E,
        "the claim is sent within the payer's timely-filing limit (days from the DOS)",
        "Send it only with proof of timely filing or an exception (retroactive "
        "eligibility, administrative error); otherwise the payer denies it (CO-29).",
    ),
    Rule(
        "TIMELY-FILING-SOON",
        _W,
        "80 % or more of the payer's timely-filing limit has passed",
        "Fix and send this claim first: its timely-filing deadline is close.",
    ),
    Rule(
        "FREQ-INVALID",
        _E,
        "the claim frequency code (CLM05-3) is 1 original, 7 replacement or 8 void",
        "Use 1 for a new claim, 7 to replace or 8 to void a claim the payer already has.",
    ),
    Rule(
        "FREQ-ORIGINAL-CLAIM",
        _E,
        "a replacement (7) or void (8) carries the payer's original claim number (REF*F8)",
        "Copy the payer claim control number from the original claim's 835 (CLP07).",
    ),
    Rule(
        "PRIOR-AUTH-MISSING",
        _E,
        "a prior authorization number is present where the payer requires one for a code",
        "Get the authorization number from the payer portal or the practice, or obtain "
        "a retro-authorization, before sending.",
    ),
    Rule(
        "DUPLICATE-CLAIM",
        _E,
        "no earlier claim to the same payer has the same patient, provider, date of service "
        "and code",
        "Check the earlier claim: if this one corrects it, send it as a replacement (7); "
        "if the service really was repeated, add modifier 76, 77 or 91.",
    ),
    # --- diagnoses (HI) ------------------------------------------------------------------
    Rule(
        "DX-COUNT",
        _E,
        "the claim has 1 to 12 diagnosis codes (HI holds at most 12)",
        "Keep the 12 diagnoses that the service lines point to; drop the rest.",
        payer_may_disable=False,
    ),
    Rule(
        "ICD-INVALID",
        _E,
        "each diagnosis is an ICD-10-CM code in the release in force on the date of service",
        "Correct the diagnosis code (look it up in the ICD-10-CM release for the DOS).",
    ),
    Rule(
        "ICD-NOT-BILLABLE",
        _E,
        "each diagnosis is a billable (leaf) code, not a category or subcategory header",
        "Code to the highest specificity: pick one of the codes under this heading.",
    ),
    Rule(
        "ICD-SEX-CONFLICT",
        _E,
        "no diagnosis is limited to the other sex than the patient's",
        "Check the patient's sex in the demographics and the diagnosis with the provider.",
    ),
    Rule(
        "ICD-AGE-CONFLICT",
        _E,
        "no diagnosis is limited to an age range the patient is outside of on the DOS",
        "Check the patient's date of birth and the diagnosis with the provider.",
    ),
    Rule(
        "DX-DUPLICATE",
        _W,
        "no diagnosis code is listed twice",
        "Remove the repeated diagnosis and re-point the lines that used it.",
    ),
    Rule(
        "DX-EXTERNAL-CAUSE-FIRST",
        _E,
        "the first-listed diagnosis is not an external-cause code (V00-Y99)",
        "List the injury or condition first; external-cause codes only add detail.",
    ),
    # --- service lines (2400) ------------------------------------------------------------
    Rule(
        "LINES-COUNT",
        _E,
        "the claim has 1 to 50 service lines (2400 repeats at most 50 times)",
        "Split the services over several claims of at most 50 lines.",
        payer_may_disable=False,
    ),
    Rule(
        "PROC-CODE-FORMAT",
        _E,
        "each procedure code has the form of a CPT or HCPCS Level II code",
        "Correct the procedure code (CPT: 5 digits or 4 digits and F/T; HCPCS: A1234).",
    ),
    Rule(
        "HCPCS-INVALID",
        _E,
        "each HCPCS Level II code is in the HCPCS release in force on the date of service",
        "Use the HCPCS code valid on the date of service (codes are added and ended quarterly).",
    ),
    Rule(
        "MOD-COUNT",
        _E,
        "each line has at most 4 modifiers (SV101-3 to -6)",
        "Keep the 4 modifiers that matter for payment (pricing modifiers first).",
        payer_may_disable=False,
    ),
    Rule(
        "MOD-INVALID",
        _E,
        "each modifier is a known 2-character modifier",
        "Correct the modifier.",
    ),
    Rule(
        "DX-POINTER",
        _E,
        "each line points to 1-4 distinct diagnoses that exist on the claim (SV107)",
        "Point the line at the diagnoses (1 to the number of codes) that justify it.",
        payer_may_disable=False,
    ),
    Rule(
        "UNITS-POSITIVE",
        _E,
        "each line has a positive number of units, at most 99999.999",
        "Enter the units actually given on the line.",
    ),
    Rule(
        "CHARGE-POSITIVE",
        _E,
        "each line has a positive charge in whole cents",
        "Enter the practice's charge for the line from its fee schedule.",
    ),
    Rule(
        "CLAIM-TOTAL",
        _E,
        "the claim total (CLM02) equals the sum of the line charges (SV102)",
        "Recompute the claim total from its lines.",
        payer_may_disable=False,
    ),
    Rule(
        "NCCI-PTP",
        _E,
        "no two codes on the date of service form an NCCI procedure-to-procedure edit "
        "(column 2 is denied unless indicator 1 and an NCCI-associated modifier)",
        "Remove the column 2 code, or, only when documentation supports a distinct "
        "service, add the NCCI-associated modifier (59, XE, XS, XP, XU, anatomic ...).",
    ),
    Rule(
        "MUE-UNITS",
        _E,
        "units stay within the medically unlikely edit (per line for MAI 1, per date of "
        "service for MAI 2 and 3) or the payer's own limit",
        "Bill no more units than the limit; check the units against the documentation.",
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
if len(RULES_BY_ID) != len(RULES):  # pragma: no cover - a typo while editing the table
    raise RuntimeError("two scrubber rules share an ID")


def describe_rules() -> str:
    """The registry as a Markdown table, for the docs and the rule list in the UI."""
    rows = ["| ID | Severity | Checks | Fix hint | Payer may turn off |", "|---|---|---|---|---|"]
    for rule in RULES:
        cells = (
            rule.id,
            rule.severity.value,
            rule.title,
            rule.hint,
            "yes" if rule.payer_may_disable else "no",
        )
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"
