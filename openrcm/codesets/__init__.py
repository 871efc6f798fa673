"""Public US code sets, versioned by effective dates; pure Python (no Django).

- :mod:`.icd10cm`: ICD-10-CM, openrcm's compact index built once from simple-icd-10-cm.
- :mod:`.loaders`: parsers for CMS HCPCS, NCCI MUE/PTP, POS, NUCC taxonomy, MPFS and
  X12 CARC/RARC files, each yielding typed records and a release descriptor.
- :mod:`.snapshot`: ``CodeSets``, everything in force on one date of service.
- :mod:`.demo` and :mod:`.guidance`: what openrcm ships itself (our own words only).
"""

from openrcm.codesets.errors import CodeSetFileError, FileProblem
from openrcm.codesets.release import CodeSetKind, Release
from openrcm.codesets.snapshot import CodeCheck, CodeSets, CodeTables, Verdict

__all__ = [
    "CodeCheck",
    "CodeSetFileError",
    "CodeSetKind",
    "CodeSets",
    "CodeTables",
    "FileProblem",
    "Release",
    "Verdict",
]
