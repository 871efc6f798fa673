"""What 271 rejection (AAA) codes and 277 status categories mean, in our own words.

Pure: no Django. Paraphrased, like ``openrcm.rules.acknowledgement_codes`` (which holds the
A-category words a 277CA uses and is reused here); the official lists are X12's. A code
missing here is shown as its number.
"""

from __future__ import annotations

from openrcm.rules.acknowledgement_codes import CATEGORIES, ENTITIES, STATUS_CODES

# 271 AAA03: why the payer could not answer about the member.
REJECTION_REASONS: dict[str, str] = {
    "15": "information the payer needs is missing from the inquiry",
    "41": "the payer does not let this provider ask",
    "42": "the payer's system cannot answer right now",
    "43": "the payer does not know the provider's NPI",
    "56": "the date of service is not one the payer accepts",
    "57": "the date of service is not valid",
    "58": "the date of birth is missing or not valid",
    "71": "the date of birth does not match the payer's records",
    "72": "the member ID is missing or not valid",
    "73": "the member's name is missing or not valid",
    "75": "the payer cannot find the member",
    "76": "the payer has this member ID more than once",
}

# AAA03 codes that mean "we do not know this person" (the patient is flagged).
MEMBER_NOT_FOUND = frozenset({"58", "71", "72", "73", "75", "76"})

# 271 AAA04: what to do next.
FOLLOW_UPS: dict[str, str] = {
    "C": "correct the member's details (ID, name, date of birth) and ask again",
    "N": "do not ask again",
    "P": "ask again later",
    "R": "ask again",
    "S": "do not ask again; the payer will answer later",
    "W": "wait before asking again",
    "X": "wait before asking again",
    "Y": "do not ask again; the payer will answer later",
}

# 277 STC01-1 categories other than the A-categories of a 277CA.
STATUS_CATEGORIES: dict[str, str] = {
    "D0": "the payer's search found nothing",
    "E0": "the payer could not answer: the inquiry has an error",
    "E1": "the payer could not answer: its system is unavailable",
    "E2": "the payer could not answer: the information holder does not respond",
    "E3": "the payer could not answer: correct the inquiry and ask again",
    "E4": "the payer could not answer: a trading-partner requirement is not met",
    "F0": "finalized",
    "F1": "finalized: paid",
    "F2": "finalized: denied",
    "F3": "finalized: revised",
    "F4": "finalized: adjudication complete, no payment coming",
    "P0": "pending: waiting on adjudication details",
    "P1": "pending: in process",
    "P2": "pending: under payer review",
    "P3": "pending: the payer asked the provider for information",
    "P4": "pending: the payer asked the patient for information",
    "P5": "pending: on a payer administrative hold",
}

EXTRA_STATUS_CODES: dict[str, str] = {
    "35": "the payer has no record of the claim; send it again",
    "65": "the claim has been paid",
}

# Categories after which the payer does not have (or will not process) the claim.
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})
# Categories that say the payer has the claim in adjudication (or finished it).
AT_PAYER_CATEGORIES = frozenset(
    {"A1", "A2", "A5", "P0", "P1", "P2", "P3", "P4", "P5", "F0", "F1", "F2", "F3", "F4"}
)


def rejection_words(reason: str, follow_up: str = "") -> str:
    """An AAA in words, e.g. "the payer cannot find the member (75); correct ..."."""
    text = f"{REJECTION_REASONS.get(reason, f'rejection reason {reason}')} ({reason})"
    action = FOLLOW_UPS.get(follow_up, "")
    return f"{text}; {action}" if action else text


def claim_status_words(category: str, code: str, entity: str = "") -> str:
    """One 277 STC composite in words (any category)."""
    what = STATUS_CATEGORIES.get(category) or CATEGORIES.get(category, f"category {category}")
    text = f"{what} ({category})"
    if code:
        about = EXTRA_STATUS_CODES.get(code) or STATUS_CODES.get(code, (f"status {code}", ""))[0]
        who = ENTITIES.get(entity, "")
        text += f": {about}" + (f" of the {who}" if who else "") + f" ({code})"
    return text
