"""What 999 and 277CA codes mean, in our own words, with what to do about them.

A small table of the codes openrcm's users meet most often, paraphrased (the official
code lists are X12's: the 999's IK5/AK9 syntax error codes and the Claim Status Category
and Claim Status codes of the 277CA). A code missing here is shown as its number; add it
when a clearinghouse sends one. Verify wording against the published lists when editing.
"""

from __future__ import annotations

from collections.abc import Iterable

# 277CA STC01-1: the claim status category.
CATEGORIES: dict[str, str] = {
    "A0": "forwarded to another entity",
    "A1": "received by the clearinghouse or payer",
    "A2": "accepted into the payer's adjudication system",
    "A3": "returned as unprocessable",
    "A4": "not found",
    "A5": "split by the payer",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "A8": "rejected because two fields disagree",
}

# 277CA STC01-2: the claim status code -> (what it is about, what to do).
STATUS_CODES: dict[str, tuple[str, str]] = {
    "19": ("the claim was received", ""),
    "20": ("the claim was accepted for processing", ""),
    "21": ("some information is missing or invalid", "check the claim against the 837P rules"),
    "116": (
        "the claim went to the wrong payer",
        "check the patient's coverage and the payer ID, then send it to the right payer",
    ),
    "128": ("the tax ID", "correct the practice's tax ID in the client's settings"),
    "158": ("the date of birth", "correct the date of birth in demographics or coverage"),
    "164": (
        "the member ID (contract number)",
        "check the member ID on the insurance card or with an eligibility inquiry",
    ),
    "187": ("the date(s) of service", "check the date of service of the encounter"),
    "254": ("the principal diagnosis code", "correct the first-listed diagnosis"),
    "255": ("a diagnosis code", "correct the diagnosis codes"),
    "400": (
        "the claim total does not equal the sum of its lines",
        "correct the line charges so that they add up to the claim total",
    ),
    "562": ("the NPI", "correct the NPI (check it in the NPPES registry)"),
}

# STC01-3 and NM101: who the status is about.
ENTITIES: dict[str, str] = {
    "85": "billing provider",
    "82": "rendering provider",
    "DN": "referring provider",
    "77": "service facility",
    "IL": "subscriber",
    "QC": "patient",
    "PR": "payer",
    "41": "submitter",
    "40": "receiver",
}

# 999 IK502-IK506: why a transaction set was rejected.
SET_ERRORS: dict[str, str] = {
    "1": "the transaction set is not supported",
    "2": "the transaction set trailer (SE) is missing",
    "3": "the control numbers in ST and SE differ",
    "4": "the segment count in SE is wrong",
    "5": "one or more segments are in error",
    "6": "the transaction set identifier is missing or invalid",
    "7": "the transaction set control number is missing or invalid",
    "23": "the transaction set control number is not unique in the group",
}

# 999 AK905-AK909: why a functional group was rejected.
GROUP_ERRORS: dict[str, str] = {
    "1": "the functional group is not supported",
    "2": "the functional group version is not supported",
    "3": "the functional group trailer (GE) is missing",
    "4": "the group control numbers in GS and GE differ",
    "5": "the number of transaction sets in GE is wrong",
    "6": "the group control number is not valid",
}


def claim_status_words(category: str, code: str, entity: str = "") -> str:
    """One STC composite in words, e.g. "rejected for invalid information (A7): the NPI
    of the billing provider (562) — correct the NPI (check it in the NPPES registry)"."""
    what = CATEGORIES.get(category, f"status category {category}")
    about, action = STATUS_CODES.get(code, (f"status code {code}", ""))
    who = ENTITIES.get(entity, f"entity {entity}" if entity else "")
    text = f"{what} ({category})"
    if code:
        text += f": {about}" + (f" of the {who}" if who else "") + f" ({code})"
    if action:
        text += f"; {action}"
    return text


def implementation_ack_words(
    set_errors: Iterable[str] = (), group_errors: Iterable[str] = ()
) -> str:
    """Why a 999 rejected a file, in words."""
    reasons = [f"{SET_ERRORS.get(c, f'error {c}')} ({c})" for c in set_errors]
    reasons += [f"{GROUP_ERRORS.get(c, f'group error {c}')} ({c})" for c in group_errors]
    text = "the clearinghouse rejected the whole file (999)"
    if reasons:
        text += ": " + "; ".join(reasons)
    return text + "; fix the file's problem and send the claims again"
