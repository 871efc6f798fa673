"""Build a large synthetic 835 (every claim balanced, fictional names and ids).

Used by bench_x12_835.py. Shaped like a professional remittance: claims of 1-4 service
lines with DTM*472, REF*6R, AMT*B6, line CAS (CO-45, PR-1/2/3, sometimes CO-97 with an
LQ*HE remark), claim-level NM1*QC / NM1*IL / NM1*82 and DTM*232/233; one LX per 1,000
claims; PLBs at the end; BPR02 = ΣCLP04 − ΣPLB.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

LAST = ["SMITH", "JONES", "GARCIA", "NGUYEN", "PATEL", "KOWALSKI", "OKAFOR", "LINDQVIST"]
FIRST = ["ALEX", "JORDAN", "SAM", "RILEY", "CASEY", "MORGAN", "TAYLOR", "JAMIE"]
CODES = ["99213", "99214", "97110", "80053", "85025", "36415", "93000", "71046"]
CENT = Decimal("0.01")


def _amount(value: Decimal) -> str:
    text = f"{value:.2f}"
    return text[:-3] if text.endswith(".00") else text


def build_835(
    path: Path, target_bytes: int, *, seed: int = 835, sets: int = 1
) -> dict[str, object]:
    """Write the file; return its claim count and totals (what the reader must find)."""
    rng = random.Random(seed)
    claims_total = 0
    paid_total = Decimal(0)
    charge_total = Decimal(0)
    per_set = max(1, target_bytes // sets)
    with path.open("w", encoding="ascii", newline="") as out:
        out.write(
            "ISA*00*          *00*          *ZZ*SYNTHPAYER     *ZZ*SYNTHPROV      "
            "*250101*1200*^*00501*000000001*0*T*:~\n"
            "GS*HP*SYNTHPAYER*SYNTHPROV*20250101*1200*1*X*005010X221A1~\n"
        )
        for set_number in range(1, sets + 1):
            body: list[str] = []
            written = 0
            claim_paid = Decimal(0)
            number = 0
            while written < per_set:
                if number % 1000 == 0:
                    body.append(f"LX*{number // 1000 + 1}")
                number += 1
                lines = []
                pr_total = Decimal(0)
                charge = Decimal(0)
                paid = Decimal(0)
                for line_no in range(1, rng.randint(1, 4) + 1):
                    line_charge = Decimal(rng.randint(2000, 45000)) / 100
                    allowed = (line_charge * Decimal(rng.randint(55, 90)) / 100).quantize(CENT)
                    segs = [
                        f"SVC*HC:{rng.choice(CODES)}"
                        + (":25" if rng.random() < 0.2 else "")
                        + f"*{_amount(line_charge)}*{{paid}}**1",
                        f"DTM*472*2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                    ]
                    adjustments = [("CO", "45", line_charge - allowed)]
                    patient = Decimal(0)
                    roll = rng.random()
                    if roll < 0.3:
                        patient = min(allowed, Decimal(rng.randint(10, 40)))
                        adjustments.append(("PR", rng.choice("123"), patient))
                    elif roll < 0.35:
                        adjustments.append(("CO", "97", allowed))
                        patient = Decimal(0)
                        allowed_paid = Decimal(0)
                    line_paid = allowed - patient
                    if roll >= 0.3 and roll < 0.35:
                        line_paid = allowed_paid
                    for group in ("CO", "PR"):
                        parts = [a for a in adjustments if a[0] == group]
                        if parts:
                            segs.append(
                                f"CAS*{group}*"
                                + "**".join(f"{r}*{_amount(a)}" for _, r, a in parts)
                            )
                    segs.append(f"REF*6R*{number:07d}{line_no}")
                    segs.append(f"AMT*B6*{_amount(allowed)}")
                    if roll >= 0.3 and roll < 0.35:
                        segs.append("LQ*HE*N19")
                    segs[0] = segs[0].replace("{paid}", _amount(line_paid))
                    lines.extend(segs)
                    charge += line_charge
                    paid += line_paid
                    pr_total += patient
                first = rng.choice(FIRST)
                last = rng.choice(LAST)
                claim = [
                    f"CLP*PCN{set_number:02d}{number:08d}*1*{_amount(charge)}*{_amount(paid)}"
                    f"*{_amount(pr_total)}*12*{rng.randint(10**13, 10**14 - 1)}*11*1",
                    f"NM1*QC*1*{last}*{first}****MI*SYN{rng.randint(10**8, 10**9 - 1)}",
                ]
                if rng.random() < 0.3:
                    claim.append(f"NM1*IL*1*{last}*{rng.choice(FIRST)}****MI*SYN{number:09d}")
                claim.append("NM1*82*1*PROVIDER*PAT****XX*1234567893")
                claim.append("DTM*232*20240101")
                claim.append("DTM*233*20240131")
                claim.extend(lines)
                text = "~\n".join(claim)
                written += len(text) + 2
                body.extend(claim)
                claims_total += 1
                claim_paid += paid
                charge_total += charge
            plb = [
                ("WO", f"OVERPAY{set_number}", Decimal("25.00")),
                ("L6", "INTEREST", Decimal("-3.17")),
            ]
            plb_total = sum((a for _, _, a in plb), Decimal(0))
            bpr = claim_paid - plb_total
            paid_total += claim_paid
            header = [
                f"ST*835*{set_number:04d}",
                f"BPR*I*{_amount(bpr)}*C*ACH*CCP*01*999999999*DA*123456*1999999999**01*888888888"
                "*DA*654321*20250102",
                f"TRN*1*SYNTRACE{set_number:06d}*1999999999",
                "REF*EV*SYNTHRECEIVER",
                "DTM*405*20250101",
                "N1*PR*SYNTHETIC HEALTH PLAN",
                "N3*100 EXAMPLE WAY",
                "N4*SPRINGFIELD*IL*627010000",
                "PER*BL*EDI SUPPORT*TE*5555550100*EM*EDI@EXAMPLE.INVALID",
                "N1*PE*SYNTHETIC CLINIC*XX*1234567893",
                "REF*TJ*999999999",
            ]
            trailer = [
                "PLB*1234567893*20251231*"
                + "*".join(f"{r}:{ref}*{_amount(a)}" for r, ref, a in plb)
            ]
            segments = header + body + trailer
            segments.append(f"SE*{len(segments) + 1}*{set_number:04d}")
            out.write("~\n".join(segments) + "~\n")
        out.write(f"GE*{sets}*1~\nIEA*1*000000001~\n")
    return {
        "claims": claims_total,
        "paid": str(paid_total),
        "charge": str(charge_total),
        "bytes": path.stat().st_size,
    }
