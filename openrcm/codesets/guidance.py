"""Our own guidance for remittance adjustments: CAS group codes and common CARCs.

Everything here is written by openrcm in plain words, for billers and for patients. It is
not X12's text (which is licensed and loaded at run time by a deployment that holds the
licence); it says what a biller usually does about an adjustment and whether the patient
may be asked to pay. A payer's contract and the RARCs sent with the CARC always come
first: this is a starting point for the work queue, not a ruling.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class GroupCode(StrEnum):
    CO = "CO"
    PR = "PR"
    OA = "OA"
    PI = "PI"
    CR = "CR"  # legacy (4010); not sent on 5010 remittances


@dataclass(frozen=True, slots=True)
class GroupGuidance:
    code: GroupCode
    name: str
    explanation: str
    patient_may_be_billed: bool
    legacy: bool = False


GROUPS: MappingProxyType[str, GroupGuidance] = MappingProxyType(
    {
        "CO": GroupGuidance(
            GroupCode.CO,
            "Contractual obligation",
            "The practice absorbs this amount because of its contract with the payer or a "
            "rule the payer must follow. It may not be moved to the patient.",
            patient_may_be_billed=False,
        ),
        "PR": GroupGuidance(
            GroupCode.PR,
            "Patient responsibility",
            "The payer says the patient (or a secondary plan) owes this amount: deductible, "
            "coinsurance, copay, or a service the patient agreed to pay for.",
            patient_may_be_billed=True,
        ),
        "OA": GroupGuidance(
            GroupCode.OA,
            "Other adjustment",
            "An adjustment that is neither the practice's contractual loss nor the "
            "patient's share, often because of another payer's payment. Do not bill the "
            "patient for it without another reason.",
            patient_may_be_billed=False,
        ),
        "PI": GroupGuidance(
            GroupCode.PI,
            "Payer-initiated reduction",
            "The payer reduced the payment on its own judgment, outside any contract term "
            "we can point to. The patient does not owe it; appeal if it looks wrong.",
            patient_may_be_billed=False,
        ),
        "CR": GroupGuidance(
            GroupCode.CR,
            "Correction or reversal (legacy)",
            "Used by the older 4010 format to mark corrections to an earlier claim. Current "
            "5010 remittances show reversals differently; treat CR as a sign of an old or "
            "non-standard file.",
            patient_may_be_billed=False,
            legacy=True,
        ),
    }
)


class DenialCategory(StrEnum):
    ELIGIBILITY = "eligibility"
    AUTHORIZATION = "authorization"
    CODING = "coding"
    BUNDLING = "bundling"
    MEDICAL_NECESSITY = "medical necessity"
    TIMELY_FILING = "timely filing"
    DUPLICATE = "duplicate"
    MISSING_INFORMATION = "missing information"
    NON_COVERED = "non-covered"
    CONTRACTUAL = "contractual"
    PATIENT_RESPONSIBILITY = "patient responsibility"
    COORDINATION_OF_BENEFITS = "coordination of benefits"
    CREDENTIALING = "credentialing"


@dataclass(frozen=True, slots=True)
class ReasonGuidance:
    """What openrcm suggests for one CARC."""

    code: str
    category: DenialCategory
    patient_billable_groups: frozenset[GroupCode]  # groups under which the patient may owe it
    next_action: str
    for_billers: str
    for_patients: str

    def patient_may_be_billed(self, group: str) -> bool:
        return group.strip().upper() in self.patient_billable_groups


_PR = frozenset({GroupCode.PR})
_NONE: frozenset[GroupCode] = frozenset()
C = DenialCategory


def _g(
    code: str,
    category: DenialCategory,
    billable: frozenset[GroupCode],
    action: str,
    biller: str,
    patient: str,
) -> tuple[str, ReasonGuidance]:
    return code, ReasonGuidance(code, category, billable, action, biller, patient)


CARC_GUIDANCE: MappingProxyType[str, ReasonGuidance] = MappingProxyType(
    dict(
        [
            _g("1", C.PATIENT_RESPONSIBILITY, _PR,
               "Bill the secondary plan if there is one, else send the patient a statement.",
               "The plan counted this toward the patient's yearly deductible.",
               "Your plan applied this amount to your deductible, the part you pay each "
               "year before the plan starts paying."),
            _g("2", C.PATIENT_RESPONSIBILITY, _PR,
               "Bill the secondary plan if there is one, else the patient.",
               "The patient's percentage share after the plan's payment.",
               "This is your share of the cost, a percentage set by your plan."),
            _g("3", C.PATIENT_RESPONSIBILITY, _PR,
               "Collect from the patient (or secondary plan); check it was not already paid "
               "at the front desk.",
               "The fixed copay for this kind of visit.",
               "This is the fixed amount your plan asks you to pay for this kind of visit."),
            _g("4", C.CODING, _NONE,
               "Check the modifiers against the documentation, fix them and send a "
               "corrected claim.",
               "A modifier is wrong for this procedure, or one it needs is missing.",
               "A billing detail on our side needs correcting; you do not need to do "
               "anything."),
            _g("5", C.CODING, _NONE,
               "Compare the place of service with where the visit really happened; correct "
               "and resubmit.",
               "The payer does not accept this service in the place of service billed.",
               "We need to correct where the service is recorded as taking place."),
            _g("6", C.CODING, _NONE,
               "Check the patient's date of birth on file and the code chosen; correct one "
               "of them.",
               "The procedure does not fit the patient's age as the payer has it.",
               "Your plan's records and the service billed do not match on age; we will "
               "check both."),
            _g("7", C.CODING, _NONE,
               "Check the sex on file with the payer and the code; correct, or appeal with "
               "notes when the service is right.",
               "The procedure does not fit the patient's sex as the payer has it.",
               "Your plan's records and the service billed do not match; we will check "
               "them."),
            _g("11", C.CODING, _NONE,
               "Review the diagnosis codes and the payer's coverage policy; correct or "
               "appeal with records.",
               "The payer does not see the diagnosis as a reason for this procedure.",
               "The reason for the visit did not match the service in the plan's eyes; we "
               "are reviewing the coding."),
            _g("15", C.AUTHORIZATION, _NONE,
               "Find the approval number, put it on the claim and resubmit.",
               "The prior-approval number is missing, wrong, or for another service.",
               "We need to add your plan's approval number to the bill."),
            _g("16", C.MISSING_INFORMATION, _NONE,
               "Read the remark codes sent with it, add what is missing, resubmit.",
               "The claim is incomplete or has an error; the remark codes say which.",
               "Your plan needs more details from us before it can process this."),
            _g("18", C.DUPLICATE, _NONE,
               "Do not resubmit. Check the original claim's status; if this is a real "
               "second service, send it corrected with the right modifier.",
               "The payer already has this claim or service.",
               "Your plan already has this service on file; nothing is owed twice."),
            _g("22", C.COORDINATION_OF_BENEFITS, _NONE,
               "Ask the patient about other insurance, update the order of plans, bill the "
               "primary first.",
               "The payer thinks another plan should pay first.",
               "Your plan believes another insurance should pay first. Please tell us "
               "about any other coverage you have."),
            _g("23", C.COORDINATION_OF_BENEFITS, _NONE,
               "Post it; nothing to fix. The amount reflects what the earlier payer did.",
               "An adjustment caused by the earlier payer's payment or denial.",
               "This reflects what your other plan already paid."),
            _g("24", C.CONTRACTUAL, _NONE,
               "Post as contractual; the service is covered by a capitation or managed-care "
               "agreement.",
               "Paid through a per-member arrangement, not per service.",
               "This service is covered under an arrangement between your plan and the "
               "practice; you do not owe it."),
            _g("26", C.ELIGIBILITY, _PR,
               "Verify coverage dates; bill the right plan, or the patient if uninsured on "
               "that date.",
               "The service date is before the coverage started.",
               "Your coverage had not started yet on the date of this visit."),
            _g("27", C.ELIGIBILITY, _PR,
               "Verify coverage dates and look for new insurance; bill the right plan or "
               "the patient.",
               "The service date is after the coverage ended.",
               "Your coverage had ended by the date of this visit. If you have new "
               "insurance, please send us the card."),
            _g("29", C.TIMELY_FILING, _NONE,
               "Write off unless you hold proof the claim was sent in time; if so, appeal "
               "with it.",
               "The claim reached the payer after its filing deadline.",
               "This was a billing deadline on our side; you do not owe this amount."),
            _g("31", C.ELIGIBILITY, _NONE,
               "Check the member ID, name and date of birth against the card; correct and "
               "resubmit.",
               "The payer cannot match the patient to a member.",
               "Your plan could not find you from the details we sent; we may ask for a "
               "copy of your card."),
            _g("35", C.NON_COVERED, _PR,
               "Confirm the lifetime limit with the payer; bill a secondary plan or the "
               "patient.",
               "The patient has used up a lifetime benefit limit.",
               "You have reached the lifetime limit your plan pays for this benefit."),
            _g("45", C.CONTRACTUAL, _NONE,
               "Post as a contractual write-off; compare the allowed amount with the fee "
               "schedule and dispute underpayments.",
               "The charge is above the amount the payer allows; the difference is written "
               "off.",
               "This is the discount your plan negotiated; you do not owe it."),
            _g("49", C.NON_COVERED, _PR,
               "Check the preventive benefit and the codes used; bill the patient only if "
               "they were told in advance.",
               "A routine or preventive service this plan does not cover.",
               "Your plan does not cover this routine service."),
            _g("50", C.MEDICAL_NECESSITY, _PR,
               "Appeal with the clinical notes; bill the patient only with a signed advance "
               "notice (group PR).",
               "The payer judged the service not medically necessary.",
               "Your plan decided this service was not needed for your condition. We may "
               "appeal; you owe it only if you signed a notice agreeing to pay."),
            _g("96", C.NON_COVERED, _PR,
               "Read the remark code for the reason; bill the patient only when they "
               "agreed in advance.",
               "A charge the plan does not cover; the remark code says why.",
               "Your plan does not cover this service."),
            _g("97", C.BUNDLING, _NONE,
               "Check the NCCI pair; add 59 or X{E,S,P,U} only when the notes show a "
               "distinct service, else write off.",
               "Paid as part of another service on the same claim or day.",
               "This was included in the payment for another service; you do not owe it "
               "separately."),
            _g("109", C.ELIGIBILITY, _NONE,
               "Send the claim to the right payer or contractor (e.g. the Medicare "
               "Advantage plan or another MAC).",
               "This payer or contractor is not the one to bill.",
               "The bill went to the wrong plan; we will send it to the right one."),
            _g("119", C.NON_COVERED, _PR,
               "Confirm the benefit limit; bill a secondary plan or the patient.",
               "The patient reached the maximum for this benefit in the period.",
               "You have used all the visits or dollars your plan covers for this in the "
               "current period."),
            _g("146", C.CODING, _NONE,
               "Check the diagnosis codes against the code set in force on the service "
               "date; correct and resubmit.",
               "The payer treats one of the diagnoses as expired or not yet in use on the "
               "day of the visit.",
               "We need to correct a diagnosis code on the bill."),
            _g("151", C.MEDICAL_NECESSITY, _NONE,
               "Check the units against the MUE and the notes; appeal with records if the "
               "number is right.",
               "The payer does not think the records support this many services.",
               "Your plan questioned how many of this service were given; we are "
               "reviewing it."),
            _g("167", C.MEDICAL_NECESSITY, _NONE,
               "Check the diagnosis and the payer's policy; recode if wrong, else appeal.",
               "The plan does not cover the diagnosis billed.",
               "Your plan does not cover treatment for this diagnosis under your policy."),
            _g("181", C.CODING, _NONE,
               "Use a procedure code valid on the date of service; correct and resubmit.",
               "The payer treats the service code as expired or not yet in use on the day "
               "of the visit.",
               "We need to correct a service code on the bill."),
            _g("182", C.CODING, _NONE,
               "Use a modifier valid on the date of service; correct and resubmit.",
               "The payer treats a modifier on the line as expired or not yet in use that day.",
               "We need to correct a billing detail on our side."),
            _g("185", C.CREDENTIALING, _NONE,
               "Check the rendering provider's enrollment with the payer; fix the "
               "enrollment or the provider on the claim.",
               "The rendering provider may not bill this service with this payer.",
               "This is a paperwork matter between the practice and your plan."),
            _g("197", C.AUTHORIZATION, _NONE,
               "Ask the payer for a retroactive approval or appeal; record approvals before "
               "the visit next time.",
               "The service needed prior approval or notice and none was on file.",
               "Your plan needed to approve this service in advance. We are working with "
               "the plan; you do not owe this now."),
            _g("204", C.NON_COVERED, _PR,
               "Confirm the benefit; bill the patient or a secondary plan if they agreed.",
               "The patient's current plan does not include this service.",
               "Your current plan does not include this service."),
            _g("227", C.MISSING_INFORMATION, _NONE,
               "Ask the patient to answer the payer's request (often an accident or other-"
               "insurance form), then resubmit.",
               "The payer asked the patient for information and did not get it.",
               "Your plan asked you for information. Please answer it so the plan can pay."),
            _g("234", C.BUNDLING, _NONE,
               "Post; this procedure is not paid on its own. Check the coding if it looks "
               "wrong.",
               "This procedure is not paid separately.",
               "This service is part of another one and is not charged separately."),
            _g("236", C.BUNDLING, _NONE,
               "Check the NCCI edit and the modifier indicator; add a bypass modifier only "
               "with documentation.",
               "Two procedures or modifiers billed together that do not go together that "
               "day.",
               "Two services were billed in a way your plan does not allow together; we "
               "are reviewing it."),
            _g("242", C.ELIGIBILITY, _PR,
               "Check the network status and referral; appeal if the provider is in "
               "network, else bill per the plan's out-of-network rules.",
               "The provider is not in the patient's network or is not the assigned "
               "primary care provider.",
               "The provider was outside your plan's network for this service."),
            _g("252", C.MISSING_INFORMATION, _NONE,
               "Send the documentation the remark code names.",
               "The payer needs attachments or records to decide.",
               "Your plan asked us for medical records; we will send them."),
            _g("253", C.CONTRACTUAL, _NONE,
               "Post it; this is the federal sequestration cut on Medicare payments, not a "
               "denial.",
               "A small reduction required by federal law on Medicare payments.",
               "A reduction in what Medicare pays the practice; you do not owe it."),
            _g("288", C.AUTHORIZATION, _NONE,
               "Get the referral from the primary care provider and resubmit.",
               "The plan requires a referral that was not on file.",
               "Your plan needed a referral from your primary doctor."),
            _g("B7", C.CREDENTIALING, _NONE,
               "Check the provider's enrollment and effective dates with the payer; fix the "
               "enrollment and resubmit.",
               "The provider was not enrolled or certified for this service on that date.",
               "This is a paperwork matter between the practice and your plan; you do not "
               "owe this amount."),
            _g("B15", C.BUNDLING, _NONE,
               "Bill the qualifying service first or together, then resubmit.",
               "This service is paid only with another service that was not paid.",
               "This service is covered only together with another one; we are fixing "
               "the bill."),
        ]
    )
)  # fmt: skip


def patient_may_be_billed(group: str, carc: str) -> bool:
    """May the patient be asked to pay an adjustment with this group and CARC?

    Only under PR, and not for a CARC whose cause is the practice's (e.g. PR with 29 or
    97 would be a payer's mistake to question, not a bill for the patient).
    """
    if group.strip().upper() != GroupCode.PR:
        return False
    found = CARC_GUIDANCE.get(carc.strip().upper())
    return found is None or found.patient_may_be_billed(GroupCode.PR)
