"""Codes openrcm ships itself, so a fresh clone runs its demo without any official file.

Only facts (code numbers) and words we wrote. CPT is the AMA's: the CPT codes below are
bare numbers with *our* plain labels, never AMA descriptors. HCPCS Level II and modifier
labels are also ours. Diagnoses need no list here: every ICD-10-CM code comes with the
built index; ``DEMO_DIAGNOSES`` only says which codes the demo uses.
"""

from __future__ import annotations

from types import MappingProxyType

# CPT codes (numbers only) with our own short labels.
DEMO_CPT: MappingProxyType[str, str] = MappingProxyType(
    {
        "99202": "office visit, new patient, straightforward",
        "99203": "office visit, new patient, low complexity",
        "99204": "office visit, new patient, moderate",
        "99205": "office visit, new patient, high complexity",
        "99211": "office visit, established patient, nurse or brief",
        "99212": "office visit, established patient, straightforward",
        "99213": "office visit, established patient, low complexity",
        "99214": "office visit, established patient, moderate",
        "99215": "office visit, established patient, high complexity",
        "99385": "yearly preventive exam, new patient, age 18 to 39",
        "99386": "yearly preventive exam, new patient, age 40 to 64",
        "99395": "yearly preventive exam, established patient, age 18 to 39",
        "99396": "yearly preventive exam, established patient, age 40 to 64",
        "36415": "routine blood draw from a vein",
        "81002": "urine dipstick test, read by hand",
        "85025": "blood count with differential, by machine",
        "80053": "comprehensive chemistry panel",
        "80061": "cholesterol panel",
        "83036": "A1c (average blood sugar) test",
        "84443": "thyroid (TSH) test",
        "87880": "rapid strep throat test",
        "93000": "heart tracing (ECG) with reading and report",
        "90471": "giving a vaccine by injection, first one",
        "90472": "giving a vaccine by injection, each extra one",
        "96372": "injection of a drug into muscle or under the skin",
        "20610": "needle into a large joint (drain or inject)",
        "11102": "skin sample by shaving, first lesion",
        "17110": "removing warts or similar lesions, up to 14",
        "69210": "removing hardened earwax with instruments",
        "12001": "stitching a simple cut on the surface, small",
        "10060": "draining a simple skin abscess",
        "94010": "breathing test (spirometry)",
        "94640": "breathing treatment with a nebulizer",
        "97110": "therapeutic exercise, each 15 minutes",
        "97140": "hands-on therapy, each 15 minutes",
        "99406": "quit-smoking counseling, short",
        "96127": "short emotional or behavioral screening questionnaire",
        "90791": "first mental-health evaluation",
        "90834": "talk therapy session, about 45 minutes",
        "90837": "talk therapy session, about 60 minutes",
        "71046": "chest X-ray, two views",
        "73030": "shoulder X-ray",
        "76700": "ultrasound of the belly, complete",
    }
)

# HCPCS Level II codes the demo bills, with our own labels.
DEMO_HCPCS: MappingProxyType[str, str] = MappingProxyType(
    {
        "G0438": "Medicare yearly wellness visit, first one",
        "G0439": "Medicare yearly wellness visit, later ones",
        "G2211": "add-on for the ongoing care of a serious or complex condition",
        "G0008": "giving a flu shot (Medicare)",
        "J3420": "vitamin B12 shot",
        "J1100": "dexamethasone shot, per mg",
    }
)

# Modifiers the demo uses, with our own labels. Two-digit ones are CPT modifiers (numbers
# only from us); the letter ones are HCPCS Level II modifiers.
DEMO_MODIFIERS: MappingProxyType[str, str] = MappingProxyType(
    {
        "25": "a separate, significant visit on the same day as a procedure",
        "59": "a service distinct from another one that day",
        "XE": "distinct: done at a separate encounter",
        "XS": "distinct: done on a separate organ or body part",
        "XP": "distinct: done by a different practitioner",
        "XU": "distinct: a service that does not overlap the main one",
        "LT": "left side of the body",
        "RT": "right side of the body",
        "26": "the professional part only (reading and report)",
        "TC": "the technical part only (equipment and staff)",
        "GT": "by live audio and video (older telehealth marker)",
        "95": "by live audio and video telehealth",
        "76": "repeated by the same clinician",
        "77": "repeated by a different clinician",
        "91": "lab test repeated on the same day to get a new result",
        "50": "done on both sides of the body",
        "51": "one of several procedures in the same session",
        "24": "unrelated visit during a post-surgery period",
        "57": "visit where the decision to operate was made",
        "93": "by audio only (telephone)",
    }
)

# ICD-10-CM codes the demo uses (labels come from the index).
DEMO_DIAGNOSES: tuple[str, ...] = (
    "I10", "E11.9", "E11.65", "E78.5", "E78.2", "E66.9", "Z68.30", "E03.9", "E55.9",
    "D64.9", "R73.03", "Z00.00", "Z00.01", "Z23", "Z12.31", "Z13.220", "Z71.3", "Z79.4",
    "Z79.899", "J06.9", "J02.9", "J02.0", "J01.90", "J20.9", "J45.909", "J44.9", "R05.9",
    "R50.9", "R51.9", "R10.9", "K21.9", "N39.0", "M54.50", "M54.2", "M25.561", "M17.11",
    "M79.10", "G43.909", "F41.1", "F41.9", "F32.A", "F33.1", "F17.210", "Z72.0", "I25.10",
    "I48.91", "L30.9", "B35.1", "L03.115", "S93.401A", "S61.411A", "H61.21", "H66.90",
    "N40.0", "N95.1", "Z34.80", "Z3A.20", "O80", "P59.9", "R42",
)  # fmt: skip

# Assigned CMS place-of-service codes (facts: the numbers in use), and our labels for the
# ones a physician practice meets most.
_ASSIGNED_NUMBERS = (*range(1, 28), *range(31, 35), 41, 42, 49, *range(50, 59), 60, 61, 62)
ASSIGNED_PLACES_OF_SERVICE: frozenset[str] = frozenset(
    [f"{n:02d}" for n in _ASSIGNED_NUMBERS] + ["65", "66", "71", "72", "81", "99"]
)
DEMO_PLACES_OF_SERVICE: MappingProxyType[str, str] = MappingProxyType(
    {
        "02": "telehealth, patient not at home",
        "10": "telehealth, patient at home",
        "11": "doctor's office",
        "12": "patient's home",
        "19": "hospital outpatient department, away from the main campus",
        "20": "urgent care clinic",
        "21": "hospital, admitted patient",
        "22": "hospital outpatient department, on the main campus",
        "23": "hospital emergency room",
        "24": "ambulatory surgery center",
        "31": "skilled nursing facility",
        "32": "nursing home",
        "81": "independent laboratory",
    }
)
