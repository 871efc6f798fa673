"""What the demo billing company is made of: synthetic practices, payers, fees and visits.

Everything here is made up. Names of people, practices and payers are invented; NPIs are
computed to pass the check digit but are drawn by the seeded generator; SSNs are in the
9xx range that is never issued; phone numbers are 555-01xx on real area codes; emails are
at example.com. Procedure codes are CPT codes by number only (no AMA descriptions);
diagnosis codes are billable ICD-10-CM codes (a test checks each with simple_icd_10_cm).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class PracticeSpec:
    key: str  # "fm", "cardio", "ortho", "peds"
    legal_name: str
    short_name: str
    specialty: str
    taxonomy: str
    street1: str
    city: str
    state: str
    zip_code: str
    area_code: str
    time_zone: str
    account_prefix: str
    active: bool  # an active contract (else a prospect: no patients yet)
    share: int  # relative share of the demo's patients
    age_range: tuple[int, int]
    services: tuple[str, ...]
    fee_percent: str
    providers: tuple[tuple[str, str, str, str], ...]  # first, last, credentials, taxonomy
    contacts: tuple[tuple[str, str], ...]  # name, kind


PRACTICES: tuple[PracticeSpec, ...] = (
    PracticeSpec(
        key="fm",
        legal_name="Riverbend Family Medicine PC",
        short_name="riverbend-fm",
        specialty="Family medicine",
        taxonomy="207Q00000X",
        street1="410 Delaware Avenue",
        city="Albany",
        state="NY",
        zip_code="122094411",
        area_code="518",
        time_zone="America/New_York",
        account_prefix="RB",
        active=True,
        share=50,
        age_range=(1, 92),
        services=("billing", "coding"),
        fee_percent="6.50",
        providers=(
            ("Miriam", "Okafor", "MD", "207Q00000X"),
            ("Daniel", "Whitcombe", "DO", "207Q00000X"),
            ("Priya", "Raman", "FNP-C", "363LF0000X"),
            ("Tomas", "Lindqvist", "MD", "207Q00000X"),
        ),
        contacts=(("Grace Holloway", "manager"), ("Miriam Okafor", "owner")),
    ),
    PracticeSpec(
        key="cardio",
        legal_name="Harbor Cardiology Associates LLC",
        short_name="harbor-cardio",
        specialty="Cardiovascular disease",
        taxonomy="207RC0000X",
        street1="75 Seaport Boulevard",
        city="Boston",
        state="MA",
        zip_code="022101520",
        area_code="617",
        time_zone="America/New_York",
        account_prefix="HC",
        active=True,
        share=25,
        age_range=(40, 94),
        services=("full_rcm",),
        fee_percent="5.75",
        providers=(
            ("Eleanor", "Vasquez", "MD", "207RC0000X"),
            ("Samuel", "Adeyemi", "MD", "207RC0000X"),
            ("Hannah", "Brightwater", "PA-C", "363A00000X"),
        ),
        contacts=(("Marcus Bell", "billing"), ("Eleanor Vasquez", "owner")),
    ),
    PracticeSpec(
        key="ortho",
        legal_name="Summit Orthopedics and Sports Medicine PA",
        short_name="summit-ortho",
        specialty="Orthopaedic surgery",
        taxonomy="207X00000X",
        street1="1800 Wazee Street",
        city="Denver",
        state="CO",
        zip_code="802023301",
        area_code="303",
        time_zone="America/Denver",
        account_prefix="SO",
        active=True,
        share=25,
        age_range=(16, 88),
        services=("billing", "credentialing"),
        fee_percent="7.00",
        providers=(
            ("Jonah", "Kessler", "MD", "207X00000X"),
            ("Aiko", "Tanabe", "MD", "207X00000X"),
        ),
        contacts=(("Renee Castillo", "manager"), ("Paul Dorsey", "front_desk")),
    ),
    PracticeSpec(
        key="peds",
        legal_name="Lakeview Pediatrics PLLC",
        short_name="lakeview-peds",
        specialty="Pediatrics",
        taxonomy="208000000X",
        street1="233 North Michigan Avenue",
        city="Chicago",
        state="IL",
        zip_code="606017421",
        area_code="312",
        time_zone="America/Chicago",
        account_prefix="LV",
        active=False,
        share=0,
        age_range=(0, 17),
        services=("billing",),
        fee_percent="7.25",
        providers=(("Beatrice", "Osei", "MD", "208000000X"),),
        contacts=(("Leon Marsh", "manager"),),
    ),
)


@dataclass(frozen=True)
class PayerSpec:
    key: str
    name: str
    payer_id: str
    payer_type: str
    filing_indicator: str
    timely_filing_days: int
    appeal_days: int
    rate_factor: Decimal  # allowed amounts relative to the Medicare-like base
    member_prefix: str
    street1: str
    city: str
    state: str
    zip_code: str


PAYERS: tuple[PayerSpec, ...] = (
    PayerSpec(
        "medicare",
        "Medicare Part B (Demo MAC)",
        "DEMO-MCR",
        "medicare",
        "MB",
        365,
        120,
        Decimal("1.00"),
        "",
        "PO Box 6700",
        "Hingham",
        "MA",
        "02044",
    ),
    PayerSpec(
        "medicaid",
        "State Medicaid (Demo)",
        "DEMO-MCD",
        "medicaid",
        "MC",
        365,
        90,
        Decimal("0.72"),
        "MC",
        "PO Box 4444",
        "Albany",
        "NY",
        "12204",
    ),
    PayerSpec(
        "lakeside",
        "Lakeside Health Plan",
        "DEMO-LHP",
        "commercial",
        "CI",
        90,
        180,
        Decimal("1.28"),
        "LHP",
        "PO Box 1200",
        "Hartford",
        "CT",
        "06101",
    ),
    PayerSpec(
        "blueridge",
        "Blue Ridge BCBS (Demo)",
        "DEMO-BRB",
        "bcbs",
        "BL",
        120,
        180,
        Decimal("1.18"),
        "BRX",
        "PO Box 2100",
        "Richmond",
        "VA",
        "23218",
    ),
    PayerSpec(
        "crescent",
        "Crescent PPO",
        "DEMO-CPO",
        "commercial",
        "12",
        180,
        60,
        Decimal("1.36"),
        "CPO",
        "PO Box 3300",
        "Dallas",
        "TX",
        "75201",
    ),
    PayerSpec(
        "northstar",
        "Northstar HMO",
        "DEMO-NHM",
        "commercial",
        "HM",
        180,
        90,
        Decimal("1.10"),
        "NSH",
        "PO Box 5500",
        "Minneapolis",
        "MN",
        "55401",
    ),
)
COMMERCIAL_KEYS = ("lakeside", "blueridge", "crescent", "northstar")

# Procedure code → (Medicare-like allowed amount, the practices' charge). CPT by number only.
PROCEDURES: dict[str, tuple[Decimal, Decimal]] = {
    # office visits, new patient
    "99202": (Decimal("72.00"), Decimal("150.00")),
    "99203": (Decimal("112.00"), Decimal("225.00")),
    "99204": (Decimal("167.00"), Decimal("340.00")),
    "99205": (Decimal("221.00"), Decimal("450.00")),
    # office visits, established patient
    "99211": (Decimal("23.00"), Decimal("50.00")),
    "99212": (Decimal("57.00"), Decimal("115.00")),
    "99213": (Decimal("92.00"), Decimal("185.00")),
    "99214": (Decimal("130.00"), Decimal("265.00")),
    "99215": (Decimal("183.00"), Decimal("375.00")),
    # preventive visits, new patient (by age band) and established
    "99383": (Decimal("110.00"), Decimal("220.00")),
    "99384": (Decimal("118.00"), Decimal("235.00")),
    "99385": (Decimal("120.00"), Decimal("245.00")),
    "99386": (Decimal("136.00"), Decimal("275.00")),
    "99387": (Decimal("147.00"), Decimal("295.00")),
    "99393": (Decimal("104.00"), Decimal("210.00")),
    "99394": (Decimal("113.00"), Decimal("225.00")),
    "99395": (Decimal("115.00"), Decimal("235.00")),
    "99396": (Decimal("124.00"), Decimal("250.00")),
    "99397": (Decimal("134.00"), Decimal("270.00")),
    # tests and procedures
    "93000": (Decimal("17.00"), Decimal("60.00")),  # ECG with interpretation
    "93306": (Decimal("215.00"), Decimal("780.00")),  # echocardiogram
    "93015": (Decimal("75.00"), Decimal("310.00")),  # cardiovascular stress test
    "71046": (Decimal("32.00"), Decimal("120.00")),  # chest X-ray, 2 views
    "73560": (Decimal("32.00"), Decimal("115.00")),  # knee X-ray
    "73030": (Decimal("30.00"), Decimal("110.00")),  # shoulder X-ray
    "72100": (Decimal("35.00"), Decimal("130.00")),  # lumbar spine X-ray
    "20610": (Decimal("60.00"), Decimal("210.00")),  # major joint injection
    "36415": (Decimal("3.00"), Decimal("15.00")),  # venipuncture
    "80053": (Decimal("11.00"), Decimal("45.00")),  # comprehensive metabolic panel
    "83036": (Decimal("10.00"), Decimal("40.00")),  # hemoglobin A1c
    "85025": (Decimal("8.00"), Decimal("30.00")),  # complete blood count
    "81002": (Decimal("3.00"), Decimal("15.00")),  # urinalysis
    "90471": (Decimal("17.00"), Decimal("35.00")),  # immunization administration
    "90686": (Decimal("20.00"), Decimal("45.00")),  # influenza vaccine
    "90715": (Decimal("36.00"), Decimal("70.00")),  # Tdap vaccine
}

# Billable ICD-10-CM codes the visits below use (checked by a test with simple_icd_10_cm).
DIAGNOSES = (
    "E11.9", "I10", "E78.5", "J06.9", "J02.9", "R05.9", "N39.0", "Z00.00", "Z00.129",
    "Z23", "M54.50", "E66.9", "K21.9", "I25.10", "R07.9", "I48.91", "I50.9", "R00.2",
    "I34.0", "R06.02", "M17.11", "M17.12", "M25.561", "M25.562", "M25.511", "M19.011",
    "M75.101",
)  # fmt: skip


@dataclass(frozen=True)
class VisitKind:
    """A kind of visit a practice bills: its diagnoses and the lines it produces.

    ``diagnoses`` are choices: the first group gives the principal diagnosis, later groups
    add secondary ones with the given probability. ``lines`` are (code, modifiers,
    pointer positions, probability); ``em`` is the E/M level ladder to pick from.
    """

    name: str
    weight: int
    principal: tuple[str, ...]
    secondary: tuple[str, ...] = ()
    secondary_chance: float = 0.0
    em: tuple[str, ...] = ("99212", "99213", "99213", "99214", "99214", "99215")
    em_new: tuple[str, ...] = ("99202", "99203", "99203", "99204", "99205")
    lines: tuple[tuple[str, tuple[str, ...], tuple[int, ...], float], ...] = ()
    preventive: bool = False
    laterality: bool = False  # RT/LT on the procedure lines, from the diagnosis
    adults_only: bool = False
    extra: dict[str, str] = field(default_factory=dict)


VISITS: dict[str, tuple[VisitKind, ...]] = {
    "fm": (
        VisitKind(
            "chronic care", 30, ("E11.9", "I10", "E78.5"), ("I10", "E78.5", "E66.9"), 0.5,
            lines=(("83036", (), (1,), 0.5), ("80053", (), (1,), 0.3), ("36415", (), (1,), 0.6)),
            adults_only=True,
        ),
        VisitKind(
            "sick visit", 30, ("J06.9", "J02.9", "R05.9", "N39.0", "K21.9"),
            em=("99212", "99213", "99213", "99214"), em_new=("99202", "99203"),
            lines=(("81002", (), (1,), 0.15),),
        ),
        VisitKind("annual physical", 15, ("Z00.00",), ("I10", "E78.5"), 0.3, preventive=True,
                  lines=(("85025", (), (1,), 0.4), ("36415", (), (1,), 0.4))),
        VisitKind("immunization", 10, ("Z23",), em=(), em_new=(),
                  lines=(("90471", (), (1,), 1.0), ("90686", (), (1,), 1.0))),
        VisitKind("back pain", 15, ("M54.50",), ("E66.9",), 0.2,
                  lines=(("72100", (), (1,), 0.3),), adults_only=True),
    ),
    "cardio": (
        VisitKind("follow-up", 45, ("I10", "I25.10", "I48.91", "I50.9"), ("E78.5", "I10"), 0.6,
                  lines=(("93000", (), (1,), 0.5),)),
        VisitKind("chest pain evaluation", 25, ("R07.9",), ("R06.02", "I10"), 0.5,
                  em=("99214", "99215"), em_new=("99203", "99204", "99205"),
                  lines=(("93000", (), (1,), 1.0), ("93015", (), (1,), 0.4),
                         ("71046", (), (1,), 0.3))),
        VisitKind("echocardiogram", 20, ("I34.0", "I50.9", "R00.2"), em=(), em_new=(),
                  lines=(("93306", (), (1,), 1.0),)),
        VisitKind("palpitations", 10, ("R00.2",), ("I48.91",), 0.3,
                  lines=(("93000", (), (1,), 1.0),)),
    ),
    "ortho": (
        VisitKind("knee osteoarthritis injection", 30, ("M17.11", "M17.12"),
                  em=("99213", "99214"), em_new=("99203", "99204"),
                  lines=(("20610", (), (1,), 1.0), ("73560", (), (1,), 0.3)), laterality=True),
        VisitKind("knee pain evaluation", 25, ("M25.561", "M25.562"),
                  lines=(("73560", (), (1,), 0.8),), laterality=True),
        VisitKind("shoulder", 25, ("M25.511", "M19.011", "M75.101"),
                  lines=(("73030", (), (1,), 0.6), ("20610", (), (1,), 0.3)), laterality=True),
        VisitKind("back pain", 20, ("M54.50",), lines=(("72100", (), (1,), 0.7),),
                  adults_only=True),
    ),
}  # fmt: skip

# Right-side and left-side diagnoses, for RT/LT modifiers on the procedure lines.
RIGHT_SIDE = frozenset({"M17.11", "M25.561", "M25.511", "M19.011", "M75.101"})
LEFT_SIDE = frozenset({"M17.12", "M25.562"})

FEMALE_NAMES = (
    "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn",
    "Abigail", "Emily", "Ella", "Elizabeth", "Camila", "Luna", "Sofia", "Avery", "Mila",
    "Aria", "Scarlett", "Penelope", "Layla", "Chloe", "Victoria", "Madison", "Eleanor",
    "Grace", "Nora", "Riley", "Zoey", "Hannah", "Hazel", "Lily", "Ellie", "Violet",
    "Lillian", "Zoe", "Stella", "Aurora", "Natalie", "Margaret", "Dorothy", "Ruth",
    "Helen", "Frances", "Joan", "Carol", "Linda", "Barbara", "Patricia", "Susan", "Deborah",
    "Sharon", "Nancy", "Karen", "Donna", "Rosa", "Mei", "Fatima", "Aaliyah", "Ximena",
)  # fmt: skip
MALE_NAMES = (
    "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry",
    "Theodore", "Jack", "Levi", "Alexander", "Jackson", "Mateo", "Daniel", "Michael",
    "Mason", "Sebastian", "Ethan", "Logan", "Owen", "Samuel", "Jacob", "Asher", "Aiden",
    "John", "Joseph", "Wyatt", "David", "Leo", "Luke", "Julian", "Hudson", "Grayson",
    "Matthew", "Ezra", "Gabriel", "Carter", "Isaac", "Robert", "Richard", "Thomas",
    "Charles", "Gerald", "Walter", "Harold", "Raymond", "Frank", "Eugene", "Ronald",
    "Kenneth", "Dennis", "Arthur", "Wei", "Omar", "Rafael", "Kwame", "Andrei", "Santiago",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
    "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards",
    "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers",
    "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly",
    "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez",
    "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez",
    "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Okonkwo",
    "Kowalski", "Nakamura", "Haddad", "Lindgren", "O'Brien", "Fitzgerald", "Abernathy",
)  # fmt: skip
MIDDLE_INITIAL_NAMES = ("A", "B", "C", "D", "E", "J", "L", "M", "R", "S", "T")
STREET_NAMES = (
    "Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Main",
    "Church", "River", "Spring", "Highland", "Ridge", "Meadow", "Sunset", "Forest",
    "Franklin", "Jefferson", "Lincoln", "Madison", "Willow", "Chestnut", "Walnut",
)  # fmt: skip
STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Way")
# Towns around each practice: (city, ZIP).
TOWNS: dict[str, tuple[tuple[str, str], ...]] = {
    "fm": (("Albany", "12203"), ("Albany", "12208"), ("Troy", "12180"),
           ("Schenectady", "12305"), ("Delmar", "12054"), ("Latham", "12110")),
    "cardio": (("Boston", "02115"), ("Cambridge", "02139"), ("Quincy", "02169"),
               ("Somerville", "02143"), ("Brookline", "02445"), ("Newton", "02458")),
    "ortho": (("Denver", "80203"), ("Aurora", "80012"), ("Lakewood", "80226"),
              ("Englewood", "80110"), ("Arvada", "80002"), ("Littleton", "80120")),
    "peds": (("Chicago", "60614"),),
}  # fmt: skip
# Federal tax ID prefixes (IRS campus codes) for the practices' made-up EINs.
EIN_PREFIXES = ("12", "14", "16", "20", "27", "30", "46", "54", "84", "86")
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # letters an MBI may use (not S L O I B Z)
