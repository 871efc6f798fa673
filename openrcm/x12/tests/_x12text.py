"""Small synthetic X12 texts for the reader tests (fictional payers, people and ids)."""

from __future__ import annotations

ISA = (
    "ISA*00*          *00*          *ZZ*SYNTHPAYER     *ZZ*SYNTHPROV      "
    "*250101*1200*^*00501*000000001*0*T*:~"
)


def interchange(
    body: list[str], *, functional_id: str = "HP", version: str = "005010X221A1", isa: str = ISA
) -> str:
    """Wrap transaction-set segments (ST..SE included) in GS/GE and ISA/IEA."""
    sets = sum(1 for s in body if s.startswith("ST*"))
    segments = [
        f"GS*{functional_id}*SENDER*RECEIVER*20250101*1200*7*X*{version}",
        *body,
        f"GE*{sets}*7",
        "IEA*1*000000001",
    ]
    return isa + "~".join(segments) + "~"


def transaction(set_id: str, control: str, segments: list[str]) -> list[str]:
    """ST + segments + SE with the right count."""
    return [f"ST*{set_id}*{control}", *segments, f"SE*{len(segments) + 2}*{control}"]


CLAIM_A = [
    "CLP*PCN-A1*1*300*200*20*12*ICN0001*11*1",
    "NM1*QC*1*DOE*PAT*Q***MI*SYN100",
    "NM1*IL*1*DOE*SUB****MI*SYN100",
    "NM1*82*1*PROVIDER*ANN****XX*1234567893",
    "MOA***MA01*N14",
    "DTM*232*20250105",
    "DTM*233*20250106",
    "DTM*050*20250110",
    "SVC*HC:99213:25:59*100*70**1*HC:99214*2",
    "DTM*472*20250105",
    "CAS*CO*45*20",
    "CAS*PR*1*10",
    "REF*6R*LINE1",
    "AMT*B6*80",
    "LQ*HE*N130",
    "SVC*HC:85025*200*130**1",
    "DTM*150*20250105",
    "DTM*151*20250106",
    "CAS*CO*45*60*1",
    "CAS*PR*3*10",
    "REF*6R*LINE2",
]
CLAIM_B = [
    "CLP*PCN-B2*4*50*0**MC*ICN0002",
    "CAS*CO*31*50",
    "NM1*QC*1*ROE*RAY****MI*SYN200",
]
HEADER = [
    "BPR*I*175*C*ACH*CCP*01*999999999*DA*123456*1999999999**01*888888888*DA*654321*20250112",
    "TRN*1*TRACE1*1999999999",
    "REF*EV*SYNTHRECEIVER",
    "DTM*405*20250111",
    "N1*PR*SYNTHETIC PLAN",
    "N3*1 EXAMPLE WAY*SUITE 2",
    "N4*SPRINGFIELD*IL*627010000",
    "PER*CX*CLAIMS*TE*5555550100",
    "PER*BL*EDI*TE*5555550101*EM*EDI@EXAMPLE.INVALID",
    "N1*PE*SYNTHETIC CLINIC*XX*1234567893",
    "REF*TJ*999999999",
]
PLB = "PLB*1234567893*20251231*WO:ICN9*30*L6:INT*-5"


def remittance_835(
    claims: list[list[str]] | None = None,
    *,
    header: list[str] | None = None,
    plb: list[str] | None = None,
    control: str = "0001",
) -> str:
    """A balanced 835: BPR02 175 = 200 + 0 − (30 − 5)."""
    body = list(header if header is not None else HEADER)
    body.append("LX*1")
    for claim in claims if claims is not None else [CLAIM_A, CLAIM_B]:
        body.extend(claim)
    body.extend(plb if plb is not None else [PLB])
    return interchange(transaction("835", control, body))
