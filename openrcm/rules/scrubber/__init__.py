"""The claim scrubber: named rules that hold a professional claim before it is sent.

Pure functions over plain values (no Django, no ORM). The caller builds a
:class:`ScrubClaim`, the payer's :class:`PayerRules`, a :class:`DuplicateIndex` of earlier
claims and a :class:`ScrubReference` over the code sets, then calls :func:`scrub_claim`.
``RULES`` lists every rule (ID, severity, what it checks, the fix hint).
"""

from openrcm.rules.scrubber.checks import NCCI_ASSOCIATED_MODIFIERS
from openrcm.rules.scrubber.engine import scrub_claim
from openrcm.rules.scrubber.model import (
    DuplicateIndex,
    DuplicateKey,
    Finding,
    PayerRules,
    PostalAddress,
    ScrubClaim,
    ScrubLine,
    ScrubResult,
    SkippedRule,
)
from openrcm.rules.scrubber.reference import (
    DiagnosisEntry,
    DiagnosisFacts,
    DiagnosisStatus,
    HcpcsValidity,
    MueLimit,
    PtpEdit,
    ScrubReference,
    StaticScrubReference,
)
from openrcm.rules.scrubber.registry import RULES, RULES_BY_ID, Rule, Severity, describe_rules

__all__ = [
    "NCCI_ASSOCIATED_MODIFIERS",
    "RULES",
    "RULES_BY_ID",
    "DiagnosisEntry",
    "DiagnosisFacts",
    "DiagnosisStatus",
    "DuplicateIndex",
    "DuplicateKey",
    "Finding",
    "HcpcsValidity",
    "MueLimit",
    "PayerRules",
    "PostalAddress",
    "PtpEdit",
    "Rule",
    "ScrubClaim",
    "ScrubLine",
    "ScrubReference",
    "ScrubResult",
    "Severity",
    "SkippedRule",
    "StaticScrubReference",
    "describe_rules",
    "scrub_claim",
]
